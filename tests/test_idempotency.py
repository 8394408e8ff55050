"""Running a job twice on unchanged data gives identical tables: the raw layer (apart from when and by
which run a row was read), every staging model, intermediate table and mart; a second write-back sends nothing."""

import dagster as dg
import duckdb

from orchestration.paths import DBT_PROJECT_DIR
from orchestration.salesforce import connect
from orchestration.salesforce.settings import ConnectionSettings
from tests.launchpad import SCALE, SEED, run
from tests.table_digests import table_digests


def test_revenue_refresh_twice_gives_identical_tables(tmp_path):
    connect.forget_demo_orgs()
    database = tmp_path / "revenue.duckdb"
    config = {"ops": {"revenue_models": {"config": {"as_of_date": "2026-10-31"}}}}
    try:
        with dg.instance_for_test() as instance:
            first = run("revenue_refresh", instance, database, config)
            assert first.success
            before = table_digests(database)
            second = run("revenue_refresh", instance, database, config)
            assert second.success
            after = table_digests(database)
    finally:
        connect.forget_demo_orgs()
    assert len(before) > 60
    changed = sorted(name for name in before if before[name] != after.get(name))
    assert not changed, changed
    assert set(before) == set(after)
    # The second dbt build started from the first one's parse instead of parsing the project again.
    second_log = "".join(path.read_text() for path in
                         (DBT_PROJECT_DIR / "target").glob(f"revenue_models-{second.run_id[:7]}-*/dbt.log*"))
    assert "Found " in second_log and "Unable to do partial parsing" not in second_log


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
            synced = table_digests(database, ("raw",))
            for job in ("salesforce_full_refresh", "salesforce_incremental_sync", "salesforce_incremental_sync"):
                assert run(job, instance, database).success, job
                changed = sorted(n for n, d in table_digests(database, ("raw",)).items() if synced.get(n) != d)
                assert not changed, (job, changed)
    finally:
        connect.forget_demo_orgs()
    assert len(synced) >= 14
