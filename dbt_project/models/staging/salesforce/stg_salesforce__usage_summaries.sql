{%- set columns = salesforce_columns(source('salesforce', 'blng__usagesummary__c')) -%}
{{ config(materialized='incremental', unique_key='usage_summary_id') }}

{#- The columns staged from each raw record, rendered: their SQL is also the version the rows are staged by
    (macros/incremental_staging.sql). -#}
{%- set staged_columns %}
        -- ids
        {{ sf_id('"Id"') }} as usage_summary_id,
        {{ sf_id(sf_field(columns, 'blng__Account__c')) }} as account_id,
        {{ sf_id(sf_field(columns, 'blng__Order__c')) }} as order_id,
        {{ sf_id(sf_field(columns, 'blng__OrderProduct__c')) }} as order_item_id,
        {{ sf_id(sf_field(columns, 'blng__Invoice__c')) }} as invoice_id,

        -- attributes
        {{ sf_field(columns, 'Name') }} as usage_summary_number,
        {{ sf_field(columns, 'blng__Status__c') }} as usage_status,
        {{ sf_field(columns, 'CurrencyIsoCode', "'" ~ var('corporate_currency') ~ "'") }} as currency_code,

        -- amounts
        {{ sf_field(columns, 'blng__TotalQuantity__c') }} as total_quantity,
        {{ sf_field(columns, 'blng__TotalRevenue__c') }} as total_revenue,

        -- recognition
        {{ recognition_fields(columns) }},

        -- dates
        {{ sf_field(columns, 'blng__SummaryStartDate__c') }} as summary_start_date,
        {{ sf_field(columns, 'blng__SummaryEndDate__c') }} as summary_end_date,

        -- flags
        coalesce({{ sf_field(columns, 'IsDeleted', 'false') }}, false) or coalesce(_hard_deleted, false) as is_deleted
{%- endset %}

with source as (

    select * from {{ source('salesforce', 'blng__usagesummary__c') }}
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
