-- Accounts with their parent hierarchy (top parent, level) and their ARR on the as-of date.

with recursive accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}
    where not is_deleted

),

hierarchy(account_id, top_parent_account_id, hierarchy_level, path) as (

    select account_id, account_id, 1, [account_id]
    from accounts
    where parent_account_id is null
       or parent_account_id not in (select account_id from accounts)
    union all
    select child.account_id, hierarchy.top_parent_account_id, hierarchy.hierarchy_level + 1,
           list_append(hierarchy.path, child.account_id)
    from hierarchy
    inner join accounts as child on child.parent_account_id = hierarchy.account_id
    where not list_contains(hierarchy.path, child.account_id)

),

arr_today as (

    select account_id, sum(arr_corporate) as arr
    from {{ ref('int_arr_contributions') }}
    where {{ as_of_date() }} between start_date and end_date
    group by account_id

),

history as (

    select account_id, max(arr) as peak_arr, min(month_end) filter (where arr > 0) as first_arr_month_end
    from {{ ref('int_account_arr_monthly') }}
    group by account_id

),

contracts as (

    select account_id, count(*) as contracts, min(start_date) filter (where stage_category = 'Booked')
        as first_booked_start_date
    from {{ ref('int_contracts') }}
    group by account_id

)

select
    accounts.account_id,
    accounts.account_name,
    accounts.parent_account_id,
    -- accounts caught in a parent cycle are their own top parent
    coalesce(hierarchy.top_parent_account_id, accounts.account_id) as top_parent_account_id,
    coalesce(hierarchy.hierarchy_level, 1) as hierarchy_level,
    accounts.account_type,
    accounts.industry,
    accounts.billing_country,
    accounts.currency_code,
    cast(round(coalesce(arr_today.arr, 0), 2) as decimal(18, 2)) as arr_corporate,
    case
        when coalesce(arr_today.arr, 0) > 0 then 'customer'
        when coalesce(history.peak_arr, 0) > 0 then 'former_customer'
        else 'prospect'
    end as customer_status,
    history.first_arr_month_end,
    contracts.first_booked_start_date,
    coalesce(contracts.contracts, 0) as contracts

from accounts
left join hierarchy on hierarchy.account_id = accounts.account_id
left join arr_today on arr_today.account_id = accounts.account_id
left join history on history.account_id = accounts.account_id
left join contracts on contracts.account_id = accounts.account_id
