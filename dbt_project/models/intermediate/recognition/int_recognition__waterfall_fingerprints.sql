-- One row per account of fct_revenue_waterfall ('UNKNOWN' for lines and documents without one): a hash of
-- everything its rows depend on, so that an incremental build recomputes only the accounts whose hash
-- changed (macros/incremental_by_fingerprint.sql). An account's rows are sums of its lines' published
-- schedule rows, which are a function of each line's adjusted_fingerprint, and of its billed documents
-- (int_recognition__billed_documents), converted with the dated rates into the corporate currency and
-- rounded to its decimals; the model's SQL is hashed too. Sums of hashes, not lists: the order of lines and documents does not matter,
-- and two identical documents do not cancel out.
-- The as-of date is left out: the waterfall restates is_past_or_current in place when the date moves.

with lines as (

    select
        coalesce(account_id, 'UNKNOWN') as account_id,
        sum(adjusted_fingerprint) as lines_hash

    from {{ ref('int_recognition__adjusted_fingerprints') }}
    group by 1

),

billed as (

    select
        account_id,
        sum(hash(document_object, document_id, document_date, amount, currency_code)) as documents_hash

    from {{ ref('int_recognition__billed_documents') }}
    group by 1

),

shared as (

    select hash(
        (select list((currency_code, conversion_rate, start_date, next_start_date)
                     order by currency_code, start_date)
         from {{ ref('int_conversion_rates') }}),
        {{ corporate_decimals() }},
        '{{ var("corporate_currency") }}',
        {{ models_code_hash(['fct_revenue_waterfall']) }}
    ) as shared_hash

)

select
    coalesce(lines.account_id, billed.account_id) as account_id,
    hash(coalesce(lines.account_id, billed.account_id), lines.lines_hash, billed.documents_hash,
         shared.shared_hash) as account_fingerprint

from lines
full outer join billed on billed.account_id = lines.account_id
cross join shared
