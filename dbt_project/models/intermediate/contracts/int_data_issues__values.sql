-- Values the contract rules cannot use as they are: a required field left empty (StageName, CloseDate,
-- AccountId on an opportunity, Quantity on a line), a quantity that is zero (or negative outside an
-- amendment), a contract that ends before it starts, a line whose opportunity the org does not have, and a
-- SKU shared by several products. One row per record and field, saying what the pipeline did instead; the
-- record itself is never dropped silently.

with opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}
    where not is_deleted and passes_import_filter

),

lines as (

    select lines.*
    from {{ ref('stg_salesforce__opportunity_line_items') }} as lines
    inner join {{ ref('int_contracts__scoped') }} as contracts on contracts.opportunity_id = lines.opportunity_id
    where not lines.is_deleted

),

-- Lines naming an opportunity that is not in the org at all (not one left out of scope on purpose).
orphan_lines as (

    select lines.*
    from {{ ref('stg_salesforce__opportunity_line_items') }} as lines
    where not lines.is_deleted
      and lines.opportunity_id is not null
      and not exists (
          select 1 from {{ ref('stg_salesforce__opportunities') }} as o where o.opportunity_id = lines.opportunity_id
      )

),

amendments as (

    select child_id as contract_id
    from {{ ref('int_contract_links__resolved') }}
    where link_type = 'amendment' and is_kept

),

products as (

    select * from {{ ref('stg_salesforce__products') }}
    where not is_deleted

),

sku_keys as (

    select lookup_key, product_count
    from {{ ref('int_products__lookup_keys') }}
    where match_method = 'product_code' and product_count > 1

)

select 'Opportunity' as object, opportunity_id as record_id, 'AccountId' as field,
       'missing required value' as rule, 'error' as severity,
       'AccountId is empty: the opportunity is left out of the contracts, ARR and renewal chains until it '
           || 'has an account' as message,
       null as related_record_id
from opportunities where account_id is null

union all

select 'Opportunity', opportunity_id, 'StageName', 'missing required value', 'error',
       'StageName is empty: the contract is treated as Forecast (no ARR)', null
from opportunities where stage_name is null and account_id is not null

union all

select 'Opportunity', opportunity_id, 'CloseDate', 'missing required value', 'error',
       'CloseDate is empty: it cannot stand in for a missing contract start date', null
from opportunities where close_date is null and account_id is not null

union all

select 'OpportunityLineItem', line_item_id, 'Quantity', 'missing required value', 'error',
       'Quantity is empty: the line''s TotalPrice ' || coalesce(total_price::varchar, '(empty)')
           || ' is used as its revenue',
       opportunity_id
from lines where quantity is null

union all

select 'OpportunityLineItem', line_item_id, 'Quantity', 'quantity not positive', 'warning',
       'Quantity is ' || quantity
           || case when quantity = 0 then '' else ' on a contract that is not an amendment' end
           || ': the line''s TotalPrice ' || coalesce(total_price::varchar, '(empty)') || ' is used as its revenue',
       opportunity_id
from lines
where quantity = 0
   or (quantity < 0 and opportunity_id not in (select contract_id from amendments))

union all

select 'OpportunityLineItem', line_item_id, 'OpportunityId', 'line of a missing opportunity', 'error',
       'OpportunityId ' || opportunity_id || ' is not an opportunity of the org: the line belongs to no contract '
           || 'and adds nothing to ARR until its opportunity is extracted',
       opportunity_id
from orphan_lines

union all

select 'Opportunity', opportunity_id, '{{ var("contract_end_date_field") }}', 'end before start', 'error',
       'contract end date ' || contract_end_date || ' is before its start date ' || contract_start_date
           || ': its lines have no term, MRR or ARR',
       null
from opportunities
where account_id is not null and contract_end_date < contract_start_date

union all

select 'Product2', products.product_id, 'ProductCode', 'duplicate SKU', 'warning',
       'SKU ''' || products.product_code || ''' is shared by ' || sku_keys.product_count
           || ' products (active or retired); lookups by SKU are ambiguous',
       null
from products
inner join sku_keys on sku_keys.lookup_key = lower(products.product_code)
