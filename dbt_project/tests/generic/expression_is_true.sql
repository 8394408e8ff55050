{#- Fails for every row on which a SQL expression is not true. A NULL result fails as well: an invariant
    that cannot be evaluated is not satisfied. Used at model level the expression is written out
    (`starting_arr + new_arr … = ending_arr`); used on a column it is appended to the column name
    (`expression: "<= 1"`). Scope it to some rows with the standard `where` config. -#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(({{ column_name ~ ' ' if column_name }}{{ expression }}), false)

{% endtest %}
