{#- What a generic test reads from the model it tests: its `where` config as dbt does it and, for a model
    built incrementally (meta tests_cover: rows_since_last_pass, see macros/tests_since_last_pass.sql),
    only the rows built since this test last passed on it. In a full build that is every row. A test of
    such a model that must read every row says so with meta reads: all_rows.

    A test that a model's rows find their parent in another model (relationships, relationships_on_columns)
    always reads every row: the parent can lose a row without any child row being rebuilt (an account
    deleted in the org while its lines stay, or a change to the parent model's SQL), and only the child
    rows already passed on would show it. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set conditions = [] -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if execute and (config.get('meta') or {}).get('reads') != 'all_rows' and not checks_parent_rows() -%}
        {%- for node in graph.nodes.values()
              if node.resource_type == 'model' and node.alias == relation.identifier
                 and node.schema == relation.schema
                 and node.config.meta.get('tests_cover') == 'rows_since_last_pass' -%}
            {%- do conditions.append(built_since_last_pass(node.unique_id)) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- True in a test that each row finds its parent row in another model. -#}
{% macro checks_parent_rows() -%}
    {%- set metadata = model.test_metadata if model is mapping and model.test_metadata else {} -%}
    {{ return(metadata.get('name') in ['relationships', 'relationships_on_columns']) }}
{%- endmacro %}
