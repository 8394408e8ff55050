-- How a product can be found: by Id, by SKU (ProductCode) or by name, each with the number of products
-- sharing that key, so a lookup can tell "no match" from "more than one match".

with products as (

    select * from {{ ref('stg_salesforce__products') }}
    where not is_deleted

),

keys as (

    select 'product_id' as match_method, product_id as lookup_key, product_id from products
    union all
    select 'product_code', lower(product_code), product_id from products where product_code is not null
    union all
    select 'product_name', lower(product_name), product_id from products where product_name is not null

)

select
    match_method,
    lookup_key,
    count(*) as product_count,
    min(product_id) as product_id

from keys
group by match_method, lookup_key
