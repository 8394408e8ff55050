{%- set columns = salesforce_columns(source('salesforce', 'orderitem')) -%}
{{ config(materialized='incremental', unique_key='order_item_id') }}

{#- The columns staged from each raw record, rendered: their SQL is also the version the rows are staged by
    (macros/incremental_staging.sql). -#}
{%- set staged_columns %}
        -- ids
        {{ sf_id('"Id"') }} as order_item_id,
        {{ sf_id('"OrderId"') }} as order_id,
        {{ sf_id(sf_field(columns, 'Product2Id')) }} as product_id,
        {{ sf_id(sf_field(columns, 'PricebookEntryId')) }} as pricebook_entry_id,

        -- attributes
        {{ sf_field(columns, 'OrderItemNumber') }} as order_item_number,
        {{ sf_field(columns, 'CurrencyIsoCode', 'null::varchar') }} as currency_code,
        {{ sf_field(columns, 'blng__ChargeType__c') }} as charge_type,
        {{ sf_field(columns, 'blng__BillingFrequency__c') }} as billing_frequency,
        {{ sf_field(columns, 'blng__BillingType__c') }} as billing_type,

        -- amounts
        "Quantity" as quantity,
        "UnitPrice" as unit_price,
        {{ sf_field(columns, 'ListPrice') }} as list_price,
        {{ sf_field(columns, 'TotalPrice') }} as total_price,
        cast({{ sf_field(columns, 'SBQQ__ProrateMultiplier__c') }} as decimal(18, 4)) as prorate_multiplier,

        -- recognition
        {{ recognition_fields(columns) }},

        -- dates
        {{ sf_field(columns, 'ServiceDate') }} as start_date,
        {{ sf_field(columns, 'EndDate') }} as end_date,
        "SystemModstamp" as modified_at,

        -- flags
        coalesce("IsDeleted", false) or coalesce(_hard_deleted, false) as is_deleted
{%- endset %}

with source as (

    select * from {{ source('salesforce', 'orderitem') }}
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
