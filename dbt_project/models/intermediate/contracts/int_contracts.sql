-- One row per contract (in-scope opportunity): dates, totals, MRR/ARR/ACV with the contract-level
-- override (Assigned ARR and Assigned MRR replace the totals only when both are set), and the exchange
-- rate in force on the contract start date.

with contracts as (

    select * from {{ ref('int_contracts__scoped') }}

),

line_totals as (

    select
        contract_id,
        count(*) as line_count,
        bool_or(is_synthetic) as has_synthetic_line,
        min(start_date) as first_line_start_date,
        max(end_date) as last_line_end_date,
        sum(term_revenue) as line_revenue,
        -- Summed as exact decimals: a DOUBLE sum depends on the order parallel threads add the lines in,
        -- and the same data must give the same contract totals on every run, to the last bit.
        cast(sum(cast(mrr as decimal(38, 10))) as double) as line_mrr,
        cast(sum(cast(arr as decimal(38, 10))) as double) as line_arr,
        sum(one_time_revenue) as one_time_revenue,
        count(*) filter (where date_error is not null) as lines_with_date_errors,
        count(*) filter (where product_match_method in ('unmatched', 'ambiguous')) as lines_without_product

    from {{ ref('int_contract_lines') }}
    group by contract_id

),

rates as (

    select * from {{ ref('int_conversion_rates') }}

),

assembled as (

    select
        contracts.opportunity_id as contract_id,
        contracts.account_id,
        contracts.opportunity_name as contract_name,
        contracts.stage_name,
        contracts.stage_category,
        contracts.opportunity_type,
        contracts.close_date,
        coalesce(contracts.contract_start_date, line_totals.first_line_start_date, contracts.close_date)
            as start_date,
        coalesce(contracts.contract_end_date, line_totals.last_line_end_date) as end_date,
        contracts.termination_date,
        contracts.terminated_effective_date,
        contracts.currency_code,
        coalesce(line_totals.line_revenue, contracts.amount) as total_amount,
        contracts.amount as opportunity_amount,
        contracts.assigned_arr,
        contracts.assigned_mrr,
        contracts.assigned_arr is not null and contracts.assigned_mrr is not null as has_assigned_override,
        (contracts.assigned_arr is null) <> (contracts.assigned_mrr is null) as has_lone_assigned_value,
        line_totals.line_mrr,
        line_totals.line_arr,
        coalesce(line_totals.one_time_revenue, 0) as one_time_revenue,
        coalesce(line_totals.line_count, 0) as line_count,
        coalesce(line_totals.has_synthetic_line, false) as has_synthetic_line,
        coalesce(line_totals.lines_with_date_errors, 0) as lines_with_date_errors,
        coalesce(line_totals.lines_without_product, 0) as lines_without_product,
        contracts.renews_opportunity_id,
        contracts.renewed_by_opportunity_id,
        contracts.amends_opportunity_id,
        contracts.amended_by_opportunity_id

    from contracts
    left join line_totals on line_totals.contract_id = contracts.opportunity_id

)

select
    assembled.*,
    case when has_assigned_override then cast(assigned_mrr as double) else line_mrr end as mrr,
    case when has_assigned_override then cast(assigned_arr as double) else line_arr end as arr,
    case when has_assigned_override then cast(assigned_arr as double) else line_arr end
        + cast(one_time_revenue as double) as acv,
    rates.conversion_rate

from assembled
left join rates
    on rates.currency_code = assembled.currency_code
   and assembled.start_date >= rates.start_date
   and assembled.start_date < rates.next_start_date
