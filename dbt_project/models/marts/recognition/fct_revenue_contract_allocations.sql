-- Each order's transaction price allocated to its lines by relative standalone selling price (ASC 606 /
-- IFRS 15), with largest-remainder rounding to the cent: the allocations of an order sum to its price.

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
    line_ssp,
    transaction_price,
    allocated_amount,
    allocated_amount - line_amount as allocation_adjustment,
    is_allocated

from {{ ref('int_revenue_allocations') }}
