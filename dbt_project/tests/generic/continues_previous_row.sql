{#- A running balance: on every row, the tested column (an opening value) equals `previous_column` (the
    closing value) of the row before it in `order_by` order, within `partition_by` when given. The first
    row of each partition must equal `first_value` (0: nothing before the first month). -#}
{% test continues_previous_row(model, column_name, previous_column, order_by, partition_by=none, first_value=0) %}

{%- set window -%}
    over ({% if partition_by %}partition by {{ partition_by }} {% endif %}order by {{ order_by }})
{%- endset %}

with ordered as (

    select
        *,
        row_number() {{ window }} as position_in_sequence,
        lag({{ previous_column }}) {{ window }} as previous_row_value

    from {{ model }}

)

select *
from ordered
where {{ column_name }} is distinct from
      case when position_in_sequence = 1 then {{ first_value }} else previous_row_value end

{% endtest %}
