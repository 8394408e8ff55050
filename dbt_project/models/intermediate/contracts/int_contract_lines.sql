-- Contract lines with dates after the override rule, term months, MRR/ARR and one-time revenue.
--   start = contract start, else the line's own start (custom field, then ServiceDate), else CloseDate
--   end   = contract end, else the line's own end; a recurring line without one is an error, not a guess
--   recurring: MRR = term revenue / term months, ARR = 12 × MRR; one-time: MRR = ARR = 0 (counts in ACV)
--   Item Assigned ARR or MRR replaces the computed values (the other one ×12 or ÷12; ARR wins a conflict)

with lines as (

    select * from {{ ref('int_contract_lines__products') }}

),

contracts as (

    select * from {{ ref('int_contracts__scoped') }}

),

products as (

    select * from {{ ref('stg_salesforce__products') }}

),

dated as (

    select
        lines.*,
        products.product_code,
        products.product_name,
        coalesce(
            products.is_recurring_raw,
            case when products.product_id is null then {{ var('unmatched_line_is_recurring') }} end,
            false
        ) as is_recurring,
        contracts.account_id,
        contracts.currency_code,
        coalesce(contracts.contract_start_date, lines.line_start_date, lines.service_date, contracts.close_date)
            as start_date,
        coalesce(contracts.contract_end_date, lines.line_end_date) as end_date,
        case
            when contracts.contract_start_date is not null then 'contract'
            when coalesce(lines.line_start_date, lines.service_date) is not null then 'line'
            else 'close_date'
        end as start_date_source,
        case
            when contracts.contract_end_date is not null then 'contract'
            when lines.line_end_date is not null then 'line'
        end as end_date_source

    from lines
    inner join contracts on contracts.opportunity_id = lines.contract_id
    left join products on products.product_id = lines.product_id

),

termed as (

    select
        *,
        case
            when start_date is null then 'missing_start_date'
            when end_date is null and is_recurring then 'missing_end_date'
            when end_date < start_date then 'end_before_start'
        end as date_error,
        case when end_date >= start_date then {{ term_months('start_date', 'end_date') }} end as term_months

    from dated

),

computed as (

    select
        *,
        case
            when not is_recurring then 0
            when term_months > 0 then cast(total_price as double) / term_months
        end as computed_mrr

    from termed

)

select
    line_id,
    contract_id,
    account_id,
    source_object,
    is_synthetic,
    product_id,
    product_code,
    product_name,
    product_match_method,
    lookup_field,
    lookup_value,
    is_recurring,
    quantity,
    unit_price,
    total_price as term_revenue,
    currency_code,
    start_date,
    end_date,
    start_date_source,
    end_date_source,
    date_error,
    term_months,
    item_assigned_arr,
    item_assigned_mrr,
    case
        when item_assigned_arr is not null then 'item_assigned_arr'
        when item_assigned_mrr is not null then 'item_assigned_mrr'
    end as arr_override,
    item_assigned_arr is not null and item_assigned_mrr is not null
        and item_assigned_arr <> 12 * item_assigned_mrr as has_conflicting_item_overrides,
    case
        when item_assigned_arr is not null then cast(item_assigned_arr as double) / 12
        when item_assigned_mrr is not null then cast(item_assigned_mrr as double)
        else computed_mrr
    end as mrr,
    case
        when item_assigned_arr is not null then cast(item_assigned_arr as double)
        when item_assigned_mrr is not null then 12 * cast(item_assigned_mrr as double)
        else 12 * computed_mrr
    end as arr,
    case when is_recurring then 0 else total_price end as one_time_revenue,
    sort_order

from computed
