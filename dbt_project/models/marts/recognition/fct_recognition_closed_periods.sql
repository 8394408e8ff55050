-- The ledger of closed periods. When the recognition_closed_through var moves forward, the periods that
-- end after the previous closing date and on or before the new one are recorded here with the amounts the
-- schedule holds for them, and never change again (Certinia: "Complete schedule lines are never
-- changed"). A period is closed once: revenue that arrives later for a closed period (a new or back-dated
-- line, a Deliverable delivered after the close) is not written into it but caught up in the first open
-- period (int_recognition__schedule_adjusted). Rows are only ever added; `dbt build --full-refresh`
-- rebuilds the ledger from today's data.

{{ config(materialized='incremental', incremental_strategy='append') }}

{%- set closing = var('recognition_closed_through') %}

select
    schedule.source_object,
    schedule.source_id,
    schedule.period_start,
    schedule.period_end,
    -- the ledger keeps its 128-bit columns (its contract), whatever width the schedule is computed in
    cast(schedule.revenue_units as hugeint) as revenue_units,
    cast(schedule.cost_units as hugeint) as cost_units,
    cast(schedule.revenue_corporate_units as hugeint) as revenue_corporate_units,
    cast(schedule.cost_corporate_units as hugeint) as cost_corporate_units,
    {% if closing %}cast('{{ closing }}' as date){% else %}cast(null as date){% endif %} as closed_through,
    {{ as_of_date() }} as closed_on

from {{ ref('int_recognition__schedule') }} as schedule
{%- if closing %}
where schedule.schedule_status = 'scheduled'
  and schedule.period_end <= cast('{{ closing }}' as date)
  {%- if is_incremental() %}
  and schedule.period_end > coalesce((select max(closed_through) from {{ this }}), date '0001-01-01')
  {%- endif %}
{%- else %}
where false
{%- endif %}
