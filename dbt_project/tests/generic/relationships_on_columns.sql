{#- relationships for a composite key: every row whose `columns` are all filled must find a row of `to`
    with the same values in `fields` (same order; default: the same column names). E.g. each
    fct_revenue_schedule row (source_object + source_id) belongs to a line of fct_recognition_status.
    Scope the child rows with the standard `where` config. -#}
{% test relationships_on_columns(model, columns, to, fields=none) %}

{%- set fields = fields or columns %}

with child as (

    select * from {{ model }}

)

select
    {{ columns | join(', ') }}

from child
where {% for column in columns %}child.{{ column }} is not null{{ ' and ' if not loop.last }}{% endfor %}
  and not exists (
      select 1
      from {{ to }} as parent
      where {% for column in columns %}parent.{{ fields[loop.index0] }} = child.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
  )

{% endtest %}
