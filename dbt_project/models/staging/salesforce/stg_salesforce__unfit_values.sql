-- Values of the configured fields (the *_field vars in dbt_project.yml) that do not fit the type staging reads
-- them as: a contract date kept in a text field that says 'next Tuesday', an ARR override of 'n/a'. Staging
-- reads such a value as empty (sf_typed), so one bad record does not stop the build for every other; each is
-- listed here, one row per record and field, for fct_data_issues. Deleted records are left out. The fields
-- and their types are configured_typed_fields (macros/salesforce_fields.sql).

{%- for table, spec in configured_typed_fields().items() %}
{%- set relation = source('salesforce', table) %}
{%- set columns = salesforce_columns(relation) %}
{%- for var_name, type in spec.fields.items() %}
{%- set field = var(var_name) %}
{%- if field and (field | lower) in columns %}
select
    '{{ spec.object }}' as object,
    "Id" as record_id,
    '{{ field }}' as field,
    cast({{ adapter.quote(field) }} as varchar) as value,
    '{{ type }}' as expected_type
from {{ relation }}
where {{ adapter.quote(field) }} is not null
  and try_cast({{ adapter.quote(field) }} as {{ type }}) is null
  and not coalesce({{ sf_field(columns, 'IsDeleted', 'false') }}, false)
  and not coalesce(_hard_deleted, false)
union all
{%- endif %}
{%- endfor %}
{%- endfor %}
select
    cast(null as varchar) as object,
    cast(null as varchar) as record_id,
    cast(null as varchar) as field,
    cast(null as varchar) as value,
    cast(null as varchar) as expected_type
where false
