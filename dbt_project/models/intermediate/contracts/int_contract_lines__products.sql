-- Contract lines with their product found by Id (15-character Ids normalised to 18), then SKU, then
-- name. An opportunity without line items is a one-line contract for its Amount, its product named by a
-- configured field. No match, or more than one: the configured default product is used and the line is
-- flagged for fct_data_issues.

with contracts as (

    select * from {{ ref('int_contracts__scoped') }}

),

real_lines as (

    select
        lines.line_item_id as line_id,
        lines.opportunity_id as contract_id,
        'OpportunityLineItem' as source_object,
        false as is_synthetic,
        coalesce(lines.product_id, lines.product_lookup_key) as lookup_value,
        case when lines.product_id is not null then 'Product2Id'
             else '{{ var("line_product_lookup_field") }}' end as lookup_field,
        lines.quantity,
        lines.unit_price,
        lines.total_price,
        lines.service_date,
        lines.line_start_date,
        lines.line_end_date,
        lines.item_assigned_arr,
        lines.item_assigned_mrr,
        lines.sort_order

    from {{ ref('stg_salesforce__opportunity_line_items') }} as lines
    inner join contracts on contracts.opportunity_id = lines.opportunity_id
    where not lines.is_deleted

),

synthetic_lines as (

    select
        contracts.opportunity_id as line_id,
        contracts.opportunity_id as contract_id,
        'Opportunity' as source_object,
        true as is_synthetic,
        contracts.product_lookup_key as lookup_value,
        '{{ var("contract_product_field") }}' as lookup_field,
        cast(1 as decimal(12, 2)) as quantity,
        contracts.amount as unit_price,
        contracts.amount as total_price,
        cast(null as date) as service_date,
        cast(null as date) as line_start_date,
        cast(null as date) as line_end_date,
        cast(null as decimal(18, 2)) as item_assigned_arr,
        cast(null as decimal(18, 2)) as item_assigned_mrr,
        1 as sort_order

    from contracts
    where not exists (select 1 from real_lines where real_lines.contract_id = contracts.opportunity_id)

),

lines as (

    select * from real_lines
    union all
    select * from synthetic_lines

),

keys as (

    select * from {{ ref('int_products__lookup_keys') }}

),

matched as (

    select
        lines.*,
        by_id.product_id as id_match,
        by_code.product_count as code_matches,
        by_code.product_id as code_match,
        by_name.product_count as name_matches,
        by_name.product_id as name_match

    from lines
    left join keys as by_id
        on by_id.match_method = 'product_id' and by_id.lookup_key = {{ sf_id('lines.lookup_value') }}
    left join keys as by_code
        on by_code.match_method = 'product_code' and by_code.lookup_key = lower(lines.lookup_value)
    left join keys as by_name
        on by_name.match_method = 'product_name' and by_name.lookup_key = lower(lines.lookup_value)

),

resolved as (

    select
        *,
        case
            when id_match is not null then 'product_id'
            when code_matches = 1 then 'product_code'
            when code_matches > 1 then 'ambiguous'
            when name_matches = 1 then 'product_name'
            when name_matches > 1 then 'ambiguous'
            else 'unmatched'
        end as product_match_method

    from matched

),

default_product as (

    select product_id from keys
    where match_method = 'product_code'
      and lookup_key = lower({{ "'" ~ var('default_product_code') ~ "'" if var('default_product_code') else 'null' }})
      and product_count = 1

)

select
    resolved.line_id,
    resolved.contract_id,
    resolved.source_object,
    resolved.is_synthetic,
    resolved.lookup_value,
    resolved.lookup_field,
    resolved.product_match_method,
    case resolved.product_match_method
        when 'product_id' then resolved.id_match
        when 'product_code' then resolved.code_match
        when 'product_name' then resolved.name_match
        else (select product_id from default_product)
    end as product_id,
    resolved.quantity,
    resolved.unit_price,
    resolved.total_price,
    resolved.service_date,
    resolved.line_start_date,
    resolved.line_end_date,
    resolved.item_assigned_arr,
    resolved.item_assigned_mrr,
    resolved.sort_order

from resolved
