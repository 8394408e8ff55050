{#- The Revenue Cloud connector's recognition fields, identical on order products, invoice lines, credit
    note lines and usage summaries. Each reads as NULL where the org lacks it. -#}
{% macro recognition_fields(columns) -%}
        nullif(trim({{ sf_field(columns, 'ffrrTemplate__c', 'null::varchar') }}), '') as recognition_template,
        cast({{ sf_field(columns, 'ffrrIncludeInRevenueRecognition__c') }} as boolean) as include_in_recognition,
        cast({{ sf_field(columns, 'ffrrPercentComplete__c') }} as decimal(9, 4)) as percent_complete,
        coalesce(cast({{ sf_field(columns, 'ffrrDelivered__c') }} as boolean), false) as is_delivered,
        cast({{ sf_field(columns, 'ffrrStandaloneSellingPrice__c') }} as decimal(18, 2)) as standalone_selling_price,
        cast({{ sf_field(columns, 'ffrrUnitCost__c') }} as decimal(18, 2)) as unit_cost,
        cast({{ sf_field(columns, 'ffrrTotalCost__c') }} as decimal(18, 2)) as total_cost,
        cast({{ sf_field(columns, 'ffrrRecognizedToDate__c') }} as decimal(18, 2)) as salesforce_recognized_to_date,
        cast({{ sf_field(columns, 'ffrrAmortizedToDate__c') }} as decimal(18, 2)) as salesforce_amortized_to_date,
        coalesce(cast({{ sf_field(columns, 'ffrrRevenueRecognitionComplete__c') }} as boolean), false)
            as salesforce_recognition_complete,
        {{ sf_field(columns, 'ffrrBalanceSheetAccount__c') }} as balance_sheet_account,
        {{ sf_field(columns, 'ffrrIncomeStatementAccount__c') }} as income_statement_account
{%- endmacro %}
