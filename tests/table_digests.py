"""What two runs are compared by: each table's row count and a hash of its sorted rows, leaving out the
columns that only say when, or by which run, something happened."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

# Bookkeeping that says when or by which run something happened, rather than what the data is.
RUN_STAMPS = {"_extracted_at", "extracted_at", "_run_id", "last_mode", "updated_at", "last_run_id",
              "last_full_at", "last_reconciled_at", "detected_at", "run_id", "logged_at", "pushed_at",
              "planned_at", "built_at", "loaded_at"}
MODEL_SCHEMAS = ("raw", "staging", "intermediate", "marts")


def table_digests(database: Path, schemas=MODEL_SCHEMAS) -> dict[str, tuple[int, str]]:
    """schema.table → (row count, sha256 of its rows in order), for every table and view of these schemas."""
    digests = {}
    with duckdb.connect(str(database), read_only=True) as con:
        relations = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            f"WHERE table_schema IN ({', '.join('?' * len(schemas))}) ORDER BY ALL", list(schemas)).fetchall()
        for schema, table in relations:
            columns = [name for (name,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position", [schema, table]).fetchall() if name not in RUN_STAMPS]
            selected = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'SELECT {selected} FROM "{schema}"."{table}" ORDER BY ALL').fetchall()
            digests[f"{schema}.{table}"] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return digests
