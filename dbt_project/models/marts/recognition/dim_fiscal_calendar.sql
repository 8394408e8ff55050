-- One row per recognition period in two calendars:
--   month      — calendar months;
--   fiscal_445 — a 4-4-5 fiscal calendar: every fiscal year ends on the same weekday in the same month
--                (the last one in the month, or the one nearest its last day), so it has 52 weeks or,
--                now and then, 53; periods run 4, 4 and 5 weeks each quarter and the extra week of a
--                53-week year goes to the last period. The year is named after the calendar year most
--                of it falls in.

{%- set end_month = var('fiscal_year_end_month') | int %}
{%- set end_weekday = var('fiscal_year_end_weekday') | int %}
{%- set weeks = var('fiscal_period_weeks') %}
{%- set first_year = var('fiscal_calendar_first_year') | int %}
{%- set last_year = var('fiscal_calendar_last_year') | int %}

with years as (

    select unnest(range({{ first_year - 1 }}, {{ last_year + 2 }})) as calendar_year

),

month_ends as (

    select
        calendar_year,
        last_day(make_date(calendar_year, {{ end_month }}, 1)) as month_last_day

    from years

),

year_ends as (

    select
        calendar_year,
        {%- if var('fiscal_53_week_rule') == 'last' %}
        month_last_day - ((isodow(month_last_day) - {{ end_weekday }} + 7) % 7)::integer as year_end
        {%- else %}
        case
            when (isodow(month_last_day) - {{ end_weekday }} + 7) % 7 <= 3
                then month_last_day - ((isodow(month_last_day) - {{ end_weekday }} + 7) % 7)::integer
            else month_last_day + (7 - (isodow(month_last_day) - {{ end_weekday }} + 7) % 7)::integer
        end as year_end
        {%- endif %}

    from month_ends

),

fiscal_years as (

    select
        year(lag(year_end) over (order by calendar_year) + 183)::integer as fiscal_year,
        lag(year_end) over (order by calendar_year) + 1 as year_start,
        year_end

    from year_ends
    qualify year_start is not null

),

pattern as (

    select
        generate_subscripts(pattern_weeks, 1) as period_number,
        unnest(pattern_weeks) as base_weeks

    from (select [{% for _ in range(4) %}{{ weeks | join(', ') }}{{ ', ' if not loop.last }}{% endfor %}]
          as pattern_weeks)

),

fiscal_periods as (

    select
        fiscal_years.fiscal_year,
        fiscal_years.year_start,
        fiscal_years.year_end,
        (fiscal_years.year_end - fiscal_years.year_start + 1) // 7 as year_weeks,
        pattern.period_number,
        pattern.base_weeks
            + case when pattern.period_number = 12 and (fiscal_years.year_end - fiscal_years.year_start + 1) = 371
                   then 1 else 0 end as period_weeks

    from fiscal_years
    cross join pattern

),

fiscal_dated as (

    select
        *,
        year_start + 7 * (sum(period_weeks) over (
            partition by fiscal_year order by period_number rows between unbounded preceding and 1 preceding
        ))::integer as period_start_raw

    from fiscal_periods

),

fiscal as (

    select
        'fiscal_445' as calendar,
        fiscal_year || '/' || lpad(period_number::varchar, 3, '0') as period_key,
        fiscal_year,
        (period_number - 1) // 3 + 1 as fiscal_quarter,
        period_number,
        coalesce(period_start_raw, year_start) as period_start,
        coalesce(period_start_raw, year_start) + (7 * period_weeks - 1)::integer as period_end,
        period_weeks as weeks,
        year_weeks = 53 as is_53_week_year

    from fiscal_dated
    where fiscal_year between {{ first_year }} and {{ last_year }}

),

months as (

    select
        'month' as calendar,
        strftime(month_start, '%Y-%m') as period_key,
        year(month_start) as fiscal_year,
        quarter(month_start) as fiscal_quarter,
        month(month_start) as period_number,
        month_start::date as period_start,
        last_day(month_start)::date as period_end,
        cast(null as integer) as weeks,
        false as is_53_week_year

    from range(date '{{ first_year }}-01-01', date '{{ last_year + 1 }}-01-01', interval 1 month) as t(month_start)

)

select *, period_end - period_start + 1 as days from fiscal
union all
select *, period_end - period_start + 1 as days from months
