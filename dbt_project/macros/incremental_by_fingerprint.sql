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

    fct_recognition_status is built the same way by line (int_recognition__status_fingerprints), and also
    sums again the lines with a period between the as-of date their row was built for and today's.
    fct_revenue_waterfall is built the same way by account (int_recognition__waterfall_fingerprints): an
    account's months are sums over its lines and documents, so they are recomputed only when the account's
    fingerprint changed, and the 'ALL' rows are summed again from every account's rows.

    Every row also records when it was built (built_at), and each test of these models reads the rows
    built since it last passed on the model (macros/tests_since_last_pass.sql): the rows of unchanged lines
    were tested when they were written, and rows a test failed on stay in its scope until it passes. The
    relationships tests read every row (macros/get_where_subquery.sql). -#}

{#- True when the model's table exists and was built by fingerprint: it has the `built_column` (a table
    from before has none: all of it is rebuilt, and on_schema_change adds the new columns). -#}
{% macro built_by_fingerprint(built_column='line_fingerprint') -%}
    {{ return(incremental_table_has(built_column)) }}
{%- endmacro %}

{#- True when this build is incremental and the model's existing table has `column`: how a model built by a
    scheme of its own (by fingerprint here, by record in macros/incremental_staging.sql) tells a table it
    built from one left by an earlier materialisation. -#}
{% macro incremental_table_has(column) -%}
    {#- a unit test has no `this`: it builds from its given rows -#}
    {%- if not (execute and this is not none and is_incremental()) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set names = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return(column in names) }}
{%- endmacro %}

{#- The pre-hook: delete the rows whose `fingerprint` column in the `fingerprints` model differs from the
    one they were built with (`built_column`), or whose `keys` (a line's, by default) it no longer lists. -#}
{% macro delete_rows_of_changed_fingerprints(fingerprints, fingerprint, keys=['source_object', 'source_id'],
                                      built_column='line_fingerprint') -%}
    {%- if is_incremental() and not built_by_fingerprint(built_column) %}
    delete from {{ this }}
    {%- elif is_incremental() %}
    delete from {{ this }} as built
    where not exists (
        select 1
        from {{ ref(fingerprints) }} as fingerprints
        where {% for key in keys %}fingerprints.{{ key }} = built.{{ key }} and {% endfor -%}
              fingerprints.{{ fingerprint }} = built.{{ built_column }}
    )
    {%- endif %}
{%- endmacro %}

{#- In the model: true for a line (or the `keys` of another unit) that has no rows built from its current
    fingerprint (the `fingerprint` column of `fingerprints_alias`, a row of the fingerprints model). The
    built (keys, fingerprint) pairs are made distinct first: the anti-join then hashes one entry per line
    rather than one per row (2.9M instead of 23.7M for the schedule at 1,000,000 opportunities). -#}
{% macro not_yet_built(fingerprints_alias, fingerprint, keys=['source_object', 'source_id'],
                            built_column='line_fingerprint') -%}
    {%- if built_by_fingerprint(built_column) -%}
    not exists (
        select 1
        from (select distinct {{ keys | join(', ') }}, {{ built_column }} from {{ this }}) as built
        where {% for key in keys %}built.{{ key }} = {{ fingerprints_alias }}.{{ key }} and {% endfor -%}
              built.{{ built_column }} = {{ fingerprints_alias }}.{{ fingerprint }}
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

{#- The post-hooks of the marts whose columns follow from the as-of date: when it moved since their rows
    were built, those columns are restated in place rather than every line or account computed again. -#}
{% macro restate_as_of_date() -%}
    {{ restate_in_place({
        'as_of_date': as_of_date(),
        'is_recognized': "schedule_status = 'scheduled' and period_end <= " ~ as_of_date(),
    }) }}
{%- endmacro %}

{% macro restate_past_or_current() -%}
    {{ restate_in_place({'is_past_or_current': 'month_start <= ' ~ as_of_date()}) }}
{%- endmacro %}

{% macro restate_status_as_of_date() -%}
    {{ restate_in_place({'as_of_date': as_of_date()}) }}
{%- endmacro %}

{#- Set each column to its expression (a mapping of column to SQL) on the rows where any differs; nothing
    on a first or full build, which computes them. -#}
{% macro restate_in_place(columns) -%}
    {%- if is_incremental() %}
    update {{ this }}
    set {% for column, expression in columns.items() %}{{ column }} = {{ expression }}{{ ', ' if not loop.last }}{% endfor %}
    where {% for column, expression in columns.items() -%}
        {{ column }} is distinct from ({{ expression }}){{ ' or ' if not loop.last }}
    {%- endfor %}
    {%- endif %}
{%- endmacro %}

{#- A pre-hook of fct_recognition_status: delete the status of the lines with a scheduled period ending
    between the as-of date their row was built for and today's: their amounts to date have changed. -#}
{% macro delete_status_of_lines_the_as_of_date_passed() -%}
    {%- if execute and is_incremental() and built_by_fingerprint() -%}
    {%- set earlier = run_query('select min(as_of_date), max(as_of_date) from ' ~ this
                                ~ ' where as_of_date is distinct from ' ~ as_of_date()).rows[0] -%}
    {%- if earlier[0] is not none %}
    delete from {{ this }} as built
    where built.as_of_date is distinct from {{ as_of_date() }}
      and exists (
        select 1
        from {{ ref('fct_revenue_schedule') }} as schedule
        where schedule.source_object = built.source_object
          and schedule.source_id = built.source_id
          and schedule.schedule_status = 'scheduled'
          and schedule.period_end > least(built.as_of_date, {{ as_of_date() }})
          and schedule.period_end <= greatest(built.as_of_date, {{ as_of_date() }})
          -- the same bounds for every row at once, so that the scan reads only the periods between
          and schedule.period_end > least(date '{{ earlier[0] }}', {{ as_of_date() }})
          and schedule.period_end <= greatest(date '{{ earlier[1] }}', {{ as_of_date() }})
      )
    {%- endif %}
    {%- endif -%}
{%- endmacro %}
