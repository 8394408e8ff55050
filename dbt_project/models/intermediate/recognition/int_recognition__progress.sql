-- % Complete: the cumulative revenue through a period is total × the % complete in force at the period's
-- end (clamped to 0–100 %), and the period gets that minus what was recognised before — so a revision
-- downwards gives a negative amount. A period gets a row when the % complete changed in it. History comes
-- from the snapshot of order products; a line without history counts its current value on the as-of date.

with lines as (

    select * from {{ ref('int_recognition__source_lines') }}
    where exclusion_reason is null and template_kind = 'progress'

),

snapshot_history as (

    select order_item_id as source_id, percent_complete, dbt_valid_from as observed_at
    from {{ ref('snap_order_item_progress') }}

),

observations as (

    select lines.source_object, lines.source_id, history.percent_complete, history.observed_at
    from lines
    inner join snapshot_history as history on history.source_id = lines.source_id
    where lines.source_object = 'OrderItem'

    union all

    select lines.source_object, lines.source_id, lines.percent_complete, cast({{ as_of_date() }} as timestamp)
    from lines
    where not exists (
        select 1 from snapshot_history as history
        where history.source_id = lines.source_id and lines.source_object = 'OrderItem'
    )

),

monthly as (

    select
        observations.source_object,
        observations.source_id,
        date_trunc('month', greatest(observations.observed_at::date, lines.start_date))::date as period_start,
        -- the value in force at the period end: the last one observed in the month
        arg_max(observations.percent_complete, observations.observed_at) as percent_complete

    from observations
    inner join lines on lines.source_object = observations.source_object and lines.source_id = observations.source_id
    group by 1, 2, 3

)

select
    source_object,
    source_id,
    period_start,
    last_day(period_start)::date as period_end,
    percent_complete,
    cast(round(greatest(0, least(100, coalesce(percent_complete, 0))) * 100) as hugeint) as basis_points

from monthly
