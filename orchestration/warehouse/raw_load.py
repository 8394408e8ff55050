"""Land an extract in ``raw.<object>``: typed, merged by Id, all-or-nothing.

Everything happens in one DuckDB transaction: casting, the merge, hard-delete marking, the sync state and
the load-issue log. If anything fails the transaction rolls back and the previous table stays exactly
as it was. Rows are never physically removed: soft deletes arrive with IsDeleted = true, and rows that
vanished from the org (hard deletes) are kept with ``_hard_deleted = true``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.salesforce.fields import FieldPlan
from orchestration.warehouse.casting import cast_text_sql

SCHEMA = "raw"
STATE_TABLE = f"{SCHEMA}._sync_state"
ISSUES_TABLE = f"{SCHEMA}._load_issues"
META_COLUMNS = (
    ("_extracted_at", "TIMESTAMP"),
    ("_run_id", "VARCHAR"),
    ("_hard_deleted", "BOOLEAN"),
    ("_hard_deleted_at", "TIMESTAMP"),
)
MAX_ISSUES_REPORTED = 50


def q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True)
class LoadIssue:
    sobject: str
    record_id: str | None
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.sobject} {self.record_id} field {self.field}: {self.message} (value {self.value!r})"


@dataclass
class LoadResult:
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    soft_deleted: int = 0
    hard_deleted: int = 0
    total_rows: int = 0
    watermark: datetime | None = None
    columns_added: list[str] = field(default_factory=list)
    columns_missing: list[str] = field(default_factory=list)
    issues: list[LoadIssue] = field(default_factory=list)
    issue_count: int = 0


@dataclass(frozen=True)
class SyncState:
    watermark: datetime | None
    last_full_at: datetime | None
    last_reconciled_at: datetime | None
    columns: tuple[str, ...]


def ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {STATE_TABLE} (
        object VARCHAR PRIMARY KEY, table_name VARCHAR, watermark TIMESTAMP, last_full_at TIMESTAMP,
        last_reconciled_at TIMESTAMP, last_run_id VARCHAR, last_mode VARCHAR, columns VARCHAR,
        updated_at TIMESTAMP)""")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {ISSUES_TABLE} (
        run_id VARCHAR, object VARCHAR, record_id VARCHAR, field VARCHAR, value VARCHAR, message VARCHAR,
        detected_at TIMESTAMP)""")


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [SCHEMA, table]
    ).fetchall()
    return bool(rows[0][0])


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position", [SCHEMA, table]
    ).fetchall()
    return {name: kind for name, kind in rows}


def read_state(con: duckdb.DuckDBPyConnection, sobject: str) -> SyncState | None:
    ensure_bookkeeping(con)
    rows = con.execute(
        f"SELECT watermark, last_full_at, last_reconciled_at, columns FROM {STATE_TABLE} WHERE object = ?",
        [sobject],
    ).fetchall()
    if not rows:
        return None
    row = rows[0]
    return SyncState(row[0], row[1], row[2], tuple(json.loads(row[3] or "[]")))


def create_empty_table(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> bool:
    """For an object the org lacks: an empty table with the expected columns, so models still build."""
    ensure_bookkeeping(con)
    if table_exists(con, table):
        return False
    definition = ", ".join(f"{q(name)} {kind}" for name, kind in [*columns.items(), *META_COLUMNS])
    con.execute(f"CREATE TABLE {SCHEMA}.{q(table)} ({definition})")
    return True


def load_raw(con: duckdb.DuckDBPyConnection, *, sobject: str, table: str, plan: FieldPlan, spool: Path,
             run_id: str, full: bool, reconcile_ids: Path | None = None, now: datetime) -> LoadResult:
    """Merge the spooled extract into ``raw.<table>`` in one transaction.

    ``full``: the spool holds every record of the object (queryAll), so rows absent from it are marked
    hard-deleted. ``reconcile_ids``: a Parquet file of every Id the org still has, for the same marking
    after an incremental extract.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        result = _load(con, sobject, table, plan, spool, run_id, full, reconcile_ids, now)
        con.execute("COMMIT")
        return result
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _load(con, sobject, table, plan, spool, run_id, full, reconcile_ids, now) -> LoadResult:
    ensure_bookkeeping(con)
    result = LoadResult()
    target = f"{SCHEMA}.{q(table)}"
    con.execute("CREATE OR REPLACE TEMP TABLE _stage AS SELECT * FROM read_parquet(?)", [str(spool)])
    result.rows_read = con.execute("SELECT count(*) FROM _stage").fetchall()[0][0]

    casts = ", ".join(f"{cast_text_sql(q(f.column), f.duckdb_type)} AS {q(f.column)}" for f in plan.fields)
    # A record read twice (it moved between pages while they were read) keeps its newest version. Checking
    # for repeats first is far cheaper than ranking every row of a multi-million-row extract.
    newest_only = ""
    if _has_repeated_ids(con):
        order = 'ORDER BY "SystemModstamp" DESC NULLS LAST' if plan.field("SystemModstamp") else ""
        newest_only = f'QUALIFY row_number() OVER (PARTITION BY "Id" {order}) = 1'
    # Casting is the expensive part, so it happens once: the same pass flags rows holding a value that did
    # not fit its type, and only those rows are examined again for the issue log.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _typed_flagged AS SELECT {casts}, ?::TIMESTAMP AS _extracted_at, "
        f"?::VARCHAR AS _run_id, false AS _hard_deleted, NULL::TIMESTAMP AS _hard_deleted_at, "
        f"{_misfit_sql(plan)} AS _has_misfit FROM _stage WHERE \"Id\" IS NOT NULL {newest_only}",
        [now, run_id],
    )
    con.execute("CREATE OR REPLACE TEMP VIEW _typed AS SELECT * EXCLUDE (_has_misfit) FROM _typed_flagged")
    # The issue log holds the current problems: records read again are judged afresh.
    if full:
        con.execute(f"DELETE FROM {ISSUES_TABLE} WHERE object = ?", [sobject])
    else:
        con.execute(f"DELETE FROM {ISSUES_TABLE} WHERE object = ? AND record_id IN (SELECT \"Id\" FROM _stage)",
                    [sobject])
    _record_issues(con, sobject, plan, run_id, now, result)

    existed = table_exists(con, table)
    existing_columns = table_columns(con, table) if existed else {}
    if not existed:
        definition = ", ".join(f"{q(f.column)} {f.duckdb_type}" for f in plan.fields)
        meta = ", ".join(f"{q(n)} {t}" for n, t in META_COLUMNS)
        con.execute(f"CREATE TABLE {target} ({definition}, {meta})")
        result.columns_added = list(plan.columns)
    else:
        for f in plan.fields:
            if f.column not in existing_columns:
                con.execute(f"ALTER TABLE {target} ADD COLUMN {q(f.column)} {f.duckdb_type}")
                result.columns_added.append(f.column)
        known = set(plan.columns) | {n for n, _ in META_COLUMNS}
        result.columns_missing = [c for c in existing_columns if c not in known]

    result.updated = con.execute(
        f"SELECT count(*) FROM _typed s JOIN {target} t ON t.\"Id\" = s.\"Id\"").fetchall()[0][0]
    result.inserted = con.execute("SELECT count(*) FROM _typed").fetchall()[0][0] - result.updated
    if plan.field("IsDeleted"):
        result.soft_deleted = con.execute(
            f"SELECT count(*) FROM _typed s LEFT JOIN {target} t ON t.\"Id\" = s.\"Id\" "
            f"WHERE s.\"IsDeleted\" AND t.\"IsDeleted\" IS NOT TRUE").fetchall()[0][0]

    if full and existed:
        _rewrite_full(con, target, plan, existing_columns)
    elif not existed:
        con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _typed")
    else:
        updates = ", ".join(f"{q(c)} = s.{q(c)}" for c in [*plan.columns, "_extracted_at", "_run_id",
                                                             "_hard_deleted", "_hard_deleted_at"])
        con.execute(f"MERGE INTO {target} AS t USING _typed AS s ON t.\"Id\" = s.\"Id\" "
                    f"WHEN MATCHED THEN UPDATE SET {updates} WHEN NOT MATCHED THEN INSERT BY NAME")

    if reconcile_ids is not None:
        con.execute("CREATE OR REPLACE TEMP TABLE _org_ids AS SELECT DISTINCT \"Id\" FROM read_parquet(?)",
                    [str(reconcile_ids)])
        result.hard_deleted = _mark_hard_deleted(con, target, "_org_ids", now)
    elif full:
        result.hard_deleted = _mark_hard_deleted(con, target, "_typed", now)

    result.total_rows = con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0]
    if plan.field("SystemModstamp"):
        result.watermark = con.execute(f"SELECT max(\"SystemModstamp\") FROM {target}").fetchall()[0][0]
    _write_state(con, sobject, table, result, run_id, full, reconcile_ids is not None, plan, now)
    return result


def _rewrite_full(con, target: str, plan: FieldPlan, existing_columns: dict[str, str]) -> None:
    """A full extract replaces the table in one statement (much faster than a million-row MERGE).

    Columns the org no longer returns keep their last values; rows absent from the extract are kept and
    then marked hard-deleted by the caller.
    """
    carried = [c for c in existing_columns if c not in set(plan.columns) and not c.startswith("_")]
    carried_sql = "".join(f", old.{q(c)}" for c in carried)
    column_order = ", ".join(q(c) for c in table_columns_after(existing_columns, plan))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _rebuilt AS
        SELECT s.*{carried_sql} FROM _typed s LEFT JOIN {target} old ON old."Id" = s."Id"
        UNION ALL BY NAME
        SELECT old.* FROM {target} old ANTI JOIN _typed s ON old."Id" = s."Id"
    """)
    con.execute(f"DELETE FROM {target}")
    con.execute(f"INSERT INTO {target} ({column_order}) SELECT {column_order} FROM _rebuilt")
    con.execute("DROP TABLE _rebuilt")


def _has_repeated_ids(con) -> bool:
    rows = con.execute('SELECT count("Id") <> count(DISTINCT "Id") FROM _stage').fetchall()
    return bool(rows[0][0])


def table_columns_after(existing_columns: dict[str, str], plan: FieldPlan) -> list[str]:
    names = list(existing_columns)
    names += [c for c in plan.columns if c not in existing_columns]
    return names


def _mark_hard_deleted(con, target: str, present_ids_table: str, now: datetime) -> int:
    before = con.execute(f"SELECT count(*) FROM {target} WHERE _hard_deleted").fetchall()[0][0]
    con.execute(
        f"UPDATE {target} SET _hard_deleted = true, _hard_deleted_at = ? "
        f"WHERE NOT coalesce(_hard_deleted, false) AND \"Id\" NOT IN (SELECT \"Id\" FROM {present_ids_table})",
        [now],
    )
    # A record back in the org is stamped as written now, so that staging (built incrementally from what
    # raw wrote since its last build) restages it.
    con.execute(
        f"UPDATE {target} SET _hard_deleted = false, _hard_deleted_at = NULL, _extracted_at = ? "
        f"WHERE _hard_deleted AND \"Id\" IN (SELECT \"Id\" FROM {present_ids_table})",
        [now],
    )
    after = con.execute(f"SELECT count(*) FROM {target} WHERE _hard_deleted").fetchall()[0][0]
    return max(0, after - before)


def _typed_fields(plan: FieldPlan) -> list:
    """The fields whose text is cast, so whose values can fail to fit."""
    return [f for f in plan.fields if f.duckdb_type != "VARCHAR"]


def _misfits(field) -> str:
    """True where the field holds a non-empty value that its type could not hold."""
    return (f"(nullif(trim({q(field.column)}), '') IS NOT NULL "
            f"AND {cast_text_sql(q(field.column), field.duckdb_type)} IS NULL)")


def _misfit_sql(plan: FieldPlan) -> str:
    """True for a row with any value that did not fit."""
    return " OR ".join(_misfits(f) for f in _typed_fields(plan)) or "false"


def _record_issues(con, sobject: str, plan: FieldPlan, run_id: str, now: datetime, result: LoadResult) -> None:
    """Every value that did not fit its field: logged with object, record Id and field; the row is kept."""
    checks = _typed_fields(plan)
    if not checks:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _misfits AS SELECT * FROM _stage "
                "WHERE \"Id\" IN (SELECT \"Id\" FROM _typed_flagged WHERE _has_misfit)")
    selects = " UNION ALL ".join(
        f"SELECT \"Id\" AS record_id, '{f.column}' AS field, {q(f.column)} AS value FROM _misfits "
        f"WHERE {_misfits(f)}"
        for f in checks
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _issues AS {selects}")
    result.issue_count = con.execute("SELECT count(*) FROM _issues").fetchall()[0][0]
    if not result.issue_count:
        return
    types = {f.column: f.duckdb_type for f in checks}
    con.execute(
        f"INSERT INTO {ISSUES_TABLE} SELECT ?, ?, record_id, field, value, "
        f"'value does not fit the field type; stored as NULL', ? FROM _issues",
        [run_id, sobject, now],
    )
    for record_id, field_name, value in con.execute(
            f"SELECT record_id, field, value FROM _issues ORDER BY record_id, field LIMIT {MAX_ISSUES_REPORTED}"
    ).fetchall():
        result.issues.append(LoadIssue(sobject, record_id, field_name, value,
                                       f"not a valid {types[field_name]}; stored as NULL"))


def _write_state(con, sobject, table, result: LoadResult, run_id, full, reconciled, plan, now) -> None:
    found = con.execute(f"SELECT last_full_at, last_reconciled_at FROM {STATE_TABLE} WHERE object = ?",
                        [sobject]).fetchall()
    previous = found[0] if found else None
    last_full = now if full else (previous[0] if previous else None)
    last_reconciled = now if (full or reconciled) else (previous[1] if previous else None)
    con.execute(f"DELETE FROM {STATE_TABLE} WHERE object = ?", [sobject])
    con.execute(
        f"INSERT INTO {STATE_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [sobject, table, result.watermark, last_full, last_reconciled, run_id,
         "full" if full else "incremental", json.dumps(list(plan.columns)), now],
    )
