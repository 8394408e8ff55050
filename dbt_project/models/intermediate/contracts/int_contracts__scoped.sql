-- Opportunities in scope (not deleted, passing the import filter), each one a contract, with its stage
-- category.

select
    opportunities.*,
    coalesce(stages.stage_category, 'Forecast') as stage_category

from {{ ref('stg_salesforce__opportunities') }} as opportunities
left join {{ ref('int_stage_categories') }} as stages on stages.stage_name = opportunities.stage_name
where not opportunities.is_deleted
  and opportunities.passes_import_filter
