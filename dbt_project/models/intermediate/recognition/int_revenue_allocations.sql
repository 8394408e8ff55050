-- Each Activated order's transaction price (the sum of its obligations' prices) allocated to its lines
-- by relative standalone selling price: line SSP = per-unit SSP (order product, else product) × quantity ×
-- prorate multiplier; a line without SSP uses its own price. Allocation is exact: each line gets the
-- floor in the currency's minor units, and the cents left over go one each to the largest remainders
-- (ties by order product number), so the allocations sum to the price to the cent.
-- A free line (price 0) with an SSP gets its share like any other (Certinia's example: 30 over SSPs
-- 20/10/10 with the third line free -> 15/7.50/7.50). An order with a negative price (a downsell credit)
-- or an SSP that is not positive (or missing) is not reallocated: each line keeps its own price, and
-- fct_data_issues says so.

with order_items as (

    select * from {{ ref('stg_salesforce__order_items') }}
    where not is_deleted and coalesce(include_in_recognition, false)

),

orders as (

    select * from {{ ref('stg_salesforce__orders') }}
    where not is_deleted and order_status = 'Activated'

),

products as (

    select product_id, standalone_selling_price from {{ ref('stg_salesforce__products') }}

),

currencies as (

    select currency_code, decimal_places from {{ ref('currencies') }}

),

lines as (

    select
        order_items.order_item_id,
        order_items.order_id,
        orders.account_id,
        order_items.product_id,
        order_items.order_item_number,
        coalesce(order_items.currency_code, orders.currency_code) as currency_code,
        order_items.quantity,
        cast(order_items.total_price as decimal(18, 2)) as line_amount,
        coalesce(order_items.standalone_selling_price, products.standalone_selling_price) as ssp_per_unit,
        case
            when order_items.standalone_selling_price is not null then 'order_item'
            when products.standalone_selling_price is not null then 'product'
            else 'own_price'
        end as ssp_source,
        coalesce(order_items.prorate_multiplier, 1) as prorate_multiplier

    from order_items
    inner join orders on orders.order_id = order_items.order_id
    left join products on products.product_id = order_items.product_id

),

priced as (

    select
        lines.*,
        coalesce(currencies.decimal_places, 2) as decimal_places,
        case when ssp_source = 'own_price' then cast(line_amount as decimal(38, 8))
             else cast(ssp_per_unit * quantity * prorate_multiplier as decimal(38, 8)) end as line_ssp

    from lines
    left join currencies on currencies.currency_code = lines.currency_code

),

-- the order's totals by a grouping joined back, not windows over its lines: no sort, a third faster
order_totals as (

    select
        order_id,
        sum(line_amount) as transaction_price,
        -- a missing SSP (a quantity or price missing) counts as not positive: left to bool_and, a null is
        -- skipped, and the order would be allocated with that line's share null
        bool_and(coalesce(line_ssp > 0, false) and line_amount >= 0) as can_allocate,
        sum(cast(line_ssp * 100000000 as hugeint)) as total_ssp_units

    from priced
    group by order_id

),

orders_priced as (

    select priced.*, order_totals.transaction_price, order_totals.can_allocate, order_totals.total_ssp_units
    from priced
    inner join order_totals on order_totals.order_id = priced.order_id

),

units as (

    select
        *,
        -- everything as exact integers: prices in minor units, SSPs in 1e-8
        {{ to_minor_units('transaction_price', 'decimal_places') }} as price_units,
        cast(line_ssp * 100000000 as hugeint) as ssp_units

    from orders_priced

),

floored as (

    select
        *,
        (price_units * ssp_units) // total_ssp_units as floor_units,
        (price_units * ssp_units) % total_ssp_units as remainder_units

    from units
    where can_allocate

),

ranked as (

    select
        *,
        price_units - sum(floor_units) over (partition by order_id) as short_units,
        row_number() over (
            partition by order_id order by remainder_units desc, order_item_number, order_item_id
        ) as remainder_rank

    from floored

)

select
    order_item_id,
    order_id,
    account_id,
    product_id,
    currency_code,
    quantity,
    line_amount,
    ssp_per_unit,
    ssp_source,
    prorate_multiplier,
    cast(line_ssp as decimal(38, 8)) as line_ssp,
    transaction_price,
    true as is_allocated,
    {{ from_minor_units('floor_units + case when remainder_rank <= short_units then 1 else 0 end',
                        'decimal_places') }} as allocated_amount

from ranked

union all

select
    order_item_id,
    order_id,
    account_id,
    product_id,
    currency_code,
    quantity,
    line_amount,
    ssp_per_unit,
    ssp_source,
    prorate_multiplier,
    cast(line_ssp as decimal(38, 8)),
    transaction_price,
    false,
    line_amount

from orders_priced
where not can_allocate
