-- Every renewal and amendment link as Salesforce holds it, from either side: the child's Renews /
-- Amends field or the parent's Renewed_By / Amended_By field. Links are validated here (self-links,
-- links to contracts that are not in scope) and resolved downstream.

with contracts as (

    select * from {{ ref('int_contracts__scoped') }}

),

stated as (

    select 'renewal' as link_type, renews_opportunity_id as parent_id, opportunity_id as child_id,
           opportunity_id as stated_on, '{{ var("renews_field") }}' as stated_in_field
    from contracts where renews_opportunity_id is not null
    union all
    select 'renewal', opportunity_id, renewed_by_opportunity_id, opportunity_id, '{{ var("renewed_by_field") }}'
    from contracts where renewed_by_opportunity_id is not null
    union all
    select 'amendment', amends_opportunity_id, opportunity_id, opportunity_id, '{{ var("amends_field") }}'
    from contracts where amends_opportunity_id is not null
    union all
    select 'amendment', opportunity_id, amended_by_opportunity_id, opportunity_id, '{{ var("amended_by_field") }}'
    from contracts where amended_by_opportunity_id is not null

)

select
    stated.link_type,
    stated.parent_id,
    stated.child_id,
    stated.stated_on,
    stated.stated_in_field,
    stated.stated_on = stated.child_id as stated_by_child,
    stated.parent_id = stated.child_id as is_self_link,
    parents.opportunity_id is null or children.opportunity_id is null as points_outside_scope,
    parents.start_date as parent_start_date,
    parents.end_date as parent_end_date,
    children.start_date as child_start_date

from stated
left join (select opportunity_id, coalesce(contract_start_date, close_date) as start_date,
                  contract_end_date as end_date from contracts) as parents
    on parents.opportunity_id = stated.parent_id
left join (select opportunity_id, coalesce(contract_start_date, close_date) as start_date from contracts) as children
    on children.opportunity_id = stated.child_id
