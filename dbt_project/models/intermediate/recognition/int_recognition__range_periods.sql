-- The periods an Equal Split line touches, each with an integer weight, so that the amount of a period is
-- total × (weight through it) / (total weight), computed exactly:
--   Equal Split Days, Equal Split 445   days of the line in the period (445: over 4-4-5 fiscal periods)
--   Equal Split Months                   1 per calendar month touched
--   Equal Split Months/PP                the partial first and last months together count as one period:
--                                        first = d1/D1, last = 1 − d1/D1, full months 1 (× D1·DN to make
--                                        integers); with only one partial month it weighs d/D of a month
--   Equal Split Months/PP with Actual Days
--                                        partial months at the daily rate (d × F), the F full months share
--                                        the rest equally (days − partial days each); no full month: days
-- (d = days of the line in the period, D = days in that month, F = number of full months.)
--
-- Only the first and last periods of a line can be partial, so everything the weights depend on is known
-- per line before its periods are generated, and the weight through each period has a closed form. No
-- window runs over the (tens of millions of) period rows: they are generated and weighed in one pass.

--
-- Built incrementally by line (macros/incremental_by_fingerprint.sql): only lines whose fingerprint changed are
-- generated again.

{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ delete_rows_of_changed_fingerprints('int_recognition__line_fingerprints', 'periods_fingerprint') }}"
) }}

with lines as (

    select lines.*, fingerprints.periods_fingerprint as line_fingerprint
    from {{ ref('int_recognition__source_lines') }} as lines
    -- left: unit tests give no fingerprints (every build has one per scheduled line)
    left join {{ ref('int_recognition__line_fingerprints') }} as fingerprints
        on fingerprints.source_object = lines.source_object and fingerprints.source_id = lines.source_id
    where lines.exclusion_reason is null and lines.template_kind = 'range'
      and {{ not_yet_built('fingerprints', 'periods_fingerprint') }}

),

-- 4-4-5 periods numbered in order, and the period each day falls in, so that a line's first and last
-- periods are found by equality joins rather than a range join over every period.
fiscal as (

    select
        period_start,
        period_end,
        row_number() over (order by period_start) as sequence

    from {{ ref('dim_fiscal_calendar') }}
    where calendar = 'fiscal_445'

),

fiscal_days as (

    select unnest(generate_series(period_start, period_end, interval 1 day))::date as day, sequence
    from fiscal

),

month_lines as (

    select
        source_object, source_id, line_fingerprint, template, start_date, end_date,
        date_trunc('month', start_date)::date as first_period_start,
        last_day(start_date) as first_period_end,
        date_trunc('month', end_date)::date as last_period_start,
        last_day(end_date) as last_period_end,
        cast(datediff('month', start_date, end_date) + 1 as bigint) as period_count

    from lines
    where period_calendar = 'month'

),

fiscal_lines as (

    select
        lines.source_object, lines.source_id, lines.line_fingerprint, lines.template, lines.start_date,
        lines.end_date,
        first_period.period_start as first_period_start,
        first_period.period_end as first_period_end,
        last_period.period_start as last_period_start,
        last_period.period_end as last_period_end,
        cast(last_day_of.sequence - first_day_of.sequence + 1 as bigint) as period_count,
        first_day_of.sequence as first_sequence

    from lines
    inner join fiscal_days as first_day_of on first_day_of.day = lines.start_date
    inner join fiscal_days as last_day_of on last_day_of.day = lines.end_date
    inner join fiscal as first_period on first_period.sequence = first_day_of.sequence
    inner join fiscal as last_period on last_period.sequence = last_day_of.sequence
    where lines.period_calendar = 'fiscal_445'

),

-- What the weights of a line depend on, once per line.
shapes as (

    select
        *,
        case when period_count = 1 then line_days * (1 - full_periods)
             else (case when first_partial then first_days else 0 end)
                + (case when last_partial then last_days else 0 end) end as partial_days

    from (
        select
            *,
            case when period_count = 1 then (case when first_partial then 0 else 1 end)
                 else period_count - (case when first_partial then 1 else 0 end)
                                   - (case when last_partial then 1 else 0 end) end as full_periods

        from (
            select
                *,
                cast(end_date - start_date + 1 as bigint) as line_days,
                cast(least(end_date, first_period_end) - start_date + 1 as bigint) as first_days,
                cast(end_date - greatest(start_date, last_period_start) + 1 as bigint) as last_days,
                cast(first_period_end - first_period_start + 1 as bigint) as first_period_days,
                cast(last_period_end - last_period_start + 1 as bigint) as last_period_days,
                start_date > first_period_start or end_date < first_period_end as first_partial,
                start_date > last_period_start or end_date < last_period_end as last_partial

            from (
                select *, cast(null as bigint) as first_sequence from month_lines
                union all by name
                select * from fiscal_lines
            ) as both_calendars
        ) as measured
    ) as counted

),

periods as (

    select
        shapes.*,
        position.number as period_number

    from shapes, unnest(range(1, shapes.period_count + 1)) as position(number)

),

dated as (

    select
        periods.*,
        coalesce(fiscal.period_start,
                 (periods.first_period_start + to_months(cast(periods.period_number - 1 as integer)))::date)
            as period_start,
        coalesce(fiscal.period_end,
                 last_day(periods.first_period_start + to_months(cast(periods.period_number - 1 as integer))))
            as period_end

    from periods
    left join fiscal on fiscal.sequence = periods.first_sequence + periods.period_number - 1

),

weighed as (

    select
        *,
        cast(least(end_date, period_end) - greatest(start_date, period_start) + 1 as bigint) as days_in_period,
        -- days of the line from its start through the end of this period
        cast(least(end_date, period_end) - start_date + 1 as bigint) as days_through,
        period_number = period_count as is_last,
        -- Months/PP: the first and last periods' weights; every period between weighs the same
        case when first_partial then first_days * last_period_days
             else first_period_days * last_period_days end as pp_first_weight,
        case when not last_partial then first_period_days * last_period_days
             when first_partial then (first_period_days - first_days) * last_period_days
             else last_days * first_period_days end as pp_last_weight,
        first_period_days * last_period_days as pp_middle_weight,
        -- Months/PP with Actual Days: a full month's weight, and how many full months through this period
        line_days - partial_days as actual_full_weight,
        period_number - (case when first_partial then 1 else 0 end)
            - (case when period_number = period_count and last_partial then 1 else 0 end) as actual_full_through

    from dated

)

select
    source_object,
    source_id,
    period_start,
    period_end,
    period_number,
    period_count,
    days_in_period,
    case
        when template in ('Equal Split Days', 'Equal Split 445') then days_in_period
        when template = 'Equal Split Months' then 1
        when period_count = 1 then 1
        when template = 'Equal Split Months/PP' then
            case when period_number = 1 then pp_first_weight
                 when is_last then pp_last_weight
                 else pp_middle_weight end
        when template = 'Equal Split Months/PP with Actual Days' then
            case when full_periods = 0 then days_in_period
                 when not first_partial and not last_partial then 1
                 when (period_number = 1 and first_partial) or (is_last and last_partial)
                     then days_in_period * full_periods
                 else actual_full_weight end
    end as weight,
    case
        when template in ('Equal Split Days', 'Equal Split 445') then days_through
        when template = 'Equal Split Months' then period_number
        when period_count = 1 then 1
        when template = 'Equal Split Months/PP' then
            pp_first_weight + (period_number - 1) * pp_middle_weight
                - (case when is_last then pp_middle_weight - pp_last_weight else 0 end)
        when template = 'Equal Split Months/PP with Actual Days' then
            case when full_periods = 0 then days_through
                 when not first_partial and not last_partial then period_number
                 else (case when first_partial then first_days * full_periods else 0 end)
                    + actual_full_through * actual_full_weight
                    + (case when is_last and last_partial then last_days * full_periods else 0 end) end
    end as cumulative_weight,
    case
        when template in ('Equal Split Days', 'Equal Split 445') then line_days
        when template = 'Equal Split Months' then period_count
        when period_count = 1 then 1
        when template = 'Equal Split Months/PP' then
            pp_first_weight + (period_count - 2) * pp_middle_weight + pp_last_weight
        when template = 'Equal Split Months/PP with Actual Days' then
            case when full_periods = 0 then line_days
                 when not first_partial and not last_partial then period_count
                 else (case when first_partial then first_days * full_periods else 0 end)
                    + (period_count - (case when first_partial then 1 else 0 end)
                       - (case when last_partial then 1 else 0 end)) * actual_full_weight
                    + (case when last_partial then last_days * full_periods else 0 end) end
    end as total_weight,
    line_fingerprint,
    {{ build_timestamp() }} as built_at

from weighed
