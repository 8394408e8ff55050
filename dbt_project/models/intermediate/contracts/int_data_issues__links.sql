-- Problems in renewal and amendment links: self-links, links to contracts that are not in scope,
-- conflicting links, cycles and overlapping renewal terms. The chains and contract types are built from
-- the links that survive; these rows say what was set aside and why.

with links as (

    select * from {{ ref('int_contract_links') }}

),

resolved as (

    select * from {{ ref('int_contract_links__resolved') }}

),

cycles as (

    select * from {{ ref('int_renewal_cycles') }} where graph = 'stated'

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

select 'Opportunity', case when dropped_because = 'child_has_another_parent' then child_id else parent_id end,
       case when link_type = 'renewal' then '{{ var("renews_field") }}' else '{{ var("amends_field") }}' end,
       'conflicting ' || link_type || ' links', 'warning',
       case when dropped_because = 'child_has_another_parent'
            then child_id || ' is linked to more than one ' || link_type || ' parent; the link to ' || parent_id
                 || ' is set aside'
            else parent_id || ' is linked to more than one renewal; the link to ' || child_id || ' is set aside'
       end,
       case when dropped_because = 'child_has_another_parent' then parent_id else child_id end
from resolved where not is_kept

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
