{%- set columns = salesforce_columns(source('salesforce', 'opportunity')) -%}
{{ config(materialized='incremental', unique_key='opportunity_id') }}

{#- The columns staged from each raw record, rendered: their SQL is also the version the rows are staged by
    (macros/incremental_staging.sql). -#}
{%- set staged_columns %}
        -- ids
        {{ sf_id('"Id"') }} as opportunity_id,
        {{ sf_id('"AccountId"') }} as account_id,
        {{ sf_id('"OwnerId"') }} as owner_id,
        {{ sf_id(sf_field(columns, 'Pricebook2Id')) }} as pricebook_id,

        -- contract links (configured fields)
        {{ sf_id(sf_field(columns, var('renews_field'))) }} as renews_opportunity_id,
        {{ sf_id(sf_field(columns, var('renewed_by_field'))) }} as renewed_by_opportunity_id,
        {{ sf_id(sf_field(columns, var('amends_field'))) }} as amends_opportunity_id,
        {{ sf_id(sf_field(columns, var('amended_by_field'))) }} as amended_by_opportunity_id,

        -- attributes
        "Name" as opportunity_name,
        "StageName" as stage_name,
        {{ sf_field(columns, 'Type') }} as opportunity_type,
        {{ sf_field(columns, 'LeadSource') }} as lead_source,
        {{ sf_field(columns, 'ForecastCategory') }} as forecast_category,
        {{ sf_field(columns, 'CurrencyIsoCode', "'" ~ var('corporate_currency') ~ "'") }} as currency_code,
        nullif(trim({{ sf_field(columns, var('contract_product_field'), 'null::varchar') }}), '') as product_lookup_key,

        -- amounts
        "Amount" as amount,
        {{ sf_field(columns, 'Probability') }} as probability,
        {{ sf_typed(columns, 'assigned_arr_field') }} as assigned_arr,
        {{ sf_typed(columns, 'assigned_mrr_field') }} as assigned_mrr,

        -- dates
        "CloseDate" as close_date,
        {{ sf_typed(columns, 'contract_start_date_field') }} as contract_start_date,
        {{ sf_typed(columns, 'contract_end_date_field') }} as contract_end_date,
        {{ sf_typed(columns, 'termination_date_field') }} as termination_date,
        {{ sf_typed(columns, 'terminated_effective_date_field') }} as terminated_effective_date,
        "CreatedDate" as created_at,
        "SystemModstamp" as modified_at,

        -- flags
        {%- if var('opportunity_import_filter_field') %}
        coalesce({{ sf_typed(columns, 'opportunity_import_filter_field', 'false') }}, false)
            as passes_import_filter,
        {%- else %}
        true as passes_import_filter,
        {%- endif %}
        coalesce({{ sf_field(columns, 'IsClosed', 'false') }}, false) as is_closed,
        coalesce({{ sf_field(columns, 'IsWon', 'false') }}, false) as is_won,
        coalesce("IsDeleted", false) or coalesce(_hard_deleted, false) as is_deleted
{%- endset %}

with source as (

    select * from {{ source('salesforce', 'opportunity') }}
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
