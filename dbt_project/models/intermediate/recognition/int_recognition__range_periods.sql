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

with lines as (

    select * from {{ ref('int_recognition__source_lines') }}
    where exclusion_reason is null and template_kind = 'range'

),

month_periods as (

    select
        lines.source_object,
        lines.source_id,
        lines.template,
        month_start::date as period_start,
        last_day(month_start)::date as period_end

    from lines,
        unnest(generate_series(date_trunc('month', lines.start_date), date_trunc('month', lines.end_date),
                               interval 1 month)) as months(month_start)
    where lines.period_calendar = 'month'

),

fiscal_periods as (

    select lines.source_object, lines.source_id, lines.template, calendar.period_start, calendar.period_end
    from lines
    inner join {{ ref('dim_fiscal_calendar') }} as calendar
        on calendar.calendar = 'fiscal_445'
       and calendar.period_start <= lines.end_date
       and calendar.period_end >= lines.start_date
    where lines.period_calendar = 'fiscal_445'

),

periods as (

    select
        periods.*,
        lines.start_date,
        lines.end_date,
        cast(least(lines.end_date, periods.period_end) - greatest(lines.start_date, periods.period_start) + 1
             as bigint) as days_in_period,
        cast(periods.period_end - periods.period_start + 1 as bigint) as period_days,
        lines.start_date > periods.period_start or lines.end_date < periods.period_end as is_partial,
        row_number() over (partition by periods.source_object, periods.source_id order by periods.period_start)
            as period_number,
        count(*) over (partition by periods.source_object, periods.source_id) as period_count

    from (select * from month_periods union all select * from fiscal_periods) as periods
    inner join lines on lines.source_object = periods.source_object and lines.source_id = periods.source_id

),

shape as (

    select
        *,
        max(case when period_number = 1 then days_in_period end)
            over (partition by source_object, source_id) as first_days,
        max(case when period_number = 1 then period_days end) over (partition by source_object, source_id)
            as first_period_days,
        max(case when period_number = period_count then period_days end)
            over (partition by source_object, source_id) as last_period_days,
        bool_or(period_number = 1 and is_partial) over (partition by source_object, source_id) as first_partial,
        bool_or(period_number = period_count and is_partial) over (partition by source_object, source_id)
            as last_partial,
        count(*) filter (where not is_partial) over (partition by source_object, source_id) as full_periods,
        sum(case when is_partial then days_in_period else 0 end) over (partition by source_object, source_id)
            as partial_days,
        cast(end_date - start_date + 1 as bigint) as line_days

    from periods

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
        when template = 'Equal Split Months/PP' then
            case
                when period_count = 1 then 1
                when period_number = 1 and first_partial then first_days * last_period_days
                when period_number = period_count and last_partial and first_partial
                    then (first_period_days - first_days) * last_period_days
                when period_number = period_count and last_partial then days_in_period * first_period_days
                else first_period_days * last_period_days
            end
        when template = 'Equal Split Months/PP with Actual Days' then
            case
                when period_count = 1 then 1
                when full_periods = 0 then days_in_period
                when not first_partial and not last_partial then 1
                when is_partial then days_in_period * full_periods
                else line_days - partial_days
            end
    end as weight

from shape
