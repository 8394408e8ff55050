"""Running a job twice on unchanged data gives identical tables: the raw layer (apart from when and by
which run a row was read), every staging view, intermediate table and mart."""

import hashlib

import dagster as dg
import duckdb

from orchestration.salesforce import connect
from tests.launchpad import run

# Bookkeeping that says when or by which run something happened, rather than what the data is.
RUN_STAMPS = {"_extracted_at", "extracted_at", "_run_id", "last_mode", "updated_at", "last_run_id",
              "last_full_at", "last_reconciled_at", "detected_at", "run_id", "logged_at", "pushed_at",
              "planned_at"}


def _digests(database) -> dict[str, tuple[int, str]]:
    digests = {}
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('raw', 'staging', 'intermediate', 'marts') ORDER BY ALL").fetchall()
        for schema, table in tables:
            columns = [name for (name,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position", [schema, table]).fetchall() if name not in RUN_STAMPS]
            selected = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'SELECT {selected} FROM "{schema}"."{table}" ORDER BY ALL').fetchall()
            digests[f"{schema}.{table}"] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return digests


def test_revenue_refresh_twice_gives_identical_tables(tmp_path):
    connect.forget_demo_orgs()
    database = tmp_path / "revenue.duckdb"
    config = {"ops": {"revenue_models": {"config": {"as_of_date": "2026-10-31"}}}}
    try:
        with dg.instance_for_test() as instance:
            first = run("revenue_refresh", instance, database, config)
            assert first.success
            before = _digests(database)
            second = run("revenue_refresh", instance, database, config)
            assert second.success
            after = _digests(database)
    finally:
        connect.forget_demo_orgs()
    assert len(before) > 60
    changed = sorted(name for name in before if before[name] != after.get(name))
    assert not changed, changed
    assert set(before) == set(after)
