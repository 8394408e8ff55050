-- One row per source line with a schedule: totals and what is recognised and amortised to the as-of date —
-- the values written back to Salesforce (ffrrRecognizedToDate__c, ffrrAmortizedToDate__c,
-- ffrrRevenueRecognitionComplete__c). Complete means recognised to date equals the total, to the cent.
-- A line that had periods closed and is no longer recognised (include flag cleared, deleted) keeps a row
-- with a total of 0: its closed revenue is reversed in the first open period.
-- Built incrementally by line (macros/incremental_by_fingerprint.sql): only the lines whose status_fingerprint
-- changed, or that have a period ending between the as-of date their row was built for and today's, are
-- summed again; the other rows get the new as_of_date in place.

{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook=["{{ delete_rows_of_changed_fingerprints('int_recognition__status_fingerprints', 'status_fingerprint') }}",
              "{{ delete_status_of_lines_the_as_of_date_passed() }}"],
    post_hook="{{ restate_status_as_of_date() }}"
) }}

{%- set by_line = built_by_fingerprint() %}

with fingerprints as (

    select source_object, source_id, status_fingerprint
    from {{ ref('int_recognition__status_fingerprints') }}

),

-- the lines to sum again: in a full build, every one
changed_lines as (

    select source_object, source_id
    from fingerprints
    where {{ not_yet_built('fingerprints', 'status_fingerprint') }}

),

source_lines as (

    select source_lines.* from {{ ref('int_recognition__source_lines') }} as source_lines
    {%- if by_line %}
    semi join changed_lines
        on changed_lines.source_object = source_lines.source_object
       and changed_lines.source_id = source_lines.source_id
    {%- endif %}

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

    from {{ ref('fct_revenue_schedule') }} as schedule
    {%- if by_line %}
    semi join changed_lines
        on changed_lines.source_object = schedule.source_object and changed_lines.source_id = schedule.source_id
    {%- endif %}
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
    {{ as_of_date() }} as as_of_date,

    -- incremental build
    fingerprints.status_fingerprint as line_fingerprint,
    {{ build_timestamp() }} as built_at

from lines
left join to_date on to_date.source_object = lines.source_object and to_date.source_id = lines.source_id
-- left: unit tests give no fingerprints (every build has one per line)
left join fingerprints on fingerprints.source_object = lines.source_object and fingerprints.source_id = lines.source_id
