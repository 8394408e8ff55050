{#- The staging models of the large objects (accounts, opportunities and their lines, orders and order
    products, invoices, credit notes and their lines, usage summaries) are tables built incrementally by
    record; the small reference objects stay views.

    Every model above reads staging, and so does each of its tests. As views, each of those reads
    normalised every Id and renamed every column of the whole raw table again; as tables they are done once.
    Raw rows are never removed, only rewritten (an extract merges them by Id and stamps _extracted_at) or
    marked as gone from the org (_hard_deleted_at), so an incremental build restages only the records raw
    wrote since the newest one the table holds, replacing them by their key (delete+insert).

    A row also records the version it was staged by: a hash of the SQL of its columns as rendered, which
    the model's column list, the macros it calls, the configured-field vars and the raw columns it reads
    all shape. Rows staged by another version are restaged, and a post-hook then deletes any row still of
    another version (a record whose key the new SQL no longer produces), so a changed column, macro or
    setting never leaves rows shaped by the old one. Another change (the key, or a filter) needs
    `dbt build --full-refresh --select staging`.

    Each row records the build that staged it (built_at), and each of the models' tests reads the rows
    staged since it last passed on the model (macros/tests_since_last_pass.sql). That holds for unique keys
    too, since a restaged record replaces its old row. Relationships tests read every row: a parent can lose
    a row while its children stay as they were passed on (macros/get_where_subquery.sql). After a full
    extract (the nightly reconciliation) raw stamps every record, so the next build restages every record
    once. -#}

{#- When raw last wrote the record: extracted, or marked as gone from the org. -#}
{% macro raw_written_at() -%}
    greatest(_extracted_at, _hard_deleted_at)
{%- endmacro %}

{#- The version rows are staged by: a hash of the rendered SQL of the staged columns. -#}
{% macro staging_version(staged_columns) -%}
    '{{ local_md5(staged_columns) }}'
{%- endmacro %}

{#- The filter of the raw records to stage: every record on a first or full build, or when the table's rows
    were staged by another version (or by no version: a table from before); otherwise those raw wrote after
    the newest the table holds. -#}
{% macro records_to_stage(staged_columns) -%}
    {%- if staged_incrementally() %}
    where {{ raw_written_at() }} > coalesce(
        (select max(loaded_at) from {{ this }} where staging_version = {{ staging_version(staged_columns) }}),
        '-infinity'::timestamp
    )
    {%- endif %}
{%- endmacro %}

{#- The bookkeeping columns every incrementally staged row carries. -#}
{% macro staging_bookkeeping(staged_columns) -%}
        {{ raw_written_at() }} as loaded_at,
        {{ staging_version(staged_columns) }} as staging_version,
        {{ build_timestamp() }} as built_at
{%- endmacro %}

{#- True when the table exists and was staged by record: it has the bookkeeping, which is added all at once (a
    table without it, left by an earlier materialisation, is restaged whole and on_schema_change adds it). -#}
{% macro staged_incrementally() -%}
    {{ return(incremental_table_has('staging_version')) }}
{%- endmacro %}

{#- The post-hook of the staging models: after a build that staged rows, delete those of another version. -#}
{% macro delete_rows_of_other_versions() -%}
    {%- if is_incremental() %}
    delete from {{ this }}
    where staging_version <> (select any_value(staging_version) from {{ this }} where built_at = {{ build_timestamp() }})
    {%- endif %}
{%- endmacro %}
