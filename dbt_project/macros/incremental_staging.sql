{#- The staging models of the large objects (accounts, opportunities and their lines, orders and order
    products, invoices, credit notes and their lines, usage summaries) are tables built incrementally by
    record; the small reference objects stay views.

    Every model above reads staging, and so does each of its tests. As views, each of those reads
    normalised every Id and renamed every column of the whole raw table again; as tables they are done once.
    Raw rows are never removed, only rewritten (an extract merges them by Id and stamps _extracted_at) or
    marked as gone from the org (_hard_deleted_at), so an incremental build restages only the records raw
    wrote since the newest one the table holds, replacing them by their key (delete+insert).

    A row also records the version it was staged by: a hash of the SQL of its columns as rendered, which
    the model, the macros it calls, the configured-field vars and the raw table's columns (a field the org
    gains changes what sf_field reads) all shape. A table whose rows were staged by another version is
    restaged whole, so a changed model or setting never leaves rows shaped by the old one.

    Each row also records the build that staged it (built_at), and the models' tests check the rows of the
    latest build (meta tests_cover: latest_build, see macros/get_where_subquery.sql): the rows of records
    raw has not written since were tested when they were staged. That holds for unique keys too, since a
    restaged record replaces its old row, and for relationships, since no staged row is ever removed. -#}

{#- When raw last wrote the record: extracted, or marked as gone from the org. -#}
{% macro raw_written_at() -%}
    greatest(_extracted_at, _hard_deleted_at)
{%- endmacro %}

{% macro staging_version(staged_columns) -%}
    '{{ local_md5(staged_columns) }}'
{%- endmacro %}

{#- The filter of the raw records to stage: every record on a first or full build, or when the table's rows
    were staged by another version; otherwise those raw wrote after the newest the table holds. -#}
{% macro records_to_stage(staged_columns) -%}
    {%- if is_incremental() %}
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
