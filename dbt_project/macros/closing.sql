{#- The date recognition is closed through: the recognition_closed_through var, or how far the ledger of
    closed periods (`ledger`, a relation or CTE name) already goes if that is later. Closing cannot be undone
    by unsetting the var: the ledger remembers. -#}
{% macro recognition_closed_through(ledger) -%}
    {%- set closing = var('recognition_closed_through') -%}
    greatest(
        {% if closing %}cast('{{ closing }}' as date){% else %}cast(null as date){% endif %},
        (select max(closed_through) from {{ ledger }})
    )
{%- endmacro %}
