{#- A total on a parent row equals the sum of a column over its child rows in another model (optionally
    only the children matching `child_where`); a parent without children must hold `default_value`.
    E.g. fct_contracts.total_amount = Σ fct_contract_line_items.term_revenue per contract_id. -#}
{% test equals_sum_of(model, column_name, child_model, child_column, key, child_key=none, child_where=none,
                      default_value=0) %}

with children as (

    select
        {{ child_key or key }} as parent_key,
        sum({{ child_column }}) as child_total

    from {{ child_model }}
    {%- if child_where %}
    where {{ child_where }}
    {%- endif %}
    group by 1

)

select
    parent.{{ key }} as parent_key,
    parent.{{ column_name }} as parent_value,
    coalesce(children.child_total, {{ default_value }}) as sum_over_children

from {{ model }} as parent
left join children on children.parent_key = parent.{{ key }}
where parent.{{ column_name }} is distinct from coalesce(children.child_total, {{ default_value }})

{% endtest %}
