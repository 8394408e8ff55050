{%- set columns = salesforce_columns(source('salesforce', 'account')) -%}
{{ config(materialized='incremental', unique_key='account_id') }}

{#- The columns staged from each raw record, rendered: their SQL is also the version the rows are staged by
    (macros/incremental_staging.sql). -#}
{%- set staged_columns %}
        -- ids
        {{ sf_id('"Id"') }} as account_id,
        {{ sf_id('"ParentId"') }} as parent_account_id,
        {{ sf_id('"OwnerId"') }} as owner_id,

        -- attributes
        "Name" as account_name,
        {{ sf_field(columns, 'Type') }} as account_type,
        {{ sf_field(columns, 'Industry') }} as industry,
        {{ sf_field(columns, 'BillingCity') }} as billing_city,
        {{ sf_field(columns, 'BillingCountry') }} as billing_country,
        {{ sf_field(columns, 'CurrencyIsoCode', "'" ~ var('corporate_currency') ~ "'") }} as currency_code,

        -- amounts
        {{ sf_field(columns, 'AnnualRevenue') }} as annual_revenue,
        {{ sf_field(columns, 'NumberOfEmployees') }} as number_of_employees,

        -- dates
        "CreatedDate" as created_at,
        "SystemModstamp" as modified_at,

        -- flags
        coalesce("IsDeleted", false) or coalesce(_hard_deleted, false) as is_deleted,
        _extracted_at as extracted_at
{%- endset %}

with source as (

    select * from {{ source('salesforce', 'account') }}
    {{ records_to_stage(staged_columns) }}

),

renamed as (

    select
        {{ staged_columns }},

        -- bookkeeping
        {{ staging_bookkeeping(staged_columns) }}

    from source

)

select * from renamed
