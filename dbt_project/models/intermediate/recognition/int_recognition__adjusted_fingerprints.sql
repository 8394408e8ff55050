-- One row per line with a published schedule (scheduled today, or holding closed periods): a hash of
-- everything its rows in int_recognition__schedule_adjusted and fct_revenue_schedule depend on, so that an
-- incremental build recomputes only the lines whose hash changed (macros/incremental_by_fingerprint.sql): the whole
-- source line, its schedule_fingerprint, its rows in the closed-period ledger, the closing date, the
-- adjustment mode, the corporate currency, the 4-4-5 fiscal calendar (the mart's fiscal_period, also for a
-- line that only has closed rows left) and the two models' SQL. The as-of date is not in it: the mart
-- restates is_recognized and as_of_date in place when the date moves.

with scheduled as (

    select source_object, source_id, schedule_fingerprint
    from {{ ref('int_recognition__line_fingerprints') }}

),

closed as (

    select
        source_object,
        source_id,
        hash(list((period_start, period_end, revenue_units, cost_units, revenue_corporate_units,
                   cost_corporate_units) order by period_start)) as closed_hash

    from {{ ref('fct_recognition_closed_periods') }}
    group by source_object, source_id

),

closing as (

    select {{ recognition_closed_through(ref('fct_recognition_closed_periods')) }} as closed_through

),

fiscal_calendar as (

    select {{ fiscal_calendar_hash() }} as calendar_hash

),

published as (

    select
        coalesce(scheduled.source_object, closed.source_object) as source_object,
        coalesce(scheduled.source_id, closed.source_id) as source_id,
        scheduled.schedule_fingerprint,
        closed.closed_hash

    from scheduled
    full outer join closed
        on closed.source_object = scheduled.source_object and closed.source_id = scheduled.source_id

)

select
    published.source_object,
    published.source_id,
    -- the account its published rows are reported under (fct_revenue_schedule, fct_revenue_waterfall)
    lines.account_id,
    hash(published.source_object, published.source_id, hash(lines), published.schedule_fingerprint,
         published.closed_hash, closing.closed_through, fiscal_calendar.calendar_hash,
         '{{ var("recognition_adjustment") }}', '{{ var("corporate_currency") }}',
         {{ models_code_hash(['int_recognition__schedule_adjusted', 'fct_revenue_schedule']) }})
        as adjusted_fingerprint

from published
cross join closing
cross join fiscal_calendar
left join {{ ref('int_recognition__source_lines') }} as lines
    on lines.source_object = published.source_object and lines.source_id = published.source_id
