-- Every line revenue is recognised from, in one shape: order products (at their SSP-allocated price),
-- invoice lines, credit note lines (the inverse amount) and usage summaries. Each says how it is
-- recognised (its template and dates), its total revenue and cost, and, if it is left out, why.
--   Order products: include flag set and the order Activated.
--   Invoice lines: include flag set, the invoice Posted and its order (if any) Activated; As Invoiced in the
--   period of the invoice date.
--   Credit note lines: include flag set, the credit note Posted and its source invoice populated.
--   Usage summaries: include flag set; On Delivery in the period of the summary end date.
-- Cost: the total cost field, else unit cost (the line's, else the product's) × quantity.

with orders as (

    select * from {{ ref('stg_salesforce__orders') }}

),

products as (

    select product_id, unit_cost from {{ ref('stg_salesforce__products') }}

),

invoices as (

    select * from {{ ref('stg_salesforce__invoices') }}

),

credit_notes as (

    select * from {{ ref('stg_salesforce__credit_notes') }}

),

allocations as (

    select order_item_id, allocated_amount, is_allocated from {{ ref('int_revenue_allocations') }}

),

order_items as (

    select
        'OrderItem' as source_object,
        items.order_item_id as source_id,
        items.order_id,
        orders.account_id,
        items.product_id,
        items.recognition_template as template,
        items.start_date,
        items.end_date,
        coalesce(items.end_date, items.start_date) as event_date,
        coalesce(allocations.allocated_amount, items.total_price) as total_amount,
        coalesce(items.total_cost, coalesce(items.unit_cost, products.unit_cost) * items.quantity) as total_cost,
        coalesce(items.currency_code, orders.currency_code) as currency_code,
        items.is_delivered,
        items.percent_complete,
        orders.effective_date as rate_date,
        case
            when not coalesce(items.include_in_recognition, false) then 'include flag is not set'
            when orders.order_id is null or orders.is_deleted then 'order is missing'
            when orders.order_status <> 'Activated' then 'order is not Activated (' || orders.order_status || ')'
        end as exclusion_reason,
        '{{ "ffrrIncludeInRevenueRecognition__c" }}' as exclusion_field

    from {{ ref('stg_salesforce__order_items') }} as items
    left join orders on orders.order_id = items.order_id
    left join products on products.product_id = items.product_id
    left join allocations on allocations.order_item_id = items.order_item_id
    where not items.is_deleted

),

invoice_lines as (

    select
        'blng__InvoiceLine__c' as source_object,
        lines.invoice_line_id as source_id,
        invoices.order_id,
        invoices.account_id,
        lines.product_id,
        lines.recognition_template as template,
        lines.start_date,
        lines.end_date,
        case when lines.recognition_template = 'As Invoiced' then invoices.invoice_date
             else coalesce(lines.end_date, lines.start_date) end as event_date,
        lines.subtotal as total_amount,
        coalesce(lines.total_cost, coalesce(lines.unit_cost, products.unit_cost) * lines.quantity) as total_cost,
        coalesce(lines.currency_code, invoices.currency_code) as currency_code,
        lines.is_delivered,
        lines.percent_complete,
        coalesce(orders.effective_date, invoices.invoice_date) as rate_date,
        case
            when not coalesce(lines.include_in_recognition, false) then 'include flag is not set'
            when invoices.invoice_id is null or invoices.is_deleted then 'invoice is missing'
            when invoices.invoice_status <> 'Posted' then 'invoice is not Posted (' || invoices.invoice_status || ')'
            when orders.order_status <> 'Activated' then 'order is not Activated (' || orders.order_status || ')'
        end as exclusion_reason,
        'ffrrIncludeInRevenueRecognition__c' as exclusion_field

    from {{ ref('stg_salesforce__invoice_lines') }} as lines
    left join invoices on invoices.invoice_id = lines.invoice_id
    left join orders on orders.order_id = invoices.order_id
    left join products on products.product_id = lines.product_id
    where not lines.is_deleted

),

credit_note_lines as (

    select
        'blng__CreditNoteLine__c' as source_object,
        lines.credit_note_line_id as source_id,
        source_invoices.order_id,
        credit_notes.account_id,
        lines.product_id,
        lines.recognition_template as template,
        lines.start_date,
        lines.end_date,
        case when lines.recognition_template = 'As Invoiced' then credit_notes.credit_note_date
             else coalesce(lines.end_date, lines.start_date) end as event_date,
        -lines.subtotal as total_amount,
        -coalesce(lines.total_cost, lines.unit_cost) as total_cost,
        coalesce(lines.currency_code, credit_notes.currency_code) as currency_code,
        lines.is_delivered,
        lines.percent_complete,
        coalesce(orders.effective_date, credit_notes.credit_note_date) as rate_date,
        case
            when not coalesce(lines.include_in_recognition, false) then 'include flag is not set'
            when credit_notes.credit_note_id is null or credit_notes.is_deleted then 'credit note is missing'
            when credit_notes.credit_note_status <> 'Posted'
                then 'credit note is not Posted (' || credit_notes.credit_note_status || ')'
            when credit_notes.source_invoice_id is null then 'credit note has no source invoice'
        end as exclusion_reason,
        'ffrrIncludeInRevenueRecognition__c' as exclusion_field

    from {{ ref('stg_salesforce__credit_note_lines') }} as lines
    left join credit_notes on credit_notes.credit_note_id = lines.credit_note_id
    left join invoices as source_invoices on source_invoices.invoice_id = credit_notes.source_invoice_id
    left join orders on orders.order_id = source_invoices.order_id
    where not lines.is_deleted

),

usage_summaries as (

    select
        'blng__UsageSummary__c' as source_object,
        summaries.usage_summary_id as source_id,
        summaries.order_id,
        coalesce(summaries.account_id, orders.account_id) as account_id,
        order_items.product_id,
        summaries.recognition_template as template,
        summaries.summary_start_date as start_date,
        summaries.summary_end_date as end_date,
        coalesce(summaries.summary_end_date, summaries.summary_start_date) as event_date,
        summaries.total_revenue as total_amount,
        coalesce(summaries.total_cost, summaries.unit_cost * summaries.total_quantity) as total_cost,
        coalesce(summaries.currency_code, orders.currency_code) as currency_code,
        summaries.is_delivered,
        summaries.percent_complete,
        coalesce(orders.effective_date, summaries.summary_start_date) as rate_date,
        case
            when not coalesce(summaries.include_in_recognition, false) then 'include flag is not set'
        end as exclusion_reason,
        'ffrrIncludeInRevenueRecognition__c' as exclusion_field

    from {{ ref('stg_salesforce__usage_summaries') }} as summaries
    left join orders on orders.order_id = summaries.order_id
    left join {{ ref('stg_salesforce__order_items') }} as order_items
        on order_items.order_item_id = summaries.order_item_id
    where not summaries.is_deleted

),

lines as (

    select * from order_items
    union all
    select * from invoice_lines
    union all
    select * from credit_note_lines
    union all
    select * from usage_summaries

),

classified as (

    select
        lines.*,
        case
            when template in ('Equal Split Days', 'Equal Split Months', 'Equal Split Months/PP',
                              'Equal Split Months/PP with Actual Days', 'Equal Split 445') then 'range'
            when template in ('Deliverable', 'On Delivery', 'As Invoiced') then 'single_date'
            when template = '% Complete' then 'progress'
        end as template_kind

    from lines

),

rates as (

    select * from {{ ref('int_conversion_rates') }}

)

select
    classified.source_object,
    classified.source_id,
    classified.order_id,
    classified.account_id,
    classified.product_id,
    classified.template,
    classified.template_kind,
    case when classified.template = 'Equal Split 445' then 'fiscal_445' else 'month' end as period_calendar,
    classified.start_date,
    classified.end_date,
    classified.event_date,
    -- totals in the currency's decimals (a JPY cost of 364.19 is 364)
    {{ round_to_currency('classified.total_amount', 'coalesce(currencies.decimal_places, 2)') }} as total_amount,
    {{ round_to_currency('coalesce(classified.total_cost, 0)', 'coalesce(currencies.decimal_places, 2)') }}
        as total_cost,
    classified.currency_code,
    coalesce(currencies.decimal_places, 2) as decimal_places,
    classified.is_delivered,
    classified.percent_complete,
    rates.conversion_rate,
    coalesce(
        classified.exclusion_reason,
        case
            when classified.template is null then 'no recognition template'
            when classified.template_kind is null then 'unknown recognition template ''' || classified.template || ''''
            when classified.total_amount is null then 'no total amount'
            when classified.template_kind in ('range', 'progress') and classified.start_date is null
                then 'no start date'
            when classified.template_kind = 'range' and classified.end_date is null then 'no end date'
            when classified.template_kind = 'range' and classified.end_date < classified.start_date
                then 'end date ' || classified.end_date || ' is before start date ' || classified.start_date
            when classified.template_kind = 'single_date' and classified.event_date is null
                then 'no date to recognise on'
        end
    ) as exclusion_reason,
    case
        when classified.exclusion_reason is not null then 'info'
        when classified.template is null or classified.template_kind is null or classified.total_amount is null
          or (classified.template_kind in ('range', 'progress') and classified.start_date is null)
          or (classified.template_kind = 'range'
              and (classified.end_date is null or classified.end_date < classified.start_date))
          or (classified.template_kind = 'single_date' and classified.event_date is null)
            then 'error'
    end as exclusion_severity,
    case
        when classified.exclusion_reason is not null then classified.exclusion_field
        when classified.template is null or classified.template_kind is null then 'ffrrTemplate__c'
        when classified.total_amount is null then 'total'
        when (classified.template_kind in ('range', 'progress') and classified.start_date is null)
          or (classified.template_kind = 'range'
              and (classified.end_date is null or classified.end_date < classified.start_date))
          or (classified.template_kind = 'single_date' and classified.event_date is null)
            then 'dates'
    end as exclusion_field

from classified
left join {{ ref('currencies') }} as currencies on currencies.currency_code = classified.currency_code
left join rates
    on rates.currency_code = classified.currency_code
   and classified.rate_date >= rates.start_date
   and classified.rate_date < rates.next_start_date
