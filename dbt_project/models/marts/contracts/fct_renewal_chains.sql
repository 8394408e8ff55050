-- One row per renewal chain (root → … → latest contract), with its outcome so far.

with members as (

    select
        chains.*,
        contracts.account_id,
        contracts.stage_category,
        contracts.start_date,
        contracts.end_date,
        contracts.status,
        contracts.arr_corporate

    from {{ ref('int_renewal_chains') }} as chains
    inner join {{ ref('fct_contracts') }} as contracts on contracts.contract_id = chains.contract_id

),

steps as (

    select
        members.*,
        lag(end_date) over (partition by chain_id order by chain_position) as previous_end_date

    from members

),

cycles as (

    select unnest(cycle_members) as contract_id
    from {{ ref('int_renewal_cycles') }}
    where graph = 'stated'

),

chain_arr as (

    -- amendments are not links of a chain but change its ARR: they carry their parent's chain id
    select renewal_chain_id as chain_id, sum(arr_corporate) filter (where status = 'active') as active_arr
    from {{ ref('fct_contracts') }}
    group by renewal_chain_id

),

latest_booked as (

    select chain_id, status, contract_id
    from members
    where stage_category = 'Booked'
    qualify row_number() over (partition by chain_id order by chain_position desc) = 1

)

select
    steps.chain_id,
    min(steps.account_id) as account_id,
    min(steps.contract_id) filter (where steps.chain_position = 1) as root_contract_id,
    min(steps.contract_id) filter (where steps.chain_position = steps.chain_length) as latest_contract_id,
    min(latest_booked.contract_id) as latest_booked_contract_id,
    max(steps.chain_length) as chain_length,
    coalesce(
        min(latest_booked.status),
        case when bool_or(steps.stage_category = 'Forecast') then 'forecast' else 'lost' end
    ) as status,
    min(steps.start_date) as first_start_date,
    max(steps.end_date) as latest_end_date,
    count(*) filter (where steps.chain_position > 1 and steps.stage_category = 'Booked') as renewals_booked,
    count(*) filter (where steps.chain_position > 1 and steps.stage_category = 'Lost') as renewals_lost,
    count(*) filter (where steps.chain_position > 1 and steps.stage_category = 'Forecast') as renewals_open,
    cast(coalesce(sum(greatest(0, steps.start_date - steps.previous_end_date - 1)), 0) as bigint) as gap_days,
    cast(coalesce(sum(greatest(0, steps.previous_end_date - steps.start_date + 1)), 0) as bigint) as overlap_days,
    coalesce(max(greatest(0, steps.start_date - steps.previous_end_date - 1)), 0) as longest_gap_days,
    bool_or(cycles.contract_id is not null) as had_cycle,
    cast(coalesce(min(chain_arr.active_arr), 0) as decimal(18, 2)) as active_arr_corporate

from steps
left join latest_booked on latest_booked.chain_id = steps.chain_id
left join cycles on cycles.contract_id = steps.contract_id
left join chain_arr on chain_arr.chain_id = steps.chain_id
group by steps.chain_id
