-- Every stage name seen, with its category and where the category came from.

select
    stage_name,
    stage_category,
    category_source,
    is_in_opportunity_stage,
    is_active,
    is_closed,
    is_won,
    forecast_category,
    sort_order,
    opportunity_count

from {{ ref('int_stage_categories') }}
