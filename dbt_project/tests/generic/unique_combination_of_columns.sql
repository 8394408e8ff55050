{#- Fails for every combination of the given columns that occurs on more than one row: the columns
    together are the model's key (e.g. account_id + month_end in fct_arr_monthly). Pair it with
    not_null on each column; NULLs group together here, as in a GROUP BY. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as rows_with_this_key

from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
