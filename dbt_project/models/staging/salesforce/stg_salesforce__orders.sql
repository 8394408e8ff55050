{%- set columns = salesforce_columns(source('salesforce', 'order')) -%}
{{ config(materialized='incremental', unique_key='order_id') }}

{#- The columns staged from each raw record, rendered: their SQL is also the version the rows are staged by
    (macros/incremental_staging.sql). -#}
{%- set staged_columns %}
        -- ids
        {{ sf_id('"Id"') }} as order_id,
        {{ sf_id('"AccountId"') }} as account_id,
        {{ sf_id(sf_field(columns, 'OpportunityId')) }} as opportunity_id,
        {{ sf_id(sf_field(columns, 'Pricebook2Id')) }} as pricebook_id,

        -- attributes
        {{ sf_field(columns, 'OrderNumber') }} as order_number,
        "Status" as order_status,
        {{ sf_field(columns, 'Type') }} as order_type,
        {{ sf_field(columns, 'ffrrLegalEntity__c') }} as legal_entity,
        {{ sf_field(columns, 'CurrencyIsoCode', "'" ~ var('corporate_currency') ~ "'") }} as currency_code,

        -- amounts
        {{ sf_field(columns, 'TotalAmount') }} as total_amount,

        -- dates
        "EffectiveDate" as effective_date,
        {{ sf_field(columns, 'EndDate') }} as end_date,

        -- flags
        coalesce("IsDeleted", false) or coalesce(_hard_deleted, false) as is_deleted
{%- endset %}

with source as (

    select * from {{ source('salesforce', 'order') }}
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
