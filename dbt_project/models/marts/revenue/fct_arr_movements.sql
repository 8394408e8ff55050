-- ARR movements by month: starting ARR + new + reactivation + expansion + contraction + churn = ending ARR.
-- Contraction and churn are negative amounts.

with months as (

    select distinct month_end from {{ ref('int_account_arr_monthly') }}

),

movements as (

    select * from {{ ref('fct_arr_monthly') }}

)

select
    date_trunc('month', months.month_end)::date as month_start,
    months.month_end,
    cast(coalesce(sum(movements.previous_arr), 0) as decimal(18, 2)) as starting_arr,
    cast(coalesce(sum(movements.movement_amount) filter (where movement_category = 'new'), 0) as decimal(18, 2)) as new_arr,
    cast(coalesce(sum(movements.movement_amount) filter (where movement_category = 'reactivation'), 0) as decimal(18, 2))
        as reactivation_arr,
    cast(coalesce(sum(movements.movement_amount) filter (where movement_category = 'expansion'), 0) as decimal(18, 2)) as expansion_arr,
    cast(coalesce(sum(movements.movement_amount) filter (where movement_category = 'contraction'), 0) as decimal(18, 2))
        as contraction_arr,
    cast(coalesce(sum(movements.movement_amount) filter (where movement_category = 'churn'), 0) as decimal(18, 2)) as churned_arr,
    cast(coalesce(sum(movements.movement_amount), 0) as decimal(18, 2)) as net_new_arr,
    cast(coalesce(sum(movements.arr), 0) as decimal(18, 2)) as ending_arr,
    count(*) filter (where movements.previous_arr > 0) as customers_at_start,
    count(*) filter (where movements.arr > 0) as customers_at_end,
    count(*) filter (where movement_category = 'new') as new_customers,
    count(*) filter (where movement_category = 'reactivation') as reactivated_customers,
    count(*) filter (where movement_category = 'churn') as churned_customers,
    '{{ var("corporate_currency") }}' as currency_code

from months
left join movements on movements.month_end = months.month_end
group by months.month_end
