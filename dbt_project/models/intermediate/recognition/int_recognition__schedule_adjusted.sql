-- The schedule with closed periods applied. A closed period keeps the amounts recorded when it closed
-- (fct_recognition_closed_periods). When a line changed after some of its periods closed, the open
-- periods absorb the difference (spec §2.13), by the recognition_adjustment var:
--   retrospective (default): the value applies from the start: the first open period gets what should
--     have been recognised through it minus what the closed periods hold (a catch-up), later periods
--     follow today's schedule;
--   prospective: the value applies from now: what remains (total − closed) is spread over the open
--     periods by the template's weights.
-- A line with nothing open left gets its difference in the month after the closing date.

{%- set amounts = ['revenue', 'cost', 'revenue_corporate', 'cost_corporate'] %}
{%- set prospective = var('recognition_adjustment') == 'prospective' %}

with computed as (

    select * from {{ ref('int_recognition__schedule') }}

),

closed as (

    select * from {{ ref('fct_recognition_closed_periods') }}

),

closed_totals as (

    select
        source_object, source_id,
        {%- for name in amounts %}
        sum({{ name }}_units) as closed_{{ name }}_units,
        {%- endfor %}
        max(period_end) as last_closed_end

    from closed
    group by source_object, source_id

),

line_totals as (

    select
        source_object, source_id,
        {%- for name in amounts %}
        sum({{ name }}_units) as total_{{ name }}_units{{ ',' if not loop.last }}
        {%- endfor %}

    from computed
    group by source_object, source_id

),

open_rows as (

    select
        computed.*,
        closed_totals.source_id is not null as has_closed_periods,
        {%- for name in amounts %}
        closed_totals.closed_{{ name }}_units,
        sum(computed.{{ name }}_units) over through_here as computed_{{ name }}_through,
        {%- endfor %}
        line_totals.total_revenue_units, line_totals.total_cost_units,
        line_totals.total_revenue_corporate_units, line_totals.total_cost_corporate_units,
        row_number() over open_order as open_position,
        sum(computed.weight) over open_order_running as open_weight_through,
        sum(computed.weight) over (partition by computed.source_object, computed.source_id) as open_weight_total

    from computed
    left join closed_totals
        on closed_totals.source_object = computed.source_object and closed_totals.source_id = computed.source_id
    inner join line_totals
        on line_totals.source_object = computed.source_object and line_totals.source_id = computed.source_id
    where not exists (
        select 1 from closed
        where closed.source_object = computed.source_object and closed.source_id = computed.source_id
          and closed.period_start = computed.period_start
    )
    window
        through_here as (partition by computed.source_object, computed.source_id order by computed.period_start
                         rows between unbounded preceding and current row),
        open_order as (partition by computed.source_object, computed.source_id order by computed.period_start),
        open_order_running as (partition by computed.source_object, computed.source_id order by computed.period_start
                               rows between unbounded preceding and current row)

),

-- The computed amounts of the periods before the first open one (closed now, possibly changed since).
computed_before_open as (

    select
        open_rows.source_object, open_rows.source_id,
        {%- for name in amounts %}
        coalesce(sum(computed.{{ name }}_units), 0) as before_{{ name }}_units{{ ',' if not loop.last }}
        {%- endfor %}

    from open_rows
    left join computed
        on computed.source_object = open_rows.source_object and computed.source_id = open_rows.source_id
       and computed.period_start < open_rows.period_start
    where open_rows.open_position = 1
    group by open_rows.source_object, open_rows.source_id

),

adjusted_open as (

    select
        open_rows.source_object, open_rows.source_id, open_rows.period_start, open_rows.period_end,
        open_rows.schedule_status,
        {%- for name in amounts %}
        case
            when not open_rows.has_closed_periods then open_rows.{{ name }}_units
            {%- if prospective %}
            when open_rows.open_weight_total > 0 then
                {{ half_up_div('(open_rows.total_' ~ name ~ '_units - open_rows.closed_' ~ name ~ '_units) * open_rows.open_weight_through', 'open_rows.open_weight_total') }}
                - {{ half_up_div('(open_rows.total_' ~ name ~ '_units - open_rows.closed_' ~ name ~ '_units) * (open_rows.open_weight_through - open_rows.weight)', 'open_rows.open_weight_total') }}
            {%- endif %}
            when open_rows.open_position = 1 then
                open_rows.{{ name }}_units + before_open.before_{{ name }}_units - open_rows.closed_{{ name }}_units
            else open_rows.{{ name }}_units
        end as {{ name }}_units,
        {%- endfor %}
        false as is_closed_period

    from open_rows
    left join computed_before_open as before_open
        on before_open.source_object = open_rows.source_object and before_open.source_id = open_rows.source_id

),

-- A line whose periods are all closed but whose total moved: one catch-up row after the closing date.
fully_closed_catch_up as (

    select
        closed_totals.source_object, closed_totals.source_id,
        date_trunc('month', closed_totals.last_closed_end + 1)::date as period_start,
        last_day(closed_totals.last_closed_end + 1)::date as period_end,
        'scheduled' as schedule_status,
        {%- for name in amounts %}
        line_totals.total_{{ name }}_units - closed_totals.closed_{{ name }}_units as {{ name }}_units,
        {%- endfor %}
        false as is_closed_period

    from closed_totals
    inner join line_totals
        on line_totals.source_object = closed_totals.source_object and line_totals.source_id = closed_totals.source_id
    where not exists (
        select 1 from open_rows
        where open_rows.source_object = closed_totals.source_object and open_rows.source_id = closed_totals.source_id
    )
      and line_totals.total_revenue_units <> closed_totals.closed_revenue_units

)

select
    source_object, source_id, period_start, period_end, 'scheduled' as schedule_status,
    {%- for name in amounts %}
    {{ name }}_units,
    {%- endfor %}
    true as is_closed_period
from closed

union all
select * from adjusted_open

union all
select * from fully_closed_catch_up
