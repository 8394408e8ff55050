-- The status of every contract on the as-of date.
--   Lost / Forecast stage category → lost / forecast.
--   Booked: churned (Termination Date set and the Terminated Effective Date reached, or its renewal is
--   Lost and the Terminated Effective Date is reached); future (starts after the date); active (start ≤
--   date ≤ end); renewed (ended, and a Booked renewal exists); overdue (ended, neither renewed nor churned).
--   An amendment shares its parent's fate: churned with it and, once both have ended, renewed or overdue
--   with it.

with contracts as (

    select * from {{ ref('int_contracts') }}

),

chains as (

    select * from {{ ref('int_renewal_chains') }}

),

renewals as (

    select chains.contract_id, next_contract.stage_category as renewal_stage_category
    from chains
    inner join contracts as next_contract on next_contract.contract_id = chains.next_contract_id

),

evaluated as (

    select
        contracts.contract_id,
        {{ as_of_date() }} as as_of_date,
        contracts.stage_category,
        contracts.start_date,
        contracts.end_date,
        contracts.termination_date,
        contracts.terminated_effective_date,
        renewals.renewal_stage_category,
        contracts.terminated_effective_date is not null
            and contracts.terminated_effective_date <= {{ as_of_date() }} as termination_effective,
        contracts.termination_date is not null as is_terminated,
        renewals.renewal_stage_category = 'Lost' as renewal_lost

    from contracts
    left join renewals on renewals.contract_id = contracts.contract_id

),

own_status as (

    select
        contract_id,
        as_of_date,
        renewal_stage_category,
        case
        when stage_category = 'Lost' then 'lost'
        when stage_category = 'Forecast' then 'forecast'
        when is_terminated and termination_effective then 'churned'
        when renewal_lost and termination_effective then 'churned'
        {%- if not var('lost_renewal_requires_termination_date') %}
        when renewal_lost and terminated_effective_date is null and end_date < as_of_date then 'churned'
        {%- endif %}
        when start_date > as_of_date then 'future'
        when end_date is null or as_of_date <= end_date then 'active'
        when renewal_stage_category = 'Booked' then 'renewed'
        else 'overdue'
    end as status,
    case
        when stage_category = 'Booked' and (is_terminated or renewal_lost) and termination_effective
            then terminated_effective_date
        {%- if not var('lost_renewal_requires_termination_date') %}
        when stage_category = 'Booked' and renewal_lost and terminated_effective_date is null
             and end_date < as_of_date then end_date + 1
        {%- endif %}
    end as churn_date

from evaluated

),

amendment_parents as (

    select child_id as contract_id, parent_id
    from {{ ref('int_contract_links__resolved') }}
    where link_type = 'amendment' and is_kept

)

select
    own_status.contract_id,
    own_status.as_of_date,
    own_status.renewal_stage_category,
    case
        when own_status.status in ('lost', 'forecast', 'future') or parent_status.status is null
            then own_status.status
        when parent_status.status = 'churned' then 'churned'
        when own_status.status = 'overdue' and parent_status.status in ('renewed', 'overdue')
            then parent_status.status
        else own_status.status
    end as status,
    coalesce(own_status.churn_date,
             case when parent_status.status = 'churned' and own_status.status not in ('lost', 'forecast', 'future')
                  then parent_status.churn_date end) as churn_date

from own_status
left join amendment_parents on amendment_parents.contract_id = own_status.contract_id
left join own_status as parent_status on parent_status.contract_id = amendment_parents.parent_id
