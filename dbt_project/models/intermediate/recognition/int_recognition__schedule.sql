-- Revenue and cost per source line and period, in integer minor units, rounded by the running total
-- (a period gets round(cumulative through it) − round(cumulative before it), half away from zero), or —
-- with the recognition_rounding var set to last_remainder — each period rounded and the last one taking
-- what remains. Either way every schedule sums exactly to its total. Corporate amounts are scheduled the
-- same way from the total converted at the rate in force on the contract start date.
-- This is the schedule as the data stands today; closed periods are applied on top of it
-- (int_recognition__schedule_adjusted).
-- Built incrementally by line (macros/incremental_by_fingerprint.sql): only lines whose fingerprint changed are
-- scheduled again.

{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ delete_rows_of_changed_fingerprints('int_recognition__line_fingerprints', 'schedule_fingerprint') }}"
) }}

{%- set mode = var('recognition_rounding') %}

with lines as (

    select
        lines.*,
        fingerprints.schedule_fingerprint as line_fingerprint,
        {{ to_minor_units('lines.total_amount', 'lines.decimal_places') }} as total_units,
        {{ to_minor_units('lines.total_cost', 'lines.decimal_places') }} as cost_units,
        {{ to_converted_minor_units('lines.total_amount', 'lines.conversion_rate', corporate_decimals()) }}
            as total_corporate_units,
        {{ to_converted_minor_units('lines.total_cost', 'lines.conversion_rate', corporate_decimals()) }}
            as cost_corporate_units

    from {{ ref('int_recognition__source_lines') }} as lines
    -- left: unit tests give no fingerprints (every build has one per scheduled line)
    left join {{ ref('int_recognition__line_fingerprints') }} as fingerprints
        on fingerprints.source_object = lines.source_object and fingerprints.source_id = lines.source_id
    where lines.exclusion_reason is null
      and {{ not_yet_built('fingerprints', 'schedule_fingerprint') }}

),

ranged as (

    select
        lines.source_object, lines.source_id, periods.period_start, periods.period_end,
        periods.period_number,
        lines.total_units, lines.cost_units, lines.total_corporate_units, lines.cost_corporate_units,
        cast(periods.weight as hugeint) as weight,
        cast(periods.cumulative_weight as hugeint) as cumulative_weight,
        cast(periods.total_weight as hugeint) as total_weight,
        periods.period_number = periods.period_count as is_last_period,
        lines.line_fingerprint,
        -- Every product below stays under 2^62 for realistic amounts: then BIGINT arithmetic is exact and
        -- several times faster than 128-bit; larger amounts take the HUGEINT path.
        coalesce(greatest(abs(lines.total_units), abs(lines.cost_units), abs(lines.total_corporate_units),
                          abs(lines.cost_corporate_units)) * periods.total_weight < {{ 2 ** 61 }}, false)
            as fits_bigint,
        'scheduled' as schedule_status

    from lines
    inner join {{ ref('int_recognition__range_periods') }} as periods
        on periods.source_object = lines.source_object and periods.source_id = lines.source_id

),

{%- set amounts = [('revenue', 'total_units'), ('cost', 'cost_units'),
                   ('revenue_corporate', 'total_corporate_units'), ('cost_corporate', 'cost_corporate_units')] %}

ranged_amounts as (

    select
        source_object, source_id, period_start, period_end, schedule_status, period_number, weight,
        line_fingerprint,
        {%- for name, total in amounts %}
        {%- if mode == 'last_remainder' %}
        case when is_last_period
             then {{ total }} - coalesce(sum({{ half_up_div(total ~ ' * weight', 'total_weight') }}) over (
                      partition by source_object, source_id order by period_start
                      rows between unbounded preceding and 1 preceding), 0)
             else {{ half_up_div(total ~ ' * weight', 'total_weight') }}
        end as {{ name }}_units
        {%- else %}
        case when fits_bigint then
            {{ half_up_div(total ~ '::bigint * cumulative_weight::bigint', 'total_weight::bigint') }}
            - coalesce({{ half_up_div(total ~ '::bigint * (cumulative_weight - weight)::bigint', 'total_weight::bigint') }}, 0)
        else
            {{ half_up_div(total ~ ' * cumulative_weight', 'total_weight') }}
            - coalesce({{ half_up_div(total ~ ' * (cumulative_weight - weight)', 'total_weight') }}, 0)
        end as {{ name }}_units
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}

    from ranged

),

single_date as (

    select
        source_object, source_id,
        date_trunc('month', event_date)::date as period_start,
        last_day(event_date)::date as period_end,
        case when template = 'Deliverable' and not is_delivered then 'pending_delivery' else 'scheduled' end
            as schedule_status,
        1 as period_number,
        cast(1 as hugeint) as weight,
        line_fingerprint,
        total_units as revenue_units,
        cost_units,
        total_corporate_units as revenue_corporate_units,
        cost_corporate_units

    from lines
    where template_kind = 'single_date'

),

progress as (

    select
        lines.source_object, lines.source_id, progress.period_start, progress.period_end, 'scheduled',
        -- numbered below, once the periods that earned nothing are left out
        cast(null as bigint) as period_number,
        cast(null as hugeint) as weight,
        lines.line_fingerprint,
        {%- for name, total in amounts %}
        {{ half_up_div(total ~ ' * progress.basis_points', '10000') }}
            - coalesce(lag({{ half_up_div(total ~ ' * progress.basis_points', '10000') }}) over (
                  partition by lines.source_object, lines.source_id order by progress.period_start), 0)
            as {{ name }}_units{{ ',' if not loop.last }}
        {%- endfor %}

    from lines
    inner join {{ ref('int_recognition__progress') }} as progress
        on progress.source_object = lines.source_object and progress.source_id = lines.source_id

)

-- Amounts are whole minor units: 64 bits hold any realistic amount (a value beyond them fails the cast
-- loudly), and the schedule's tens of millions of rows are written and read far faster than as 128-bit.
-- period_number is the row's position in its line by period_start, known without a window over the
-- schedule: a range line's periods are numbered as they are generated, a single-date line has one row,
-- and only the few % Complete lines are numbered here.
select
    source_object, source_id, period_start, period_end, schedule_status,
    cast(period_number as bigint) as period_number,
    cast(weight as bigint) as weight,
    {%- for name, _ in amounts %}
    cast({{ name }}_units as bigint) as {{ name }}_units,
    {%- endfor %}
    line_fingerprint,
    {{ build_timestamp() }} as built_at

from (
    select * from ranged_amounts
    union all
    select * from single_date
    union all
    select * replace (
        row_number() over (partition by source_object, source_id order by period_start) as period_number
    )
    from progress where revenue_units <> 0 or cost_units <> 0
) as schedule
