{%- set columns = salesforce_columns(source('salesforce', 'blng__invoiceline__c')) -%}
{{ config(materialized='incremental', unique_key='invoice_line_id') }}

{#- The columns staged from each raw record, rendered: their SQL is also the version the rows are staged by
    (macros/incremental_staging.sql). -#}
{%- set staged_columns %}
        -- ids
        {{ sf_id('"Id"') }} as invoice_line_id,
        {{ sf_id(sf_field(columns, 'blng__Invoice__c')) }} as invoice_id,
        {{ sf_id(sf_field(columns, 'blng__OrderProduct__c')) }} as order_item_id,
        {{ sf_id(sf_field(columns, 'blng__Product__c')) }} as product_id,

        -- attributes
        {{ sf_field(columns, 'Name') }} as invoice_line_number,
        {{ sf_field(columns, 'blng__ChargeType__c') }} as charge_type,
        {{ sf_field(columns, 'blng__BillingFrequency__c') }} as billing_frequency,
        {{ sf_field(columns, 'blng__BillingType__c') }} as billing_type,
        {{ sf_field(columns, 'blng__InvoiceLineStatus__c') }} as invoice_line_status,
        {{ sf_field(columns, 'CurrencyIsoCode', "'" ~ var('corporate_currency') ~ "'") }} as currency_code,

        -- amounts
        {{ sf_field(columns, 'blng__Quantity__c') }} as quantity,
        {{ sf_field(columns, 'blng__UnitPrice__c') }} as unit_price,
        {{ sf_field(columns, 'blng__Subtotal__c') }} as subtotal,

        -- recognition
        {{ recognition_fields(columns) }},

        -- dates
        {{ sf_field(columns, 'blng__StartDate__c') }} as start_date,
        {{ sf_field(columns, 'blng__EndDate__c') }} as end_date,

        -- flags
        coalesce({{ sf_field(columns, 'IsDeleted', 'false') }}, false) or coalesce(_hard_deleted, false) as is_deleted
{%- endset %}

with source as (

    select * from {{ source('salesforce', 'blng__invoiceline__c') }}
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
