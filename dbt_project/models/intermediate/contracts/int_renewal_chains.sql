-- Renewal chains: each contract with its chain (the root contract's Id), its position from the root,
-- and the previous and next contract, walked from every root along the kept, cycle-free links.
-- Amendments are not links of a chain: they change a contract within its term (fct_contracts puts them
-- in their parent's chain).

with recursive amendments as (

    select distinct child_id as contract_id
    from {{ ref('int_contract_links') }}
    where link_type = 'amendment' and not is_self_link

),

contracts as (

    select opportunity_id as contract_id from {{ ref('int_contracts__scoped') }}
    where opportunity_id not in (select contract_id from amendments)

),

edges as (

    select links.parent_id, links.child_id, links.parent_end_date, links.child_start_date
    from {{ ref('int_contract_links__resolved') }} as links
    where links.link_type = 'renewal' and links.is_kept
      and not exists (
          select 1 from {{ ref('int_renewal_cycles') }} as cycles
          where cycles.graph = 'kept'
            and cycles.broken_parent_id = links.parent_id and cycles.broken_child_id = links.child_id
      )
      and links.parent_id in (select contract_id from contracts)
      and links.child_id in (select contract_id from contracts)

),

roots as (

    select contract_id from contracts
    where not exists (select 1 from edges where edges.child_id = contracts.contract_id)

),

walk(contract_id, chain_id, chain_position, previous_contract_id, path) as (

    select contract_id, contract_id, 1, cast(null as varchar), [contract_id] from roots
    union all
    select edges.child_id, walk.chain_id, walk.chain_position + 1, walk.contract_id,
           list_append(walk.path, edges.child_id)
    from walk
    inner join edges on edges.parent_id = walk.contract_id
    where not list_contains(walk.path, edges.child_id)

)

select
    walk.contract_id,
    walk.chain_id,
    walk.chain_position,
    walk.previous_contract_id,
    next_edge.child_id as next_contract_id,
    max(walk.chain_position) over (partition by walk.chain_id) as chain_length

from walk
left join edges as next_edge on next_edge.parent_id = walk.contract_id
