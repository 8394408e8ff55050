-- Dated exchange rates, and the corporate currency at 1 for all time (whatever rows the org keeps for
-- it). A rate applies from start_date up to, not including, next_start_date.

with rates as (

    select currency_code, conversion_rate, start_date, next_start_date
    from {{ ref('stg_salesforce__dated_conversion_rates') }}
    where not is_deleted and conversion_rate > 0 and currency_code <> '{{ var("corporate_currency") }}'

),

corporate as (

    select
        '{{ var("corporate_currency") }}' as currency_code,
        cast(1 as decimal(18, 6)) as conversion_rate,
        date '0001-01-01' as start_date,
        date '9999-12-31' as next_start_date

)

select * from rates
union all
select * from corporate
