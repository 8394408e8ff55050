{#- Models land in the schema their folder names (staging, intermediate, marts, reference), not in
    "<target>_<schema>", so analysts query marts.fct_contracts whatever the profile's target is. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
