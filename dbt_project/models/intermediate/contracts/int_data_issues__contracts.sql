-- Problems found in contracts and their lines; each is handled by a documented rule, never dropped:
-- the row says which record, which field, which rule and what the pipeline did about it.

with lines as (

    select * from {{ ref('int_contract_lines') }}

),

contracts as (

    select * from {{ ref('int_contracts') }}

),

stages as (

    select * from {{ ref('int_stage_categories') }}

)

select source_object as object, line_id as record_id, lookup_field as field,
       'Contract Item Missing LookupKey' as rule, 'error' as severity,
       'no product matches ' || coalesce('''' || lookup_value || '''', 'an empty key') || ' by Id, SKU or name; '
           || case when product_id is null then 'the line has no product'
                   else 'the default product is used' end as message,
       contract_id as related_record_id
from lines where product_match_method = 'unmatched'

union all

select source_object, line_id, lookup_field,
       'query did not return a unique result', 'error',
       'more than one product matches ''' || lookup_value || ''' by SKU or name; '
           || case when product_id is null then 'the line has no product' else 'the default product is used' end,
       contract_id
from lines where product_match_method = 'ambiguous'

union all

select source_object, line_id, '{{ var("line_end_date_field") }}',
       'missing end date', 'error',
       'recurring line without an end date on the line or its contract: no term, MRR or ARR is computed',
       contract_id
from lines where date_error = 'missing_end_date'

union all

select source_object, line_id, '{{ var("line_start_date_field") }}',
       'missing start date', 'error',
       'line without a start date on the contract, the line or the opportunity: no term, MRR or ARR is computed',
       contract_id
from lines where date_error = 'missing_start_date'

union all

select source_object, line_id, '{{ var("line_end_date_field") }}',
       'end before start', 'error',
       'end date ' || end_date || ' is before start date ' || start_date || ': no term, MRR or ARR is computed',
       contract_id
from lines where date_error = 'end_before_start'

union all

select source_object, line_id, '{{ var("item_assigned_arr_field") }}',
       'conflicting item ARR and MRR', 'warning',
       'Item Assigned ARR ' || item_assigned_arr || ' is not 12 × Item Assigned MRR ' || item_assigned_mrr
           || ': the assigned ARR is used',
       contract_id
from lines where has_conflicting_item_overrides

union all

select 'Opportunity', contract_id,
       case when assigned_arr is not null then '{{ var("assigned_arr_field") }}'
            else '{{ var("assigned_mrr_field") }}' end,
       case when assigned_arr is not null then 'lone Assigned ARR' else 'lone Assigned MRR' end, 'warning',
       'only one of Assigned ARR and Assigned MRR is set; a contract override needs both, so it is ignored',
       null
from contracts where has_lone_assigned_value

union all

select 'Opportunity', contract_id, 'CurrencyIsoCode',
       'missing FX rate', 'error',
       'no DatedConversionRate for ' || currency_code || ' in force on ' || coalesce(start_date::varchar, 'an unknown date')
           || ': corporate amounts are empty and the contract adds nothing to ARR',
       null
from contracts where conversion_rate is null

union all

select 'OpportunityStage', stage_name, 'StageName',
       'unknown stage', 'warning',
       'stage ''' || stage_name || ''' is neither in the stage_mapping seed nor in OpportunityStage; '
           || opportunity_count || ' opportunities are treated as Forecast',
       null
from stages where category_source = 'default'
