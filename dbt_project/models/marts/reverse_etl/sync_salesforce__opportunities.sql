-- The values written back to each Opportunity: ARR and MRR in the opportunity's currency, the stage
-- category and the contract status on the as-of date.

select
    contract_id as opportunity_id,
    arr,
    mrr,
    stage_category,
    status as contract_status

from {{ ref('fct_contracts') }}
