-- Finance's month-by-month view, per account and in total (account_id 'ALL'), in the corporate currency:
-- revenue recognised in the month, revenue billed (posted invoices less posted credit notes, by
-- document date), and the deferred revenue balance (billed to date − recognised to date; negative means
-- recognised but not yet billed). Long format: one row per account and month, easy to pivot.
-- Built incrementally by account (macros/incremental_by_fingerprint.sql): only the accounts whose
-- account_fingerprint changed are summed again, then the 'ALL' rows from every account's rows.

{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_rows_of_changed_fingerprints('int_recognition__waterfall_fingerprints', 'account_fingerprint',
                                              keys=['account_id'], built_column='account_fingerprint') }}",
    post_hook="{{ restate_past_or_current() }}"
) }}

{%- set by_account = built_by_fingerprint('account_fingerprint') %}

with fingerprints as (

    select account_id, account_fingerprint
    from {{ ref('int_recognition__waterfall_fingerprints') }}

),

-- the accounts to sum again: in a full build, every one
changed_accounts as (

    select account_id, account_fingerprint
    from fingerprints
    where {{ not_yet_built('fingerprints', 'account_fingerprint', keys=['account_id'],
                                built_column='account_fingerprint') }}

),

recognised as (

    select
        coalesce(account_id, 'UNKNOWN') as account_id,
        date_trunc('month', period_end)::date as month_start,
        sum(revenue_amount_corporate) as recognized_revenue,
        sum(cost_amount_corporate) as recognized_cost

    from {{ ref('fct_revenue_schedule') }}
    where schedule_status = 'scheduled'
    {%- if by_account %}
      and coalesce(account_id, 'UNKNOWN') in (select account_id from changed_accounts)
    {%- endif %}
    group by 1, 2

),

rates as (

    select * from {{ ref('int_conversion_rates') }}

),

documents as (

    select account_id, document_date, amount, currency_code
    from {{ ref('int_recognition__billed_documents') }}

),

billed as (

    select
        documents.account_id,
        date_trunc('month', documents.document_date)::date as month_start,
        -- each document converted to corporate cents exactly (half up), then summed: no DOUBLE drift
        {{ from_minor_units('sum(' ~ to_converted_minor_units('documents.amount', 'rates.conversion_rate',
                                                             corporate_decimals()) ~ ')', corporate_decimals()) }}
            as billed_revenue

    from documents
    left join rates
        on rates.currency_code = documents.currency_code
       and documents.document_date >= rates.start_date
       and documents.document_date < rates.next_start_date
    where documents.document_date is not null
    {%- if by_account %}
      and documents.account_id in (select account_id from changed_accounts)
    {%- endif %}
    group by 1, 2

),

monthly as (

    select
        coalesce(recognised.account_id, billed.account_id) as account_id,
        coalesce(recognised.month_start, billed.month_start) as month_start,
        coalesce(recognised.recognized_revenue, 0) as recognized_revenue,
        coalesce(recognised.recognized_cost, 0) as recognized_cost,
        coalesce(billed.billed_revenue, 0) as billed_revenue

    from recognised
    full outer join billed on billed.account_id = recognised.account_id and billed.month_start = recognised.month_start

),

-- every account's months: those of unchanged accounts as the last build left them (the pre-hook deleted
-- the rest, and the 'ALL' rows), and those just summed
all_accounts as (

    select month_start, recognized_revenue, recognized_cost, billed_revenue from monthly
    {%- if is_incremental() %}
    union all
    select month_start, recognized_revenue, recognized_cost, billed_revenue from {{ this }}
    {%- endif %}

),

with_total as (

    select account_id, month_start, recognized_revenue, recognized_cost, billed_revenue from monthly
    union all
    select 'ALL', month_start, sum(recognized_revenue), sum(recognized_cost), sum(billed_revenue)
    from all_accounts
    group by month_start

)

select
    with_total.account_id,
    month_start,
    last_day(month_start)::date as month_end,
    month_start <= {{ as_of_date() }} as is_past_or_current,
    cast(round(recognized_revenue, 2) as decimal(18, 2)) as recognized_revenue,
    cast(round(recognized_cost, 2) as decimal(18, 2)) as recognized_cost,
    cast(round(billed_revenue, 2) as decimal(18, 2)) as billed_revenue,
    cast(round(sum(recognized_revenue) over running, 2) as decimal(18, 2)) as recognized_to_date,
    cast(round(sum(billed_revenue) over running, 2) as decimal(18, 2)) as billed_to_date,
    cast(round(sum(billed_revenue - recognized_revenue) over running, 2) as decimal(18, 2)) as deferred_revenue_balance,
    '{{ var("corporate_currency") }}' as currency_code,

    -- incremental build ('ALL' rows have no fingerprint: they are summed again in every build)
    fingerprints.account_fingerprint,
    {{ build_timestamp() }} as built_at

from with_total
-- left: unit tests give no fingerprints
left join fingerprints on fingerprints.account_id = with_total.account_id
window running as (partition by with_total.account_id order by month_start rows between unbounded preceding and current row)
