-- The product catalogue with its SKU, recurring flag and whether the SKU is shared by another active product.

with products as (

    select * from {{ ref('stg_salesforce__products') }}
    where not is_deleted

),

sku_use as (

    select lower(product_code) as sku_key, count(*) as active_products
    from products
    where is_active and product_code is not null
    group by 1

),

line_use as (

    select product_id, count(*) as contract_lines
    from {{ ref('int_contract_lines') }}
    group by 1

)

select
    products.product_id,
    products.product_code as sku,
    products.product_name,
    products.product_family,
    coalesce(products.is_recurring_raw, false) as is_recurring,
    products.is_active,
    products.standalone_selling_price,
    products.unit_cost,
    products.default_recognition_template,
    products.currency_code,
    coalesce(sku_use.active_products, 0) > 1 and products.is_active as has_duplicate_sku,
    coalesce(line_use.contract_lines, 0) as contract_lines

from products
left join sku_use on sku_use.sku_key = lower(products.product_code)
left join line_use on line_use.product_id = products.product_id
