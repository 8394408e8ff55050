{#- Models built incrementally by source line: int_recognition__range_periods and int_recognition__schedule
    (fingerprints in int_recognition__line_fingerprints), int_recognition__schedule_adjusted and
    fct_revenue_schedule (int_recognition__adjusted_fingerprints).

    The schedule has tens of millions of rows, but a line's rows depend only on the line and on what every
    line shares (the fiscal calendar, the rounding mode, the closing date, the models' SQL). A fingerprints
    model hashes all of that per line, every row carries its line's fingerprint, and an incremental build
    regenerates only the lines whose fingerprint is new: first the rows of every line whose fingerprint
    changed, or that is no longer listed, are deleted (a pre-hook, in the build's transaction); then the
    rows of every line whose fingerprint has no rows are added.
    Comparing content rather than SystemModstamp means a record touched without a real change costs
    nothing, and a change anywhere a line depends on is never missed. A line left without rows by a failed
    build has no rows with its fingerprint, so the next build regenerates it.

    Every row also records when it was built (built_at), and the tests of these models check the rows of
    the latest build (get_where_subquery): the rows of unchanged lines were tested when they were written. -#}

{#- True when the model's table exists and was built by line (a table from before has no fingerprints:
    all of it is rebuilt, and on_schema_change adds the new columns). -#}
{% macro built_by_line() -%}
    {#- a unit test has no `this`: it builds from its given rows -#}
    {%- if not (execute and this is not none and is_incremental()) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set names = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return('line_fingerprint' in names) }}
{%- endmacro %}

{#- The pre-hook: delete the rows of the lines whose `fingerprint` column in the `fingerprints` model differs
    from the one they were built with, or that it no longer lists. -#}
{% macro delete_rows_of_changed_lines(fingerprints, fingerprint) -%}
    {%- if is_incremental() and not built_by_line() %}
    delete from {{ this }}
    {%- elif is_incremental() %}
    delete from {{ this }} as built
    where not exists (
        select 1
        from {{ ref(fingerprints) }} as fingerprints
        where fingerprints.source_object = built.source_object
          and fingerprints.source_id = built.source_id
          and fingerprints.{{ fingerprint }} = built.line_fingerprint
    )
    {%- endif %}
{%- endmacro %}

{#- In the model: true for a line that has no rows built from its current fingerprint (the `fingerprint`
    column of `fingerprints_alias`, a row of the fingerprints model). -#}
{% macro line_not_yet_built(fingerprints_alias, fingerprint) -%}
    {%- if built_by_line() -%}
    not exists (
        select 1
        from {{ this }} as built
        where built.source_object = {{ fingerprints_alias }}.source_object
          and built.source_id = {{ fingerprints_alias }}.source_id
          and built.line_fingerprint = {{ fingerprints_alias }}.{{ fingerprint }}
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- A hash of the named models' SQL, so that changing a model regenerates every line it builds. -#}
{% macro models_code_hash(names) -%}
    {%- set hashes = [] -%}
    {%- for node in (graph.nodes.values() if execute else []) if node.resource_type == 'model' and node.name in names -%}
        {%- do hashes.append(node.name ~ ':' ~ local_md5(node.raw_code)) -%}
    {%- endfor -%}
    '{{ hashes | sort | join(",") }}'
{%- endmacro %}

{#- A hash of the 4-4-5 fiscal calendar, which every line's periods and fiscal_period depend on. -#}
{% macro fiscal_calendar_hash() -%}
    (select hash(list((period_key, period_start, period_end) order by period_start))
     from {{ ref('dim_fiscal_calendar') }}
     where calendar = 'fiscal_445')
{%- endmacro %}

{#- When the rows were built: the same instant for every row one dbt invocation writes. -#}
{% macro build_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- The post-hook of fct_revenue_schedule: when the as-of date moved since its rows were built, restate
    its two as-of columns in place rather than computing every line again. -#}
{% macro restate_as_of_date() -%}
    {%- if is_incremental() %}
    update {{ this }}
    set as_of_date = {{ as_of_date() }},
        is_recognized = schedule_status = 'scheduled' and period_end <= {{ as_of_date() }}
    where as_of_date is distinct from {{ as_of_date() }}
    {%- endif %}
{%- endmacro %}
