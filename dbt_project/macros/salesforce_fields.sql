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

{#- A configured field read as `type`; a value that does not fit (a contract date kept in a text field that
    says 'next Tuesday') is read as empty rather than failing the build for every record, and is listed in
    stg_salesforce__unfit_values, so fct_data_issues names it. -#}
{% macro sf_typed(columns, field_name, type, fallback='null') -%}
    try_cast({{ sf_field(columns, field_name, fallback) }} as {{ type }})
{%- endmacro %}
