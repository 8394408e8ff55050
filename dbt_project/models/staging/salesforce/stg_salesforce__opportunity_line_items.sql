{%- set columns = salesforce_columns(source('salesforce', 'opportunitylineitem')) -%}
{{ config(materialized='incremental', unique_key='line_item_id') }}

{#- The columns staged from each raw record, rendered: their SQL is also the version the rows are staged by
    (macros/incremental_staging.sql). -#}
{%- set staged_columns %}
        -- ids
        {{ sf_id('"Id"') }} as line_item_id,
        {{ sf_id('"OpportunityId"') }} as opportunity_id,
        {{ sf_id(sf_field(columns, 'Product2Id')) }} as product_id,
        {{ sf_id(sf_field(columns, 'PricebookEntryId')) }} as pricebook_entry_id,

        -- attributes
        nullif(trim({{ sf_field(columns, var('line_product_lookup_field'), 'null::varchar') }}), '') as product_lookup_key,
        {{ sf_field(columns, 'ProductCode') }} as product_code,
        {{ sf_field(columns, 'Name') }} as line_name,
        {{ sf_field(columns, 'CurrencyIsoCode', "'" ~ var('corporate_currency') ~ "'") }} as currency_code,
        {{ sf_field(columns, 'SortOrder') }} as sort_order,

        -- amounts
        "Quantity" as quantity,
        "UnitPrice" as unit_price,
        "TotalPrice" as total_price,
        {{ sf_field(columns, 'ListPrice') }} as list_price,
        {{ sf_typed(columns, 'item_assigned_arr_field') }} as item_assigned_arr,
        {{ sf_typed(columns, 'item_assigned_mrr_field') }} as item_assigned_mrr,

        -- dates
        {{ sf_field(columns, 'ServiceDate') }} as service_date,
        {{ sf_typed(columns, 'line_start_date_field') }} as line_start_date,
        {{ sf_typed(columns, 'line_end_date_field') }} as line_end_date,

        -- flags
        coalesce("IsDeleted", false) or coalesce(_hard_deleted, false) as is_deleted
{%- endset %}

with source as (

    select * from {{ source('salesforce', 'opportunitylineitem') }}
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
