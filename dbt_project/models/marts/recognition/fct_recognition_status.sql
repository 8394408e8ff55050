-- One row per source line with a schedule: totals and what is recognised and amortised to the as-of date —
-- the values written back to Salesforce (ffrrRecognizedToDate__c, ffrrAmortizedToDate__c,
-- ffrrRevenueRecognitionComplete__c). Complete means recognised to date equals the total, to the cent.
-- A line that had periods closed and is no longer recognised (include flag cleared, deleted) keeps a row
-- with a total of 0: its closed revenue is reversed in the first open period.

with source_lines as (

    select * from {{ ref('int_recognition__source_lines') }}

),

to_date as (

    select
        source_object,
        source_id,
        sum(revenue_amount) filter (where is_recognized) as recognized_to_date,
        sum(cost_amount) filter (where is_recognized) as amortized_to_date,
        sum(revenue_amount_corporate) filter (where is_recognized) as recognized_to_date_corporate,
        min(period_start) as first_period_start,
        max(period_end) as last_period_end,
        count(*) as schedule_lines,
        bool_or(schedule_status = 'pending_delivery') as is_pending_delivery

    from {{ ref('fct_revenue_schedule') }}
    group by source_object, source_id

),

lines as (

    select
        keys.source_object,
        keys.source_id,
        source_lines.order_id,
        source_lines.account_id,
        source_lines.product_id,
        source_lines.template,
        source_lines.currency_code,
        source_lines.source_id is null or source_lines.exclusion_reason is not null as is_no_longer_recognised,
        case when source_lines.exclusion_reason is null then source_lines.total_amount else 0 end as total_amount,
        case when source_lines.exclusion_reason is null then source_lines.total_cost else 0 end as total_cost

    from (
        select source_object, source_id from source_lines where exclusion_reason is null
        union
        select source_object, source_id from to_date
    ) as keys
    left join source_lines
        on source_lines.source_object = keys.source_object and source_lines.source_id = keys.source_id

)

select
    lines.source_object,
    lines.source_id,
    lines.order_id,
    lines.account_id,
    lines.product_id,
    lines.template,
    lines.currency_code,
    lines.total_amount as total_revenue,
    lines.total_cost,
    cast(coalesce(to_date.recognized_to_date, 0) as decimal(18, 2)) as recognized_to_date,
    cast(coalesce(to_date.amortized_to_date, 0) as decimal(18, 2)) as amortized_to_date,
    cast(lines.total_amount - coalesce(to_date.recognized_to_date, 0) as decimal(18, 2)) as remaining_revenue,
    cast(lines.total_cost - coalesce(to_date.amortized_to_date, 0) as decimal(18, 2)) as remaining_cost,
    coalesce(to_date.recognized_to_date, 0) = lines.total_amount and lines.total_amount is not null
        as recognition_complete,
    cast(coalesce(to_date.recognized_to_date_corporate, 0) as decimal(18, 2)) as recognized_to_date_corporate,
    coalesce(to_date.is_pending_delivery, false) as is_pending_delivery,
    to_date.first_period_start,
    to_date.last_period_end,
    coalesce(to_date.schedule_lines, 0) as schedule_lines,
    lines.is_no_longer_recognised,
    {{ as_of_date() }} as as_of_date

from lines
left join to_date on to_date.source_object = lines.source_object and to_date.source_id = lines.source_id
