-- One row per contract: every in-scope opportunity, Booked, Lost or Forecast.

with contracts as (

    select * from {{ ref('int_contracts') }}

),

status as (

    select * from {{ ref('int_contract_status') }}

),

chains as (

    select * from {{ ref('int_renewal_chains') }}

),

amendments as (

    select child_id as contract_id, parent_id as amends_contract_id
    from {{ ref('int_contract_links__resolved') }}
    where link_type = 'amendment' and is_kept

),

stated_amendments as (

    select distinct child_id as contract_id
    from {{ ref('int_contract_links') }}
    where link_type = 'amendment' and not is_self_link

)

select
    -- ids
    contracts.contract_id,
    contracts.account_id,
    -- an amendment belongs to the chain of the contract it amends
    coalesce(chains.chain_id, parent_chains.chain_id) as renewal_chain_id,
    chains.previous_contract_id as renews_contract_id,
    chains.next_contract_id as renewed_by_contract_id,
    amendments.amends_contract_id,

    -- attributes
    contracts.contract_name,
    contracts.stage_name,
    contracts.stage_category,
    case
        when stated_amendments.contract_id is not null then 'amendment'
        when chains.previous_contract_id is not null then 'renewal'
        else 'new'
    end as contract_type,
    status.status,
    chains.chain_position as renewal_position,
    contracts.currency_code,

    -- dates
    contracts.close_date,
    contracts.start_date,
    contracts.end_date,
    case when contracts.end_date >= contracts.start_date
         then {{ term_months('contracts.start_date', 'contracts.end_date') }} end as term_months,
    contracts.termination_date,
    contracts.terminated_effective_date,
    status.churn_date,
    status.as_of_date,

    -- amounts in the contract currency; MRR/ARR/ACV are DOUBLE, rounded HALF-UP via 9 decimals so that an exact
    -- half cent the DOUBLE holds as x.xx4999… still rounds up (ACV = ARR + one-time to the cent)
    cast(contracts.total_amount as decimal(18, 2)) as total_amount,
    cast(round(cast(contracts.mrr as decimal(38, 9)), 2) as decimal(18, 2)) as mrr,
    cast(round(cast(contracts.arr as decimal(38, 9)), 2) as decimal(18, 2)) as arr,
    cast(round(cast(contracts.acv as decimal(38, 9)), 2) as decimal(18, 2)) as acv,
    cast(contracts.one_time_revenue as decimal(18, 2)) as one_time_revenue,

    -- amounts in the corporate currency (rate in force on the start date)
    contracts.conversion_rate,
    cast(round(cast(contracts.total_amount / contracts.conversion_rate as decimal(38, 9)), 2) as decimal(18, 2)) as total_amount_corporate,
    cast(round(cast(contracts.mrr / contracts.conversion_rate as decimal(38, 9)), 2) as decimal(18, 2)) as mrr_corporate,
    cast(round(cast(contracts.arr / contracts.conversion_rate as decimal(38, 9)), 2) as decimal(18, 2)) as arr_corporate,
    cast(round(cast(contracts.acv / contracts.conversion_rate as decimal(38, 9)), 2) as decimal(18, 2)) as acv_corporate,

    -- overrides and quality
    contracts.assigned_arr,
    contracts.assigned_mrr,
    contracts.has_assigned_override as is_arr_assigned,
    contracts.has_lone_assigned_value,
    contracts.line_count,
    contracts.has_synthetic_line as is_single_line_contract,
    contracts.lines_with_date_errors,
    contracts.lines_without_product

from contracts
left join status on status.contract_id = contracts.contract_id
left join chains on chains.contract_id = contracts.contract_id
left join amendments on amendments.contract_id = contracts.contract_id
left join chains as parent_chains on parent_chains.contract_id = amendments.amends_contract_id
left join stated_amendments on stated_amendments.contract_id = contracts.contract_id
