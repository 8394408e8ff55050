{%- set columns = salesforce_columns(source('salesforce', 'pricebookentry')) -%}

with source as (

    select * from {{ source('salesforce', 'pricebookentry') }}

),

renamed as (

    select
        -- ids
        {{ sf_id('"Id"') }} as pricebook_entry_id,
        {{ sf_id('"Pricebook2Id"') }} as pricebook_id,
        {{ sf_id('"Product2Id"') }} as product_id,

        -- attributes
        {{ sf_field(columns, 'CurrencyIsoCode', "'" ~ var('corporate_currency') ~ "'") }} as currency_code,

        -- amounts
        "UnitPrice" as list_price,

        -- flags
        coalesce("IsActive", false) as is_active,
        coalesce("IsDeleted", false) or coalesce(_hard_deleted, false) as is_deleted

    from source

)

select * from renamed
