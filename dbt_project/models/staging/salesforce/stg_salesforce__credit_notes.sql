{%- set columns = salesforce_columns(source('salesforce', 'blng__creditnote__c')) -%}
{{ config(materialized='incremental', unique_key='credit_note_id') }}

{#- The columns staged from each raw record, rendered: their SQL is also the version the rows are staged by
    (macros/incremental_staging.sql). -#}
{%- set staged_columns %}
        -- ids
        {{ sf_id('"Id"') }} as credit_note_id,
        {{ sf_id(sf_field(columns, 'blng__Account__c')) }} as account_id,
        {{ sf_id(sf_field(columns, 'blng__RelatedInvoice__c')) }} as source_invoice_id,

        -- attributes
        {{ sf_field(columns, 'Name') }} as credit_note_number,
        {{ sf_field(columns, 'blng__Status__c') }} as credit_note_status,
        {{ sf_field(columns, 'CurrencyIsoCode', "'" ~ var('corporate_currency') ~ "'") }} as currency_code,

        -- amounts
        {{ sf_field(columns, 'blng__Subtotal__c') }} as subtotal,

        -- dates
        {{ sf_field(columns, 'blng__CreditNoteDate__c') }} as credit_note_date,

        -- flags
        coalesce({{ sf_field(columns, 'IsDeleted', 'false') }}, false) or coalesce(_hard_deleted, false) as is_deleted
{%- endset %}

with source as (

    select * from {{ source('salesforce', 'blng__creditnote__c') }}
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
