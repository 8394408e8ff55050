-- Renewal links that form cycles (A renews B and B renews A, or longer loops), in two graphs:
--   stated: every valid link as Salesforce holds it — what fct_data_issues reports;
--   kept:   the links kept after conflicts are resolved — each cycle there is broken at the link into
--           its earliest-starting contract, which becomes the root of its chain, so no walk can loop.

with recursive edges as (

    select 'stated' as graph, parent_id, child_id, is_kept
    from {{ ref('int_contract_links__resolved') }}
    where link_type = 'renewal'
    union all
    select 'kept', parent_id, child_id, is_kept
    from {{ ref('int_contract_links__resolved') }}
    where link_type = 'renewal' and is_kept

),

contracts as (

    select opportunity_id as contract_id, coalesce(contract_start_date, close_date) as start_date
    from {{ ref('int_contracts__scoped') }}

),

-- Walk upwards from every contract that has a parent; a walk stops before it revisits a contract.
upwards(graph, start_id, node_id, path) as (

    select graph, child_id, child_id, [child_id] from edges
    union all
    select upwards.graph, upwards.start_id, edges.parent_id, list_append(upwards.path, edges.parent_id)
    from upwards
    inner join edges on edges.graph = upwards.graph and edges.child_id = upwards.node_id
    where not list_contains(upwards.path, edges.parent_id)

),

-- A contract is on a cycle when its upward walk reaches a contract whose parent is the start again.
on_cycle as (

    select distinct upwards.graph, upwards.start_id as contract_id, list_sort(upwards.path) as members
    from upwards
    inner join edges
        on edges.graph = upwards.graph and edges.child_id = upwards.node_id and edges.parent_id = upwards.start_id

),

cycles as (

    select graph, members, min(contract_id) as cycle_id
    from on_cycle
    group by graph, members

),

roots as (

    select
        cycles.graph,
        cycles.cycle_id,
        cycles.members,
        contracts.contract_id as root_id,
        row_number() over (
            partition by cycles.graph, cycles.cycle_id order by contracts.start_date nulls last, contracts.contract_id
        ) as rank

    from cycles
    inner join contracts on list_contains(cycles.members, contracts.contract_id)

)

select
    roots.graph,
    roots.cycle_id,
    roots.members as cycle_members,
    len(roots.members) as cycle_length,
    edges.parent_id as broken_parent_id,
    edges.child_id as broken_child_id

from roots
inner join edges
    on edges.graph = roots.graph
   and edges.child_id = roots.root_id
   and list_contains(roots.members, edges.parent_id)
where roots.rank = 1
