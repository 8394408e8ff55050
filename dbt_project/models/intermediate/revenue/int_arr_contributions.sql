-- What each Booked contract adds to its account's ARR, and when, in the corporate currency.
-- A contract with both Assigned ARR and Assigned MRR contributes its assigned ARR over its own dates;
-- otherwise each line contributes over the line's dates (amendment lines within the amendment's dates,
-- negative for downsells). ARR stops at the Terminated Effective Date. An amendment changes its parent's
-- revenue, so it counts only within the parent's term and only when the parent itself counts (Booked, with
-- an exchange rate): otherwise a downsell would leave the account with negative ARR. Lines with date errors or a
-- contract without an exchange rate contribute nothing (and are listed in fct_data_issues).

with booked as (

    select * from {{ ref('int_contracts') }}
    where stage_category = 'Booked'

),

-- An amendment stops when its parent is terminated, as well as on its own termination, and lives within
-- its parent's dates.
contracts as (

    select
        booked.* replace (
            least(booked.terminated_effective_date, parents.terminated_effective_date) as terminated_effective_date
        ),
        parents.start_date as parent_start_date,
        parents.end_date as parent_end_date,
        parents.contract_id is null
            or (parents.stage_category = 'Booked' and parents.conversion_rate is not null) as counts_toward_arr
    from booked
    left join {{ ref('int_contract_links__resolved') }} as links
        on links.link_type = 'amendment' and links.is_kept and links.child_id = booked.contract_id
    left join {{ ref('int_contracts') }} as parents on parents.contract_id = links.parent_id

),

{%- set ted_end = 'c.terminated_effective_date' if var('termination_effective_date_inclusive')
                  else 'c.terminated_effective_date - 1' %}

contract_level as (

    select
        c.contract_id as source_id,
        'contract' as source_level,
        c.contract_id,
        c.account_id,
        greatest(c.start_date, c.parent_start_date) as start_date,
        least(c.end_date, {{ ted_end }}, c.parent_end_date) as end_date,
        cast(c.arr as double) as arr,
        c.conversion_rate

    from contracts as c
    where c.has_assigned_override and c.end_date is not null and c.counts_toward_arr

),

line_level as (

    select
        lines.line_id as source_id,
        'line' as source_level,
        c.contract_id,
        c.account_id,
        greatest(lines.start_date, c.parent_start_date) as start_date,
        least(lines.end_date, {{ ted_end }}, c.parent_end_date) as end_date,
        lines.arr,
        c.conversion_rate

    from {{ ref('int_contract_lines') }} as lines
    inner join contracts as c on c.contract_id = lines.contract_id
    where not c.has_assigned_override and c.counts_toward_arr
      and lines.date_error is null
      and lines.arr <> 0

)

select
    source_id,
    source_level,
    contract_id,
    account_id,
    start_date,
    end_date,
    arr,
    -- Exact decimals so that an account's ARR sums to exactly zero when its contracts end.
    cast(round(arr / conversion_rate, 6) as decimal(38, 6)) as arr_corporate

from (select * from contract_level union all select * from line_level) as contributions
where conversion_rate is not null
  and end_date >= start_date
