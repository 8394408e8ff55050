-- What each Booked contract adds to its account's ARR, and when, in the corporate currency.
-- A contract with both Assigned ARR and Assigned MRR contributes its assigned ARR over its own dates;
-- otherwise each line contributes over the line's dates (amendment lines within the amendment's dates,
-- negative for downsells). ARR stops at the Terminated Effective Date. Lines with date errors or a
-- contract without an exchange rate contribute nothing (and are listed in fct_data_issues).

with booked as (

    select * from {{ ref('int_contracts') }}
    where stage_category = 'Booked'

),

-- An amendment stops when its parent is terminated, as well as on its own termination.
contracts as (

    select
        booked.* replace (
            least(booked.terminated_effective_date, parents.terminated_effective_date) as terminated_effective_date
        )
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
        c.start_date,
        least(c.end_date, {{ ted_end }}) as end_date,
        cast(c.arr as double) as arr,
        c.conversion_rate

    from contracts as c
    where c.has_assigned_override and c.end_date is not null

),

line_level as (

    select
        lines.line_id as source_id,
        'line' as source_level,
        c.contract_id,
        c.account_id,
        lines.start_date,
        least(lines.end_date, {{ ted_end }}) as end_date,
        lines.arr,
        c.conversion_rate

    from {{ ref('int_contract_lines') }} as lines
    inner join contracts as c on c.contract_id = lines.contract_id
    where not c.has_assigned_override
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
