{#- A two-way link within one model: when a row points at another row through the tested column, that
    row must point back through `back_column` (A.renewed_by = B ⇔ B.renews = A). Rows pointing at a key
    that does not exist are left to the `relationships` test. -#}
{% test reciprocal_relationship(model, column_name, key, back_column) %}

select
    this_row.{{ key }} as row_key,
    this_row.{{ column_name }} as points_to,
    other_row.{{ back_column }} as which_points_back_to

from {{ model }} as this_row
inner join {{ model }} as other_row on other_row.{{ key }} = this_row.{{ column_name }}
where other_row.{{ back_column }} is distinct from this_row.{{ key }}

{% endtest %}
