{#- An invariant over groups of rows: fails for every group (of the `group_by` columns) on which an
    aggregate SQL expression is not true; a NULL result fails as well. E.g. the allocations of an order
    sum to its transaction price (group_by: [order_id], expression: "sum(allocated_amount) =
    max(transaction_price)"), or a 4-4-5 fiscal year has 52 or 53 weeks. Scope it to some rows with the
    standard `where` config. -#}
{% test expression_is_true_per_group(model, group_by, expression) %}

select
    {{ group_by | join(', ') }}

from {{ model }}
group by {{ group_by | join(', ') }}
having not coalesce(({{ expression }}), false)

{% endtest %}
