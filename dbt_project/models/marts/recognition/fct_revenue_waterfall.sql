-- Finance's month-by-month view, per account and in total (account_id 'ALL'), in the corporate currency:
-- revenue recognised in the month, revenue billed (posted invoices less posted credit notes, by
-- document date), and the deferred revenue balance (billed to date − recognised to date; negative means
-- recognised but not yet billed). Long format: one row per account and month, easy to pivot.

with recognised as (

    select
        coalesce(account_id, 'UNKNOWN') as account_id,
        date_trunc('month', period_end)::date as month_start,
        sum(revenue_amount_corporate) as recognized_revenue,
        sum(cost_amount_corporate) as recognized_cost

    from {{ ref('fct_revenue_schedule') }}
    where schedule_status = 'scheduled'
    group by 1, 2

),

rates as (

    select * from {{ ref('int_conversion_rates') }}

),

invoices as (

    select * from {{ ref('stg_salesforce__invoices') }}
    where not is_deleted and invoice_status = 'Posted'

),

credit_notes as (

    select * from {{ ref('stg_salesforce__credit_notes') }}
    where not is_deleted and credit_note_status = 'Posted'

),

documents as (

    select account_id, invoice_date as document_date, subtotal as amount, currency_code from invoices
    union all
    select account_id, credit_note_date, -subtotal, currency_code from credit_notes

),

billed as (

    select
        coalesce(documents.account_id, 'UNKNOWN') as account_id,
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

with_total as (

    select account_id, month_start, recognized_revenue, recognized_cost, billed_revenue from monthly
    union all
    select 'ALL', month_start, sum(recognized_revenue), sum(recognized_cost), sum(billed_revenue)
    from monthly
    group by month_start

)

select
    account_id,
    month_start,
    last_day(month_start)::date as month_end,
    month_start <= {{ as_of_date() }} as is_past_or_current,
    cast(round(recognized_revenue, 2) as decimal(18, 2)) as recognized_revenue,
    cast(round(recognized_cost, 2) as decimal(18, 2)) as recognized_cost,
    cast(round(billed_revenue, 2) as decimal(18, 2)) as billed_revenue,
    cast(round(sum(recognized_revenue) over running, 2) as decimal(18, 2)) as recognized_to_date,
    cast(round(sum(billed_revenue) over running, 2) as decimal(18, 2)) as billed_to_date,
    cast(round(sum(billed_revenue - recognized_revenue) over running, 2) as decimal(18, 2)) as deferred_revenue_balance,
    '{{ var("corporate_currency") }}' as currency_code

from with_total
window running as (partition by account_id order by month_start rows between unbounded preceding and current row)
