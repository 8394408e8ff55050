-- The ledger of closed periods: once a period has ended on or before the recognition_closed_through
-- var, the amounts the schedule held for it are recorded here and never change again, whatever happens
-- to the source line later (Certinia: "Complete schedule lines are never changed"). Later changes are
-- caught up in the open periods (int_recognition__schedule_adjusted). Rows are only ever added; a
-- `dbt build --full-refresh` rebuilds the ledger from today's data.

{{ config(materialized='incremental', incremental_strategy='append') }}

select
    schedule.source_object,
    schedule.source_id,
    schedule.period_start,
    schedule.period_end,
    schedule.revenue_units,
    schedule.cost_units,
    schedule.revenue_corporate_units,
    schedule.cost_corporate_units,
    {{ as_of_date() }} as closed_on

from {{ ref('int_recognition__schedule') }} as schedule
{%- if var('recognition_closed_through') %}
where schedule.schedule_status = 'scheduled'
  and schedule.period_end <= cast('{{ var("recognition_closed_through") }}' as date)
{%- else %}
where false
{%- endif %}
{%- if is_incremental() %}
  and not exists (
      select 1 from {{ this }} as closed
      where closed.source_object = schedule.source_object
        and closed.source_id = schedule.source_id
        and closed.period_start = schedule.period_start
  )
{%- endif %}
