{#- What a generic test reads from the model it tests: its `where` config as dbt does it and, for a model
    built incrementally by line (meta tests_cover: latest_build, see macros/incremental_by_fingerprint.sql), only the
    rows the latest build wrote. In a full build that is every row. A test of such a model that must read
    every row says so with meta reads: all_rows. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set conditions = [] -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if execute and (config.get('meta') or {}).get('reads') != 'all_rows' -%}
        {%- for node in graph.nodes.values()
              if node.resource_type == 'model' and node.alias == relation.identifier
                 and node.schema == relation.schema
                 and node.config.meta.get('tests_cover') == 'latest_build' -%}
            {%- do conditions.append('built_at = (select max(built_at) from ' ~ relation ~ ')') -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
