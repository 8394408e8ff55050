"""Running a job twice on unchanged data gives identical tables: the raw layer (apart from when and by
which run a row was read), every staging view, intermediate table and mart; a second write-back sends nothing."""

import hashlib

import dagster as dg
import duckdb

from orchestration.salesforce import connect
from orchestration.salesforce.settings import ConnectionSettings
from tests.launchpad import SCALE, SEED, run

# Bookkeeping that says when or by which run something happened, rather than what the data is.
RUN_STAMPS = {"_extracted_at", "extracted_at", "_run_id", "last_mode", "updated_at", "last_run_id",
              "last_full_at", "last_reconciled_at", "detected_at", "run_id", "logged_at", "pushed_at",
              "planned_at"}


def _digests(database, schemas=("raw", "staging", "intermediate", "marts")) -> dict[str, tuple[int, str]]:
    digests = {}
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            f"WHERE table_schema IN ({', '.join('?' * len(schemas))}) ORDER BY ALL", list(schemas)).fetchall()
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


def test_the_sync_jobs_and_the_write_back_twice_change_nothing_the_second_time(tmp_path):
    """Each job the schedules and sensors start, run again on unchanged data: the full and the incremental
    sync leave the raw tables as they were, and a second write-back sends Salesforce nothing at all."""
    connect.forget_demo_orgs()
    database = tmp_path / "revenue.duckdb"
    try:
        with dg.instance_for_test() as instance:
            assert run("revenue_refresh", instance, database).success
            assert run("salesforce_write_back", instance, database).success
            org = connect.demo_org(ConnectionSettings(connection="demo", demo_scale=SCALE, demo_seed=SEED))
            requests_before = org.requests_seen
            again = run("salesforce_write_back", instance, database)
            assert again.success
            assert org.requests_seen == requests_before  # not a write, not even a login
            with duckdb.connect(str(database), read_only=True) as con:
                logged = con.execute("select count(*) from reverse_etl.sync_log where run_id = ?",
                                     [again.run_id]).fetchall()[0][0]
            assert logged == 0

            # The write-back changed the org; a full refresh takes that in, and from then on nothing moves.
            assert run("salesforce_full_refresh", instance, database).success
            synced = _digests(database, ("raw",))
            for job in ("salesforce_full_refresh", "salesforce_incremental_sync", "salesforce_incremental_sync"):
                assert run(job, instance, database).success, job
                changed = sorted(n for n, d in _digests(database, ("raw",)).items() if synced.get(n) != d)
                assert not changed, (job, changed)
    finally:
        connect.forget_demo_orgs()
    assert len(synced) >= 14
