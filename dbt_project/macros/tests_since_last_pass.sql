{#- The models built incrementally (staging by record, macros/incremental_staging.sql; the schedule by line
    or account, macros/incremental_by_fingerprint.sql) keep most of their rows from one build to the next.
    Such a model says so with meta tests_cover: rows_since_last_pass, and every row carries built_at.

    Each test of it reads the rows built since that test last passed on it (get_where_subquery), not every
    row: a row a test passed on is not read by it again until a build rewrites the row. A test that fails,
    or is not run, records nothing, so the rows it has not passed on stay in its scope: a test failing on
    rows that the next build leaves alone fails again on the next run, and on every run until the rows are
    fixed. A full build rewrites every row, so its tests read every row. A test that must read every row
    says so with meta reads: all_rows. Every relationships test reads every row too (get_where_subquery
    tells them by name), since a parent can lose a row while no child row is built again. The tests that
    compare a line's status with its schedule rows (equals_sum_over_keys, schedule_holds_progress_earned)
    stay scoped: a line whose schedule rows change gets a new adjusted fingerprint, which its status
    fingerprint covers, so its status row is built again and read.

    The record is dbt_state.passed_tests: per test and model, the newest built_at of the model's rows when
    the test last passed, and a hash of the test's compiled SQL. The on-run-start hook creates it; the
    on-run-end hook writes it from the invocation's results. A test's unique_id survives a change of what
    it checks (its where config, a var in its arguments, the generic test's body), so a pass is recorded
    only by a test whose SQL is the one that passed before (or that had no record, so read every row);
    otherwise its record is dropped and its next run reads every row. A pass is not recorded from a
    `--empty` build (every ref reads no rows) or from a test whose failures are counted against a
    threshold (warn_if, error_if, fail_calc other than dbt's defaults: some failing rows still pass). -#}

{% macro passed_tests_table() -%}
    dbt_state.passed_tests
{%- endmacro %}

{#- The commands that run tests, so read and write the record (dbt runs the hooks for others too, such
    as `docs generate` on the read-only analyst copy). -#}
{% macro runs_tests() -%}
    {{ return(execute and flags.WHICH in ['build', 'test', 'retry']) }}
{%- endmacro %}

{#- on-run-start: the record, created if this warehouse has none yet. -#}
{% macro create_passed_tests_table() -%}
    {%- if runs_tests() -%}
        {%- do run_query('create schema if not exists dbt_state') -%}
        {%- do run_query('create table if not exists ' ~ passed_tests_table() ~ ' (test_id varchar, model_id varchar, '
                         ~ 'passed_through timestamp, passed_at timestamp, definition varchar)') -%}
    {%- endif -%}
{%- endmacro %}

{#- The models whose tests read the rows built since they last passed: unique_id → relation. -#}
{% macro models_tested_since_last_pass() -%}
    {%- set models = {} -%}
    {%- for node in graph.nodes.values()
          if node.resource_type == 'model' and node.config.meta.get('tests_cover') == 'rows_since_last_pass' -%}
        {%- do models.update({node.unique_id: node.relation_name}) -%}
    {%- endfor -%}
    {{ return(models) }}
{%- endmacro %}

{#- In a test (get_where_subquery): true for the rows of `model_id` built since this test last passed on it. -#}
{% macro built_since_last_pass(model_id) -%}
    built_at > coalesce(
        (select max(passed_through) from {{ passed_tests_table() }}
         where test_id = '{{ model.unique_id }}' and model_id = '{{ model_id }}'),
        '-infinity'::timestamp)
{%- endmacro %}

{#- True when a passing result of this test means no row it read failed: dbt's default count of failures,
    failing on any. -#}
{% macro passes_mean_no_failures(test) -%}
    {%- set config = test.config -%}
    {{ return(config.get('fail_calc', 'count(*)') == 'count(*)' and config.get('warn_if', '!= 0') == '!= 0'
              and config.get('error_if', '!= 0') == '!= 0') }}
{%- endmacro %}

{#- on-run-end: for every test that passed, the newest built_at of each such model it reads (the rows it
    has now passed on). A test that failed, warned, erred or was skipped changes nothing. -#}
{% macro record_passed_tests() -%}
    {%- if runs_tests() and not flags.EMPTY -%}
        {%- set models = models_tested_since_last_pass() -%}
        {%- set passes = [] -%}
        {%- set newest = {} -%}
        {%- for result in results if result.node.resource_type == 'test' and result.status == 'pass'
                                      and passes_mean_no_failures(result.node) -%}
            {%- for parent in result.node.depends_on.nodes if parent in models -%}
                {%- do passes.append("select '" ~ result.node.unique_id ~ "' as test_id, '" ~ parent
                                     ~ "' as model_id, '" ~ local_md5(result.node.compiled_code or '')
                                     ~ "' as definition") -%}
                {#- each model's newest row, read once however many of its tests passed -#}
                {%- do newest.update({parent: "select '" ~ parent ~ "' as model_id, max(built_at) as passed_through "
                                              ~ "from " ~ models[parent]}) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if passes -%}
            {%- set table = passed_tests_table() -%}
            {%- do run_query('create or replace temp table _passed_tests as select passes.*, newest.passed_through '
                             ~ 'from (' ~ passes | join(' union all ') ~ ') as passes inner join ('
                             ~ newest.values() | join(' union all ') ~ ') as newest using (model_id)') -%}
            {#- kept: the passes of a test with no record yet, or whose record is of the same SQL -#}
            {%- do run_query('create or replace temp table _kept_passes as select passed.* from _passed_tests as passed '
                             ~ 'where passed.passed_through is not null and not exists (select 1 from ' ~ table
                             ~ ' as recorded where recorded.test_id = passed.test_id and recorded.model_id = '
                             ~ 'passed.model_id and recorded.definition is distinct from passed.definition)') -%}
            {%- do run_query('delete from ' ~ table ~ ' where (test_id, model_id) in '
                             ~ '(select (test_id, model_id) from _passed_tests)') -%}
            {%- do run_query('insert into ' ~ table ~ ' (test_id, model_id, passed_through, passed_at, definition) '
                             ~ 'select test_id, model_id, passed_through, ' ~ build_timestamp() ~ ', definition '
                             ~ 'from _kept_passes') -%}
            {%- do run_query('drop table _passed_tests') -%}
            {%- do run_query('drop table _kept_passes') -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
