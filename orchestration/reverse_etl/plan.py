"""The push plan: every (object, record, field) whose warehouse value differs from Salesforce's.

"Salesforce's value" is what the last extraction returned, or — when this pipeline has written the field
since that extraction — the value it wrote. So a rerun before the next extraction plans only what failed
or changed, never the same write twice. Values are compared in the raw column's type (12000 and 12000.00
are the same amount). Deleted records are never planned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from orchestration.reverse_etl.mapping import ObjectMapping, WriteBackMapping
from orchestration.warehouse.raw_load import table_columns, table_exists

SCHEMA = "reverse_etl"
PLAN_TABLE = f"{SCHEMA}.push_plan"
LOG_TABLE = f"{SCHEMA}.sync_log"
PUSHED_TABLE = f"{SCHEMA}.pushed_values"


class PlanError(ValueError):
    """The mapping cannot be planned against this warehouse; the message names the object and field."""


@dataclass
class PlanSummary:
    rows: int = 0
    records: int = 0
    by_object: dict[str, int] = field(default_factory=dict)


def q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {PLAN_TABLE} (
        run_id VARCHAR, object VARCHAR, record_id VARCHAR, field VARCHAR, old_value VARCHAR,
        new_value VARCHAR, new_value_json VARCHAR, operation VARCHAR, planned_at TIMESTAMP)""")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {LOG_TABLE} (
        run_id VARCHAR, logged_at TIMESTAMP, object VARCHAR, record_id VARCHAR, fields VARCHAR,
        status VARCHAR, error_code VARCHAR, message VARCHAR)""")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {PUSHED_TABLE} (
        run_id VARCHAR, object VARCHAR, record_id VARCHAR, field VARCHAR, value VARCHAR, pushed_at TIMESTAMP)""")


def _relation_columns(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    schema, _, table = relation.rpartition(".")
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [schema or "main", table],
    ).fetchall()
    return {r[0].lower() for r in rows}


def _object_sql(con, run_id: str, name: str, mapping: ObjectMapping, now: datetime) -> list[tuple[str, list]]:
    """INSERT statements (with parameters) planning every sending field of one object."""
    raw_table = name.lower()
    if not table_exists(con, raw_table):
        raise PlanError(f"{name}: raw.{raw_table} does not exist: extract {name} before writing it back")
    raw_types = {c: t for c, t in table_columns(con, raw_table).items()}
    raw_lower = {c.lower(): c for c in raw_types}
    source_columns = _relation_columns(con, mapping.source)
    if not source_columns:
        raise PlanError(f"{name}: the source {mapping.source} does not exist (has dbt built it?)")
    missing = [c for c in [mapping.key_column, *(f.column for f in mapping.sending().values())]
               if c.lower() not in source_columns]
    if missing:
        raise PlanError(f"{name}: {mapping.source} has no column {', '.join(missing)}")

    deleted = []
    if "isdeleted" in raw_lower:
        deleted.append(f'NOT coalesce(r.{q(raw_lower["isdeleted"])}, false)')
    deleted.append("NOT coalesce(r._hard_deleted, false)")
    if mapping.upsert:
        key_field = raw_lower.get(mapping.upsert.external_id_field.lower())
        if key_field is None:
            raise PlanError(f"{name}: external Id field {mapping.upsert.external_id_field} is not in raw.{raw_table}")
        join = f"LEFT JOIN raw.{q(raw_table)} AS r ON r.{q(key_field)} = d.record_id AND {' AND '.join(deleted)}"
        operation = "upsert"
    else:
        join = f"INNER JOIN raw.{q(raw_table)} AS r ON r.\"Id\" = d.record_id AND {' AND '.join(deleted)}"
        operation = "update"

    statements = []
    for field_name, field_mapping in mapping.sending().items():
        raw_field = raw_lower.get(field_name.lower())
        if raw_field is None:
            raise PlanError(f"{name}.{field_name} is not in raw.{raw_table}: only fields the org has (and the "
                            f"extraction lands) can be written back")
        kind = raw_types[raw_field]
        sql = f"""
            INSERT INTO {PLAN_TABLE}
            WITH desired AS (
                SELECT cast({q(mapping.key_column)} AS VARCHAR) AS record_id,
                       cast({q(field_mapping.column)} AS {kind}) AS new_value
                FROM {mapping.source}
            ),
            pushed AS (
                SELECT record_id, arg_max(value, pushed_at) AS value, max(pushed_at) AS pushed_at
                FROM {PUSHED_TABLE} WHERE object = ? AND field = ?
                GROUP BY record_id
            ),
            compared AS (
                SELECT d.record_id, d.new_value,
                       CASE WHEN p.pushed_at > r._extracted_at OR (r."Id" IS NULL AND p.pushed_at IS NOT NULL)
                            THEN try_cast(p.value AS {kind}) ELSE r.{q(raw_field)} END AS old_value
                FROM desired AS d
                {join}
                LEFT JOIN pushed AS p ON p.record_id = d.record_id
                WHERE d.record_id IS NOT NULL
            )
            SELECT ?, ?, record_id, ?, cast(old_value AS VARCHAR), cast(new_value AS VARCHAR),
                   cast(to_json(new_value) AS VARCHAR), ?, ?
            FROM compared
            WHERE old_value IS DISTINCT FROM new_value
        """
        statements.append((sql, [name, field_name, run_id, name, field_name, operation, now]))
    return statements


def build_plan(con: duckdb.DuckDBPyConnection, mapping: WriteBackMapping, run_id: str,
               now: datetime) -> PlanSummary:
    """Replace the push plan with what this run would send, in one transaction."""
    ensure_tables(con)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {PLAN_TABLE}")
        for name, object_mapping in mapping.objects.items():
            for sql, params in _object_sql(con, run_id, name, object_mapping, now):
                con.execute(sql, params)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    summary = PlanSummary()
    for object_name, rows, records in con.execute(
        f"SELECT object, count(*), count(DISTINCT record_id) FROM {PLAN_TABLE} GROUP BY object ORDER BY object"
    ).fetchall():
        summary.by_object[object_name] = rows
        summary.rows += rows
        summary.records += records
    return summary
