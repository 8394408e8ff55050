-- Opportunities in scope (not deleted, passing the import filter, with an account), each one a contract,
-- with its stage category. An opportunity without an AccountId has no customer to attribute revenue to: it
-- is left out until it has one, and int_data_issues__values reports it.

select
    opportunities.* exclude (loaded_at, staging_version, built_at),  -- staging's bookkeeping stays there
    coalesce(stages.stage_category, 'Forecast') as stage_category

from {{ ref('stg_salesforce__opportunities') }} as opportunities
left join {{ ref('int_stage_categories') }} as stages on stages.stage_name = opportunities.stage_name
where not opportunities.is_deleted
  and opportunities.passes_import_filter
  and opportunities.account_id is not null
