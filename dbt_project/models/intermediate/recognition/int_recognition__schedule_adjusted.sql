-- The schedule with closed periods applied. Closed periods (through the latest closing date) keep the
-- amounts recorded when they closed (fct_recognition_closed_periods). Whatever today's schedule puts in
-- the closed range beyond that — a changed total, cost or rate, a line added or back-dated, a Deliverable
-- delivered after the close, a line no longer recognised at all — is caught up in the open periods
-- (spec §2.13), by the recognition_adjustment var:
--   retrospective (default): the first open period gets what should have been recognised through it minus
--     what the closed periods hold; later periods follow today's schedule;
--   prospective: what remains (total − closed) is spread over the open periods by the template's weights.
-- A line with no open period left gets the whole difference in the first period after the closing date;
-- a line that is no longer recognised is reversed there.
-- Only lines touched by a close (with closed rows, or with periods in the closed range today) need any of
-- this; every other line keeps today's schedule as it is, without a window over its rows.
-- Built incrementally by line (macros/incremental_by_fingerprint.sql): only lines whose adjusted_fingerprint
-- changed are computed again.

{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ delete_rows_of_changed_fingerprints('int_recognition__adjusted_fingerprints', 'adjusted_fingerprint') }}"
) }}

{%- set amounts = ['revenue', 'cost', 'revenue_corporate', 'cost_corporate'] %}
{%- set prospective = var('recognition_adjustment') == 'prospective' %}
{%- set by_line = built_by_fingerprint() %}

with fingerprints as (

    select source_object, source_id, adjusted_fingerprint
    from {{ ref('int_recognition__adjusted_fingerprints') }}

),

to_build as (

    select * from fingerprints
    where {{ not_yet_built('fingerprints', 'adjusted_fingerprint') }}

),

computed as (

    select computed.* from {{ ref('int_recognition__schedule') }} as computed
    {%- if by_line %}
    semi join to_build
        on to_build.source_object = computed.source_object and to_build.source_id = computed.source_id
    {%- endif %}

),

ledger as (

    select * from {{ ref('fct_recognition_closed_periods') }}

),

closed as (

    select ledger.* from ledger
    {%- if by_line %}
    semi join to_build
        on to_build.source_object = ledger.source_object and to_build.source_id = ledger.source_id
    {%- endif %}

),

-- Closing cannot be undone by unsetting the var: the ledger remembers how far periods were closed.
closing as (

    select {{ recognition_closed_through('ledger') }} as closed_through

),

lines as (

    select source_object, source_id from closed
    union
    select source_object, source_id from computed
    where period_end <= (select closed_through from closing)

),

touched as (

    select computed.* from computed
    semi join lines on lines.source_object = computed.source_object and lines.source_id = computed.source_id

),

untouched as (

    select
        computed.source_object, computed.source_id, computed.period_start, computed.period_end,
        computed.schedule_status, computed.period_number,
        {%- for name in amounts %}
        computed.{{ name }}_units,
        {%- endfor %}
        false as is_closed_period

    from computed
    anti join lines on lines.source_object = computed.source_object and lines.source_id = computed.source_id

),

closed_totals as (

    select
        source_object, source_id,
        {%- for name in amounts %}
        sum({{ name }}_units) as closed_{{ name }}_units{{ ',' if not loop.last }}
        {%- endfor %}
    from closed
    group by source_object, source_id

),

computed_totals as (

    select
        source_object, source_id,
        {%- for name in amounts %}
        sum({{ name }}_units) as total_{{ name }}_units,
        sum({{ name }}_units) filter (where period_end <= (select closed_through from closing))
            as before_{{ name }}_units{{ ',' if not loop.last }}
        {%- endfor %}
    from touched
    group by source_object, source_id

),

totals as (

    select
        lines.source_object,
        lines.source_id,
        {%- for name in amounts %}
        coalesce(closed_totals.closed_{{ name }}_units, 0) as closed_{{ name }}_units,
        coalesce(computed_totals.total_{{ name }}_units, 0) as total_{{ name }}_units,
        coalesce(computed_totals.before_{{ name }}_units, 0) as before_{{ name }}_units{{ ',' if not loop.last }}
        {%- endfor %}

    from lines
    left join closed_totals
        on closed_totals.source_object = lines.source_object and closed_totals.source_id = lines.source_id
    left join computed_totals
        on computed_totals.source_object = lines.source_object and computed_totals.source_id = lines.source_id

),

open_rows as (

    select
        touched.*,
        row_number() over open_order as open_position,
        sum(touched.weight) over open_running as open_weight_through,
        sum(touched.weight) over (partition by touched.source_object, touched.source_id) as open_weight_total

    from touched
    where (select closed_through from closing) is null
       or touched.period_end > (select closed_through from closing)
    window
        open_order as (partition by touched.source_object, touched.source_id order by touched.period_start),
        open_running as (partition by touched.source_object, touched.source_id order by touched.period_start
                         rows between unbounded preceding and current row)

),

adjusted_open as (

    select
        open_rows.source_object, open_rows.source_id, open_rows.period_start, open_rows.period_end,
        open_rows.schedule_status,
        {%- for name in amounts %}
        case
            {%- if prospective %}
            when open_rows.open_weight_total > 0 then
                {{ half_up_div('(totals.total_' ~ name ~ '_units - totals.closed_' ~ name ~ '_units) * open_rows.open_weight_through', 'open_rows.open_weight_total') }}
                - {{ half_up_div('(totals.total_' ~ name ~ '_units - totals.closed_' ~ name ~ '_units) * (open_rows.open_weight_through - open_rows.weight)', 'open_rows.open_weight_total') }}
            {%- endif %}
            when open_rows.open_position = 1 then
                open_rows.{{ name }}_units + totals.before_{{ name }}_units - totals.closed_{{ name }}_units
            else open_rows.{{ name }}_units
        end as {{ name }}_units,
        {%- endfor %}
        false as is_closed_period

    from open_rows
    inner join totals on totals.source_object = open_rows.source_object and totals.source_id = open_rows.source_id

),

-- Lines with nothing left open whose closed amounts no longer match: one row after the closing date.
catch_up as (

    select
        totals.source_object, totals.source_id,
        date_trunc('month', (select closed_through from closing) + 1)::date as period_start,
        last_day((select closed_through from closing) + 1)::date as period_end,
        'scheduled' as schedule_status,
        {%- for name in amounts %}
        totals.total_{{ name }}_units - totals.closed_{{ name }}_units as {{ name }}_units,
        {%- endfor %}
        false as is_closed_period

    from totals
    where (select closed_through from closing) is not null
      and not exists (
          select 1 from open_rows
          where open_rows.source_object = totals.source_object and open_rows.source_id = totals.source_id
      )
      and (
          {%- for name in amounts %}
          totals.total_{{ name }}_units is distinct from totals.closed_{{ name }}_units{{ ' or' if not loop.last }}
          {%- endfor %}
      )

)

select
    adjusted.source_object, adjusted.source_id, adjusted.period_start, adjusted.period_end,
    adjusted.schedule_status,
    cast(adjusted.period_number as bigint) as period_number,
    {%- for name in amounts %}
    cast(adjusted.{{ name }}_units as bigint) as {{ name }}_units,
    {%- endfor %}
    adjusted.is_closed_period,
    fingerprints.adjusted_fingerprint as line_fingerprint,
    {{ build_timestamp() }} as built_at

from (

    -- A line touched by a close is numbered again over its closed, open and catch-up rows; every other
    -- line keeps the numbers its schedule was built with.
    select
        touched_rows.source_object, touched_rows.source_id, touched_rows.period_start, touched_rows.period_end,
        touched_rows.schedule_status,
        row_number() over (partition by touched_rows.source_object, touched_rows.source_id
                           order by touched_rows.period_start) as period_number,
        {%- for name in amounts %}
        touched_rows.{{ name }}_units,
        {%- endfor %}
        touched_rows.is_closed_period

    from (

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
        select * from catch_up

    ) as touched_rows

    union all
    select * from untouched

) as adjusted
-- left: unit tests give no fingerprints (every build has one per line with rows)
left join fingerprints
    on fingerprints.source_object = adjusted.source_object and fingerprints.source_id = adjusted.source_id
