{#- equals_sum_of for a composite key: a total on a parent row equals the sum of `child_column` over the
    child rows with the same `keys` (child expressions `child_keys`, in the same order, when the child
    names or derives them differently), optionally only the children matching `child_where`; a parent
    without children must hold `default_value`. E.g. fct_recognition_status.recognized_to_date = Σ
    fct_revenue_schedule.revenue_amount of the recognised rows per source_object + source_id. Scope the
    parents with the standard `where` config. With sum_children_of_parents_only, the children are matched
    to the parents' keys before they are summed: cheaper when the parents are a small part of the table
    (the rows the latest incremental build wrote), dearer when they are all of it. -#}
{% test equals_sum_over_keys(model, column_name, child_model, child_column, keys, child_keys=none,
                             child_where=none, default_value=0, sum_children_of_parents_only=false) %}

{%- set child_keys = child_keys or keys %}

with parent as (

    select * from {{ model }}

),

child_rows as (

    select
        {%- for child_key in child_keys %}
        {{ child_key }} as parent_key_{{ loop.index }},
        {%- endfor %}
        {{ child_column }} as child_value

    from {{ child_model }}
    {%- if child_where %}
    where {{ child_where }}
    {%- endif %}

),

children as (

    select
        {%- for key in keys %}
        child_rows.parent_key_{{ loop.index }},
        {%- endfor %}
        sum(child_rows.child_value) as child_total

    from child_rows
    {%- if sum_children_of_parents_only %}
    semi join parent
        on {% for key in keys %}parent.{{ key }} = child_rows.parent_key_{{ loop.index }}{{ ' and ' if not loop.last }}{% endfor %}
    {%- endif %}
    group by all

)

select
    {%- for key in keys %}
    parent.{{ key }},
    {%- endfor %}
    parent.{{ column_name }} as parent_value,
    coalesce(children.child_total, {{ default_value }}) as sum_over_children

from parent
left join children
    on {% for key in keys %}children.parent_key_{{ loop.index }} = parent.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
where parent.{{ column_name }} is distinct from coalesce(children.child_total, {{ default_value }})

{% endtest %}
