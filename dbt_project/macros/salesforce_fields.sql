{#- Reading raw Salesforce tables whose custom fields differ per org. -#}

{#- The lower-cased column names of a relation (empty while dbt only parses the project). -#}
{% macro salesforce_columns(relation) -%}
    {%- if execute -%}
        {%- set names = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do names.append(column.name | lower) -%}
        {%- endfor -%}
        {{- return(names) -}}
    {%- else -%}
        {{- return([]) -}}
    {%- endif -%}
{%- endmacro %}

{#- A configured field: the quoted column when the org has it, otherwise `fallback` (typed NULL by
    default). A field an org lacks must not break the build; its absence surfaces as missing values. -#}
{% macro sf_field(columns, field_name, fallback='null') -%}
    {%- if field_name and (field_name | lower) in columns -%}
        {{ adapter.quote(field_name) }}
    {%- else -%}
        {{ fallback }}
    {%- endif -%}
{%- endmacro %}

{#- A Salesforce Id in its 18-character, case-safe form. A 15-character Id gets the suffix that encodes
    which of its characters are upper case; anything else is returned trimmed and unchanged. -#}
{% macro sf_id(column) -%}
    case
        when length(trim({{ column }})) = 15 then trim({{ column }})
        {%- for block in range(3) %}
            || substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 1
            {%- for position in range(5) %}
                + case when substr(trim({{ column }}), {{ block * 5 + position + 1 }}, 1) between 'A' and 'Z'
                       then {{ 2 ** position }} else 0 end
            {%- endfor %}, 1)
        {%- endfor %}
        else nullif(trim({{ column }}), '')
    end
{%- endmacro %}

{#- The configured fields (the *_field vars) that staging reads as something other than text, by raw table:
    the object's API name and each var's type. sf_typed reads them as that type, stg_salesforce__unfit_values
    lists the values that do not fit it: one list, so the two can never disagree. -#}
{% macro configured_typed_fields() -%}
    {{ return({
        'opportunity': {'object': 'Opportunity', 'fields': {
            'assigned_arr_field': 'decimal(18, 2)', 'assigned_mrr_field': 'decimal(18, 2)',
            'contract_start_date_field': 'date', 'contract_end_date_field': 'date',
            'termination_date_field': 'date', 'terminated_effective_date_field': 'date',
            'opportunity_import_filter_field': 'boolean'}},
        'opportunitylineitem': {'object': 'OpportunityLineItem', 'fields': {
            'item_assigned_arr_field': 'decimal(18, 2)', 'item_assigned_mrr_field': 'decimal(18, 2)',
            'line_start_date_field': 'date', 'line_end_date_field': 'date'}},
        'product2': {'object': 'Product2', 'fields': {
            'product_ssp_field': 'decimal(18, 2)', 'product_unit_cost_field': 'decimal(18, 2)',
            'product_recurring_field': 'boolean'}},
    }) }}
{%- endmacro %}

{#- The configured field of this var, read as its type from configured_typed_fields. A value that does not
    fit (a contract date kept in a text field that says 'next Tuesday') is read as empty rather than failing
    the build for every record, and stg_salesforce__unfit_values lists it, so fct_data_issues names it. -#}
{% macro sf_typed(columns, var_name, fallback='null') -%}
    {%- set found = namespace(type=none) -%}
    {%- for table, spec in configured_typed_fields().items() if var_name in spec.fields -%}
        {%- set found.type = spec.fields[var_name] -%}
    {%- endfor -%}
    {%- if found.type is none -%}
        {{ exceptions.raise_compiler_error("sf_typed: " ~ var_name ~ " is not in configured_typed_fields") }}
    {%- endif -%}
    try_cast({{ sf_field(columns, var(var_name), fallback) }} as {{ found.type }})
{%- endmacro %}
