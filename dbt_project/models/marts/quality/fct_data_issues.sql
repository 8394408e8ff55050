-- Every problem found in the Salesforce data, one row each: the object, record Id and field, the rule,
-- its severity and what the pipeline did about it. A bad record is reported here and handled by the
-- documented rule; it is never silently dropped.

{%- set load_issues = adapter.get_relation(database=target.database, schema='raw', identifier='_load_issues')
                      if execute else none %}

with issues as (

    select * from {{ ref('int_data_issues__contracts') }}
    union all
    select * from {{ ref('int_data_issues__links') }}
    union all
    select * from {{ ref('int_data_issues__recognition') }}
    union all
    select * from {{ ref('int_data_issues__values') }}
    union all
    select 'Account', account_id, 'ARR', 'negative account ARR', 'error',
           'ARR at ' || month_end || ' is ' || arr || ': downsells exceed what the account had',
           month_end::varchar
    from {{ ref('fct_arr_monthly') }} where arr < 0
    union all
    select object, record_id, field, 'value does not fit the field type', 'error',
           '''' || left(value, 100) || ''' is not a ' || expected_type || ' (' || field
               || ' is configured as one); it is read as empty', null
    from {{ ref('stg_salesforce__unfit_values') }}
    {%- if load_issues %}
    union all
    select object, record_id, field, 'value does not fit the field type', 'error',
           message || ' (value ' || coalesce('''' || left(value, 100) || '''', 'empty') || ')', null
    from {{ load_issues }}
    {%- endif %}

)

select
    md5(concat_ws('|', object, record_id, field, rule, related_record_id)) as issue_id,
    object,
    record_id,
    field,
    rule,
    severity,
    message,
    related_record_id,
    {{ as_of_date() }} as as_of_date

from issues
