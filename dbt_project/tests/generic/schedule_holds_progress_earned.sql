{#- % Complete: a line's schedule holds exactly what progress has earned so far — its total × the latest
    % complete (int_recognition__progress.basis_points, clamped to 0–100 %), rounded half away from zero
    to the currency's decimals — computed here independently of the money macros. With 100 % the
    schedule holds the whole total. Applied to the recognition status (one row per line); `column_name`
    is its total (total_revenue, total_cost), `schedule_column` the schedule amount it is spread into. -#}
{% test schedule_holds_progress_earned(model, column_name, schedule_model, schedule_column, progress_model,
                                       currencies_model, template='% Complete') %}

{%- set expected -%}
    case decimal_places
        when 0 then cast(round(exact_earned, 0) as decimal(38, 2))
        when 1 then cast(round(exact_earned, 1) as decimal(38, 2))
        else cast(round(exact_earned, 2) as decimal(38, 2))
    end
{%- endset %}

with parent as (

    select * from {{ model }}
    where template = '{{ template }}'

),

latest_progress as (

    select source_object, source_id, arg_max(basis_points, period_start) as basis_points
    from {{ progress_model }}
    group by all

),

-- the schedules of the lines under test only
scheduled as (

    select schedule.source_object, schedule.source_id, sum(schedule.{{ schedule_column }}) as scheduled_amount
    from {{ schedule_model }} as schedule
    semi join parent on parent.source_object = schedule.source_object and parent.source_id = schedule.source_id
    group by all

),

earned as (

    select
        parent.source_object,
        parent.source_id,
        parent.{{ column_name }} as line_total,
        coalesce(latest_progress.basis_points, 0) as basis_points,
        coalesce(currencies.decimal_places, 2) as decimal_places,
        cast(parent.{{ column_name }} as decimal(38, 2)) * cast(coalesce(latest_progress.basis_points, 0) as integer)
            * 0.0001 as exact_earned,
        coalesce(scheduled.scheduled_amount, 0) as scheduled_amount

    from parent
    left join latest_progress
        on latest_progress.source_object = parent.source_object and latest_progress.source_id = parent.source_id
    left join scheduled
        on scheduled.source_object = parent.source_object and scheduled.source_id = parent.source_id
    left join {{ currencies_model }} as currencies on currencies.currency_code = parent.currency_code

)

select
    *,
    {{ expected }} as expected_scheduled_amount

from earned
where scheduled_amount is distinct from {{ expected }}

{% endtest %}
