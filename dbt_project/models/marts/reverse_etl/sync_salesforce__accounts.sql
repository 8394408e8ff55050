-- The value written back to each Account: its total ARR on the as-of date, in the account's own currency
-- (Salesforce keeps currency fields in the record's currency), converted from the corporate currency at
-- the rate in force on the as-of date.

with accounts as (

    select * from {{ ref('dim_accounts') }}

),

rates as (

    select * from {{ ref('int_conversion_rates') }}

)

select
    accounts.account_id,
    cast(round(cast(accounts.arr_corporate as decimal(38, 9)) * rates.conversion_rate, 2) as decimal(18, 2))
        as total_arr

from accounts
inner join rates
    on rates.currency_code = accounts.currency_code
   and {{ as_of_date() }} >= rates.start_date
   and {{ as_of_date() }} < rates.next_start_date
