-- Every stage name seen (on opportunities or in OpportunityStage) with its category: from the
-- stage_mapping seed when listed there, else from OpportunityStage (won → Booked, closed and not won →
-- Lost, otherwise Forecast), else Forecast. New stage names therefore appear without code changes.

with used as (

    select stage_name, count(*) as opportunity_count
    from {{ ref('stg_salesforce__opportunities') }}
    where not is_deleted and stage_name is not null  -- an empty StageName is reported in int_data_issues__values
    group by stage_name

),

metadata as (

    select * from {{ ref('stg_salesforce__opportunity_stages') }}
    where not is_deleted

),

mapping as (

    select trim(stage_name) as stage_name, trim(stage_category) as stage_category
    from {{ ref('stage_mapping') }}

),

names as (

    select stage_name from used
    union
    select stage_name from metadata

)

select
    names.stage_name,
    case
        when mapping.stage_category is not null then mapping.stage_category
        when metadata.is_won then 'Booked'
        when metadata.is_closed then 'Lost'
        else 'Forecast'
    end as stage_category,
    case
        when mapping.stage_category is not null then 'seed'
        when metadata.stage_name is not null then 'opportunity_stage'
        else 'default'
    end as category_source,
    metadata.stage_name is not null as is_in_opportunity_stage,
    metadata.is_active,
    metadata.is_closed,
    metadata.is_won,
    metadata.forecast_category,
    metadata.sort_order,
    coalesce(used.opportunity_count, 0) as opportunity_count

from names
left join mapping on lower(mapping.stage_name) = lower(names.stage_name)
left join metadata on metadata.stage_name = names.stage_name
left join used on used.stage_name = names.stage_name
