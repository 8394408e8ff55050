{#- The as-of date of the run: the `as_of_date` var, or today. -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date') -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}

{#- Whole anniversary months from start to end + 1 day, plus the remaining days over the length of the
    next anniversary month (domain rule "term months"; 2024-01-15..2025-01-14 = 12.0,
    2024-01-01..2024-02-14 = 1 + 14/29). Adding months clamps to month end, as Salesforce does. -#}
{% macro whole_months(start_date, end_date) -%}
    (date_diff('month', {{ start_date }}, {{ end_date }} + 1)
        - case when ({{ start_date }} + to_months(date_diff('month', {{ start_date }}, {{ end_date }} + 1)))::date
                    > {{ end_date }} + 1
               then 1 else 0 end)
{%- endmacro %}

{% macro term_months(start_date, end_date) -%}
    ({{ whole_months(start_date, end_date) }}
        + cast(({{ end_date }} + 1) - ({{ start_date }} + to_months({{ whole_months(start_date, end_date) }}))::date as double)
          / cast(({{ start_date }} + to_months({{ whole_months(start_date, end_date) }} + 1))::date
                 - ({{ start_date }} + to_months({{ whole_months(start_date, end_date) }}))::date as double))
{%- endmacro %}
