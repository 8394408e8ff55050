-- What has been billed: every Posted invoice at its subtotal and every Posted credit note at the inverse,
-- one row per document, dated by the document and kept in its own currency. The waterfall sums it into
-- billed revenue and its fingerprints hash it, so the two can never disagree on which documents count.
-- A document without an account is billed to 'UNKNOWN', as the waterfall reports it.

with invoices as (

    select
        coalesce(account_id, 'UNKNOWN') as account_id,
        'blng__Invoice__c' as document_object,
        invoice_id as document_id,
        invoice_date as document_date,
        subtotal as amount,
        currency_code

    from {{ ref('stg_salesforce__invoices') }}
    where not is_deleted and invoice_status = 'Posted'

),

credit_notes as (

    select
        coalesce(account_id, 'UNKNOWN') as account_id,
        'blng__CreditNote__c' as document_object,
        credit_note_id as document_id,
        credit_note_date as document_date,
        -subtotal as amount,
        currency_code

    from {{ ref('stg_salesforce__credit_notes') }}
    where not is_deleted and credit_note_status = 'Posted'

)

select * from invoices
union all
select * from credit_notes
