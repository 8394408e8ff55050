-- One row per contract line: each opportunity line item, plus one line for an opportunity sold without
-- line items (line_id = the opportunity Id).

with lines as (

    select * from {{ ref('int_contract_lines') }}

),

contracts as (

    select contract_id, conversion_rate from {{ ref('int_contracts') }}

)

select
    -- ids
    lines.line_id,
    lines.contract_id,
    lines.account_id,
    lines.product_id,

    -- product
    lines.product_code as sku,
    lines.product_name,
    lines.is_recurring,
    lines.product_match_method,
    lines.lookup_field as product_lookup_field,
    lines.lookup_value as product_lookup_value,
    lines.is_synthetic as is_single_line_contract,

    -- amounts in the contract currency; MRR/ARR/ACV are DOUBLE, rounded HALF-UP via 9 decimals so that an exact
    -- half cent the DOUBLE holds as x.xx4999… still rounds up (ACV = ARR + one-time to the cent)
    lines.quantity,
    lines.unit_price,
    cast(lines.term_revenue as decimal(18, 2)) as term_revenue,
    cast(lines.one_time_revenue as decimal(18, 2)) as one_time_revenue,
    cast(round(cast(lines.mrr as decimal(38, 9)), 2) as decimal(18, 2)) as mrr,
    cast(round(cast(lines.arr as decimal(38, 9)), 2) as decimal(18, 2)) as arr,
    lines.currency_code,
    cast(round(cast(lines.arr / contracts.conversion_rate as decimal(38, 9)), 2) as decimal(18, 2)) as arr_corporate,

    -- dates after the override rule
    lines.start_date,
    lines.end_date,
    lines.start_date_source,
    lines.end_date_source,
    lines.term_months,

    -- overrides and quality
    lines.item_assigned_arr,
    lines.item_assigned_mrr,
    lines.arr_override,
    lines.date_error

from lines
left join contracts on contracts.contract_id = lines.contract_id
