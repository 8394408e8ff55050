-- Account × month-end ARR in the corporate currency, with the movement from the previous month end.
-- Rows exist for months with ARR and for the month ARR fell to zero (the churn). Churn and reactivation
-- are decided before the > / < comparison, so 0 → x is never an "expansion".

with rounded as (

    -- ARR to the cent first: categories and amounts then describe the numbers the mart shows
    select account_id, month_end, cast(round(arr, 2) as decimal(18, 2)) as arr
    from {{ ref('int_account_arr_monthly') }}

),

monthly as (

    select
        account_id,
        month_end,
        arr,
        coalesce(lag(arr) over (partition by account_id order by month_end), 0) as previous_arr,
        coalesce(
            max(case when arr > 0 then 1 else 0 end) over (
                partition by account_id order by month_end rows between unbounded preceding and 1 preceding
            ), 0
        ) = 1 as had_arr_before

    from rounded

),

accounts as (

    select account_id, top_parent_account_id from {{ ref('dim_accounts') }}

)

select
    monthly.account_id,
    accounts.top_parent_account_id,
    date_trunc('month', monthly.month_end)::date as month_start,
    monthly.month_end,
    monthly.arr,
    cast(round(cast(monthly.arr as decimal(38, 9)) / 12, 2) as decimal(18, 2)) as mrr,
    cast(monthly.previous_arr as decimal(18, 2)) as previous_arr,
    case
        when monthly.previous_arr = 0 and monthly.arr > 0 and monthly.had_arr_before then 'reactivation'
        when monthly.previous_arr = 0 and monthly.arr > 0 then 'new'
        when monthly.previous_arr > 0 and monthly.arr = 0 then 'churn'
        when monthly.arr > monthly.previous_arr then 'expansion'
        when monthly.arr < monthly.previous_arr then 'contraction'
        else 'unchanged'
    end as movement_category,
    cast(monthly.arr - monthly.previous_arr as decimal(18, 2)) as movement_amount,
    monthly.had_arr_before,
    '{{ var("corporate_currency") }}' as currency_code

from monthly
left join accounts on accounts.account_id = monthly.account_id
where monthly.arr <> 0 or monthly.previous_arr <> 0
