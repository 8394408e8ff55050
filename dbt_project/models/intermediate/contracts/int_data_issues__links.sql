-- Problems in renewal and amendment links: self-links, links to contracts that are not in scope,
-- conflicting links, cycles, overlapping renewal terms and amendments outside their parent's term. The chains and contract types are built from
-- the links that survive; these rows say what was set aside and why.

with links as (

    select * from {{ ref('int_contract_links') }}

),

resolved as (

    select * from {{ ref('int_contract_links__resolved') }}

),

cycles as (

    select * from {{ ref('int_renewal_cycles') }} where graph = 'stated'

),

-- Booked amendments whose ARR int_arr_contributions clips to the parent's term or leaves out.
amendments as (

    select
        resolved.parent_id,
        resolved.child_id,
        parents.stage_category as parent_stage_category,
        parents.conversion_rate is not null as parent_has_rate,
        children.end_date - parents.end_date as days_after_parent_end

    from resolved
    inner join {{ ref('int_contracts') }} as children on children.contract_id = resolved.child_id
    inner join {{ ref('int_contracts') }} as parents on parents.contract_id = resolved.parent_id
    where resolved.link_type = 'amendment' and resolved.is_kept and children.stage_category = 'Booked'

)

select 'Opportunity' as object, stated_on as record_id, stated_in_field as field,
       link_type || ' self-link' as rule, 'error' as severity,
       stated_in_field || ' points at the record itself; the link is ignored' as message,
       null as related_record_id
from links where is_self_link

union all

select 'Opportunity', stated_on, stated_in_field,
       case when link_type = 'amendment' then 'amendment of a missing contract'
            else 'renewal link to a missing contract' end, 'error',
       stated_in_field || ' points at ' || case when stated_by_child then parent_id else child_id end
           || ', which is not an in-scope opportunity (deleted, filtered out or unknown); the link is ignored',
       case when stated_by_child then parent_id else child_id end
from links where points_outside_scope and not is_self_link

union all

-- A link set aside is reported on the record and field that state it (both, when both sides do): that is
-- where it must be fixed, whichever side of the link had more than one.
select 'Opportunity', links.stated_on, links.stated_in_field,
       'conflicting ' || resolved.link_type || ' links', 'warning',
       case when resolved.dropped_because = 'child_has_another_parent'
            then resolved.child_id || ' is linked to more than one ' || resolved.link_type || ' parent; the link to '
                 || resolved.parent_id
            else resolved.parent_id || ' is linked to more than one renewal; the link to ' || resolved.child_id
       end || ', stated in ' || links.stated_in_field || ' of ' || links.stated_on || ', is set aside',
       case when links.stated_on = resolved.child_id then resolved.parent_id else resolved.child_id end
from resolved
inner join links
    on links.link_type = resolved.link_type
   and links.parent_id = resolved.parent_id
   and links.child_id = resolved.child_id
where not resolved.is_kept and not links.is_self_link and not links.points_outside_scope

union all

select distinct 'Opportunity', unnest(cycle_members), '{{ var("renews_field") }}',
       'renewal cycle', 'error',
       'renewal links form a cycle of ' || cycle_length || ' contracts (' || array_to_string(cycle_members, ', ')
           || '); the chain is broken before its earliest contract',
       cycle_id
from cycles

union all

select 'Opportunity', child_id, '{{ var("contract_start_date_field") }}',
       'renewal overlap', 'warning',
       'renewal starts ' || (parent_end_date - child_start_date + 1) || ' days before ' || parent_id
           || ' ends; both count toward ARR during the overlap',
       parent_id
from resolved
where link_type = 'renewal' and is_kept and child_start_date <= parent_end_date

union all

select 'Opportunity', child_id, '{{ var("contract_end_date_field") }}',
       'amendment outlives its parent', 'warning',
       'amendment ends ' || days_after_parent_end || ' days after ' || parent_id
           || ' ends; its ARR stops with the parent',
       parent_id
from amendments
where parent_stage_category = 'Booked' and parent_has_rate and days_after_parent_end > 0

union all

select 'Opportunity', child_id, '{{ var("amends_field") }}',
       'amendment of a contract without ARR', 'warning',
       'amends ' || parent_id || ', which '
           || case when parent_stage_category <> 'Booked' then 'is ' || parent_stage_category
                   else 'has no exchange rate' end
           || '; the amendment adds no ARR',
       parent_id
from amendments
where parent_stage_category <> 'Booked' or not parent_has_rate
