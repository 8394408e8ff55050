-- Net and gross revenue retention by month over the trailing 12 months, for the accounts that had ARR
-- twelve month ends earlier (the cohort; new customers are excluded).
--   nrr = (start + expansion − contraction − churn) / start     (movement method, the domain rule)
--   grr = (start − contraction − churn) / start
-- Reactivations inside the window are not counted by the movement method; nrr_snapshot
-- (cohort ARR now / start) and grr_snapshot (Σ min(now, start) / start) count them, for comparison.

with monthly as (

    select * from {{ ref('fct_arr_monthly') }}

),

-- Each account's ARR rounded to the cent as fct_arr_monthly shows it, whose movements are changes of that
-- rounded ARR, so that start + movements = end to the cent. int_account_arr_monthly has one row per account
-- and month end by construction (and a test says so), so no distinct: a quarter of this model's time.
grid as (

    select account_id, month_end, round(arr, 2) as arr from {{ ref('int_account_arr_monthly') }}

),

windows as (

    select distinct
        month_end,
        last_day(month_end - interval 12 month)::date as start_month_end
    from grid
    where last_day(month_end - interval 12 month)::date >= (select min(month_end) from grid)

),

cohort as (

    select windows.month_end, windows.start_month_end, grid.account_id, grid.arr as start_arr
    from windows
    inner join grid on grid.month_end = windows.start_month_end and grid.arr > 0

),

movements as (

    select
        cohort.month_end,
        cohort.account_id,
        coalesce(sum(monthly.movement_amount) filter (where monthly.movement_category = 'expansion'), 0) as expansion,
        -coalesce(sum(monthly.movement_amount) filter (where monthly.movement_category = 'contraction'), 0)
            as contraction,
        -coalesce(sum(monthly.movement_amount) filter (where monthly.movement_category = 'churn'), 0) as churn,
        coalesce(sum(monthly.movement_amount) filter (where monthly.movement_category = 'reactivation'), 0)
            as reactivation

    from cohort
    left join monthly
        on monthly.account_id = cohort.account_id
       and monthly.month_end > cohort.start_month_end
       and monthly.month_end <= cohort.month_end
    group by cohort.month_end, cohort.account_id

),

ending as (

    select cohort.month_end, cohort.account_id, cohort.start_arr, coalesce(grid.arr, 0) as end_arr
    from cohort
    left join grid on grid.account_id = cohort.account_id and grid.month_end = cohort.month_end

),

totals as (

    select
        ending.month_end,
        min(cohort.start_month_end) as cohort_month_end,
        count(*) as cohort_customers,
        count(*) filter (where ending.end_arr > 0) as retained_customers,
        sum(ending.start_arr) as starting_arr,
        sum(movements.expansion) as expansion_arr,
        sum(movements.contraction) as contraction_arr,
        sum(movements.churn) as churned_arr,
        sum(movements.reactivation) as reactivation_arr,
        sum(ending.end_arr) as ending_arr,
        sum(least(ending.end_arr, ending.start_arr)) as retained_arr

    from ending
    inner join movements on movements.month_end = ending.month_end and movements.account_id = ending.account_id
    inner join cohort on cohort.month_end = ending.month_end and cohort.account_id = ending.account_id
    group by ending.month_end

)

select
    month_end,
    cohort_month_end,
    cohort_customers,
    retained_customers,
    cast(round(starting_arr, 2) as decimal(18, 2)) as starting_arr,
    cast(round(expansion_arr, 2) as decimal(18, 2)) as expansion_arr,
    cast(round(contraction_arr, 2) as decimal(18, 2)) as contraction_arr,
    cast(round(churned_arr, 2) as decimal(18, 2)) as churned_arr,
    cast(round(reactivation_arr, 2) as decimal(18, 2)) as reactivation_arr,
    cast(round(ending_arr, 2) as decimal(18, 2)) as ending_arr,
    round((starting_arr + expansion_arr - contraction_arr - churned_arr) / starting_arr, 6) as nrr,
    round((starting_arr - contraction_arr - churned_arr) / starting_arr, 6) as grr,
    round(ending_arr / starting_arr, 6) as nrr_snapshot,
    round(retained_arr / starting_arr, 6) as grr_snapshot,
    '{{ var("corporate_currency") }}' as currency_code

from totals
