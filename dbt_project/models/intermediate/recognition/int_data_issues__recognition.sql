-- Lines left out of recognition, with the reason: errors (no template, an unknown template, missing or
-- inverted dates, no total) and, as information, lines deliberately not recognised here (include flag not
-- set, order not Activated, invoice or credit note not Posted). Orders whose SSPs could not be used for
-- allocation, and lines without an exchange rate, are reported too. Nothing disappears silently.

with lines as (

    select * from {{ ref('int_recognition__source_lines') }}

),

date_fields as (

    select * from (values
        ('OrderItem', 'ServiceDate', 'EndDate'),
        ('blng__InvoiceLine__c', 'blng__StartDate__c', 'blng__EndDate__c'),
        ('blng__CreditNoteLine__c', 'blng__StartDate__c', 'blng__EndDate__c'),
        ('blng__UsageSummary__c', 'blng__SummaryStartDate__c', 'blng__SummaryEndDate__c')
    ) as t(source_object, start_field, end_field)

)

select
    lines.source_object as object,
    lines.source_id as record_id,
    case
        when lines.exclusion_field <> 'dates' then lines.exclusion_field
        when lines.exclusion_reason like 'no start date%' then date_fields.start_field
        else date_fields.end_field
    end as field,
    case when lines.exclusion_severity = 'error' then 'not recognised: bad recognition data'
         else 'not recognised here' end as rule,
    lines.exclusion_severity as severity,
    lines.exclusion_reason || case when lines.exclusion_severity = 'error'
                                   then '; the line has no revenue schedule until it is fixed'
                                   else '' end as message,
    lines.order_id as related_record_id

from lines
left join date_fields on date_fields.source_object = lines.source_object
where lines.exclusion_reason is not null

union all

select distinct 'Order', order_id, 'ffrrStandaloneSellingPrice__c', 'allocation skipped', 'warning',
       'a line has a negative price or an SSP that is not positive, so the transaction price is not '
           || 'reallocated by SSP; each line keeps its own price',
       null
from {{ ref('int_revenue_allocations') }}
where not is_allocated

union all

select source_object, source_id, 'CurrencyIsoCode', 'missing FX rate', 'error',
       'no DatedConversionRate for ' || currency_code || ' on the contract start date: corporate amounts of '
           || 'its schedule are empty',
       order_id
from lines
where exclusion_reason is null and conversion_rate is null
