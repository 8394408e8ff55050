-- One row per scheduled line: a hash of everything its generated rows depend on, so that an incremental
-- build regenerates only the lines whose hash changed (macros/incremental_by_fingerprint.sql).
--   periods_fingerprint    the line as it stands (all of it, so no dependency is overlooked), the 4-4-5
--                          fiscal calendar and the SQL of int_recognition__range_periods
--   schedule_fingerprint   all of that, the line's % complete history, the rounding mode, the corporate
--                          decimals and the SQL of int_recognition__schedule

with lines as (

    select * from {{ ref('int_recognition__source_lines') }}
    where exclusion_reason is null

),

fiscal_calendar as (

    select {{ fiscal_calendar_hash() }} as calendar_hash

),

progress as (

    select
        source_object,
        source_id,
        hash(list((period_start, basis_points) order by period_start)) as progress_hash

    from {{ ref('int_recognition__progress') }}
    group by source_object, source_id

),

periods as (

    select
        lines.source_object,
        lines.source_id,
        hash(lines, fiscal_calendar.calendar_hash,
             {{ models_code_hash(['int_recognition__range_periods']) }}) as periods_fingerprint

    from lines
    cross join fiscal_calendar

)

select
    periods.source_object,
    periods.source_id,
    periods.periods_fingerprint,
    hash(periods.periods_fingerprint, progress.progress_hash,
         '{{ var("recognition_rounding") }}', {{ corporate_decimals() }},
         {{ models_code_hash(['int_recognition__schedule']) }}) as schedule_fingerprint

from periods
left join progress
    on progress.source_object = periods.source_object and progress.source_id = periods.source_id
