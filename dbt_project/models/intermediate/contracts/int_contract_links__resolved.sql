-- One decision per stated link. Both sides stating a link confirm it. A child keeps one parent and, for
-- renewals, a parent keeps one child: a confirmed link wins, then the one the child states, then the
-- earliest contract. Links that lose are kept here with the reason, for fct_data_issues.

with links as (

    select * from {{ ref('int_contract_links') }}
    where not is_self_link and not points_outside_scope

),

pairs as (

    select
        link_type,
        parent_id,
        child_id,
        bool_or(stated_by_child) and bool_or(not stated_by_child) as is_confirmed,
        bool_or(stated_by_child) as is_stated_by_child,
        min(parent_start_date) as parent_start_date,
        min(parent_end_date) as parent_end_date,
        min(child_start_date) as child_start_date

    from links
    group by link_type, parent_id, child_id

),

ranked_by_child as (

    select
        *,
        row_number() over (
            partition by link_type, child_id
            order by is_confirmed desc, is_stated_by_child desc, parent_start_date nulls last, parent_id
        ) as parent_rank,
        count(*) over (partition by link_type, child_id) as parents_stated

    from pairs

),

ranked_by_parent as (

    select
        *,
        row_number() over (
            partition by link_type, parent_id, (parent_rank = 1)
            order by is_confirmed desc, is_stated_by_child desc, child_start_date nulls last, child_id
        ) as child_rank,
        count(*) over (partition by link_type, parent_id, (parent_rank = 1)) as children_stated

    from ranked_by_child

)

select
    link_type,
    parent_id,
    child_id,
    is_confirmed,
    is_stated_by_child,
    parents_stated,
    children_stated,
    parent_end_date,
    child_start_date,
    case
        when parent_rank > 1 then 'child_has_another_parent'
        when link_type = 'renewal' and child_rank > 1 then 'parent_has_another_child'
    end as dropped_because,
    parent_rank = 1 and (link_type = 'amendment' or child_rank = 1) as is_kept

from ranked_by_parent
