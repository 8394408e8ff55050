with source as (

    select * from {{ source('salesforce', 'datedconversionrate') }}

),

renamed as (

    select
        -- ids
        {{ sf_id('"Id"') }} as conversion_rate_id,

        -- attributes
        "IsoCode" as currency_code,

        -- amounts: units of this currency per one unit of the corporate currency
        "ConversionRate" as conversion_rate,

        -- dates: the rate applies from start_date up to, not including, next_start_date
        "StartDate" as start_date,
        coalesce("NextStartDate", date '9999-12-31') as next_start_date,

        -- flags
        coalesce(_hard_deleted, false) as is_deleted

    from source

)

select * from renamed
