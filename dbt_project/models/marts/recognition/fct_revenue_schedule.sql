-- One row per source line and recognition period: revenue and cost recognised in the period, in the
-- line's currency and the corporate currency. Calendar months, or 4-4-5 fiscal periods for "Equal Split
-- 445". A period is recognised once it has ended on or before the as-of date; a Deliverable not yet
-- delivered is scheduled in the period of its end date but stays pending (not recognised). Closed periods
-- (the recognition_closed_through var) keep the amounts they closed with; later changes catch up in the
-- open periods.
-- Built incrementally by line (macros/incremental_by_fingerprint.sql): only lines whose adjusted_fingerprint
-- changed are published again. When the as-of date moves, every row's is_recognized and as_of_date are
-- restated in place (two columns, not the whole table).

{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_rows_of_changed_fingerprints('int_recognition__adjusted_fingerprints', 'adjusted_fingerprint') }}",
    post_hook="{{ restate_as_of_date() }}"
) }}

with fingerprints as (

    select source_object, source_id, adjusted_fingerprint
    from {{ ref('int_recognition__adjusted_fingerprints') }}

),

schedule as (

    select schedule.* from {{ ref('int_recognition__schedule_adjusted') }} as schedule
    {%- if built_by_fingerprint() %}
    semi join fingerprints
        on fingerprints.source_object = schedule.source_object and fingerprints.source_id = schedule.source_id
       and {{ not_yet_built('fingerprints', 'adjusted_fingerprint') }}
    {%- endif %}

),

lines as (

    select * from {{ ref('int_recognition__source_lines') }}

),

-- The fiscal period of each day: an equality join on the period's last day, instead of a range join
-- against every fiscal period for tens of millions of schedule rows.
fiscal as (

    select period_key, unnest(generate_series(period_start, period_end, interval 1 day))::date as day
    from {{ ref('dim_fiscal_calendar') }}
    where calendar = 'fiscal_445'

)

select
    -- ids
    schedule.source_object,
    schedule.source_id,
    lines.order_id,
    lines.account_id,
    lines.product_id,

    -- how
    lines.template,
    schedule.schedule_status,
    -- numbered upstream by period_start (int_recognition__schedule, _adjusted): a window over every row here
    -- took about 12 s of a full build at 1,000,000 opportunities
    schedule.period_number as schedule_line_number,

    -- when
    schedule.period_start,
    schedule.period_end,
    fiscal.period_key as fiscal_period,
    schedule.schedule_status = 'scheduled' and schedule.period_end <= {{ as_of_date() }} as is_recognized,
    schedule.is_closed_period,

    -- amounts
    {{ from_minor_units('schedule.revenue_units', 'lines.decimal_places') }} as revenue_amount,
    {{ from_minor_units('schedule.cost_units', 'lines.decimal_places') }} as cost_amount,
    lines.currency_code,
    {{ from_minor_units('schedule.revenue_corporate_units', corporate_decimals()) }} as revenue_amount_corporate,
    {{ from_minor_units('schedule.cost_corporate_units', corporate_decimals()) }} as cost_amount_corporate,
    '{{ var("corporate_currency") }}' as corporate_currency_code,
    {{ as_of_date() }} as as_of_date,

    -- incremental build
    fingerprints.adjusted_fingerprint as line_fingerprint,
    {{ build_timestamp() }} as built_at

from schedule
-- left: a closed line deleted in Salesforce keeps its closed rows and their reversal
left join lines on lines.source_object = schedule.source_object and lines.source_id = schedule.source_id
left join fiscal on fiscal.day = schedule.period_end
-- left: unit tests give no fingerprints (every build has one per line with rows)
left join fingerprints
    on fingerprints.source_object = schedule.source_object and fingerprints.source_id = schedule.source_id
