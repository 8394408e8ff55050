{%- set columns = salesforce_columns(source('salesforce', 'product2')) -%}

with source as (

    select * from {{ source('salesforce', 'product2') }}

),

renamed as (

    select
        -- ids
        {{ sf_id('"Id"') }} as product_id,

        -- attributes
        nullif(trim("ProductCode"), '') as product_code,
        "Name" as product_name,
        {{ sf_field(columns, 'Family') }} as product_family,
        {{ sf_field(columns, 'Description') }} as description,
        {{ sf_field(columns, 'Default_Recognition_Template__c') }} as default_recognition_template,
        {{ sf_field(columns, 'CurrencyIsoCode', "'" ~ var('corporate_currency') ~ "'") }} as currency_code,

        -- amounts (per unit)
        {{ sf_typed(columns, 'product_ssp_field') }} as standalone_selling_price,
        {{ sf_typed(columns, 'product_unit_cost_field') }} as unit_cost,

        -- flags
        coalesce("IsActive", false) as is_active,
        {{ sf_typed(columns, 'product_recurring_field') }} as is_recurring_raw,
        coalesce("IsDeleted", false) or coalesce(_hard_deleted, false) as is_deleted,

        -- dates
        "SystemModstamp" as modified_at

    from source

)

select * from renamed
