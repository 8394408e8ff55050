-- Each account's ARR at every month end, from the month of its first contribution to the last month end
-- on or before the as-of date (the current, unfinished month has no row: dim_accounts holds ARR today).
-- A contribution counts at a month end that falls within its dates: it starts at the first month end on
-- or after its start, and stops after the last month end on or before its end. Rather than joining every
-- contribution to every month, each one becomes a +ARR and a −ARR event, summed cumulatively per account.

with contributions as (

    select * from {{ ref('int_arr_contributions') }}

),

bounds as (

    select
        account_id,
        arr_corporate,
        last_day(start_date) as first_month_end,
        case when end_date = last_day(end_date) then end_date
             else last_day(end_date - interval 1 month)::date end as last_month_end

    from contributions

),

events as (

    select account_id, first_month_end as month_end, arr_corporate as delta
    from bounds where last_month_end >= first_month_end
    union all
    select account_id, last_day(last_month_end + interval 1 day)::date, -arr_corporate
    from bounds where last_month_end >= first_month_end

),

deltas as (

    select account_id, month_end, sum(delta) as delta
    from events
    group by account_id, month_end

),

months as (

    select last_day(month_start)::date as month_end
    from range(
        (select date_trunc('month', min(month_end)) from deltas),
        date_trunc('month', {{ as_of_date() }} + 1),
        interval 1 month
    ) as grid(month_start)

),

account_months as (

    select accounts.account_id, months.month_end
    from (select account_id, min(month_end) as first_month_end from deltas group by account_id) as accounts
    inner join months on months.month_end >= accounts.first_month_end

)

select
    account_months.account_id,
    account_months.month_end,
    sum(coalesce(deltas.delta, 0)) over (
        partition by account_months.account_id order by account_months.month_end
        rows between unbounded preceding and current row
    ) as arr

from account_months
left join deltas
    on deltas.account_id = account_months.account_id and deltas.month_end = account_months.month_end
