with source as (

    select * from {{ source('salesforce', 'opportunitystage') }}

),

renamed as (

    select
        -- ids
        {{ sf_id('"Id"') }} as opportunity_stage_id,

        -- attributes
        "MasterLabel" as stage_name,
        "ForecastCategory" as forecast_category,
        "SortOrder" as sort_order,
        "DefaultProbability" as default_probability,

        -- flags
        coalesce("IsActive", false) as is_active,
        coalesce("IsClosed", false) as is_closed,
        coalesce("IsWon", false) as is_won,
        coalesce(_hard_deleted, false) as is_deleted

    from source

)

select * from renamed
