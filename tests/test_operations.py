"""What a data engineer does in the UI, as Dagster runs: refresh, let the gate sensor start the write-back,
run the schedules' jobs, check freshness, and find the charts, exports and analyst copy the run produced.

Resources are configured through run config, exactly as the launchpad does (scale included), not overridden
in Python.
"""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import pytest
from PIL import Image

from orchestration.definitions import defs
from orchestration.defs.ingest.salesforce.freshness import FAIL_AFTER, WARN_AFTER, judge
from orchestration.defs.reverse_etl.sensors import write_back_after_quality_gate
from orchestration.salesforce import connect
from orchestration.salesforce.settings import ConnectionSettings
from tests.launchpad import SCALE, SEED, run


@pytest.fixture(scope="module")
def refreshed(refreshed_demo):
    return refreshed_demo


def demo_org():
    return connect.demo_org(ConnectionSettings(connection="demo", demo_scale=SCALE, demo_seed=SEED))


@pytest.mark.slow
def test_the_refresh_builds_everything_but_sends_nothing(refreshed):
    _, database, result = refreshed
    assert result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"raw/opportunity", "marts/fct_revenue_schedule", "charts/arr_waterfall", "charts/recognition",
            "finance/revenue_exports", "warehouse/analyst_copy"} <= materialized
    assert not {"reverse_etl/salesforce_push_plan", "reverse_etl/salesforce_push"} & materialized
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_contracts").fetchall()[0][0] > 0


@pytest.mark.slow
def test_dbt_source_tests_are_checks_of_the_raw_tables_they_test(refreshed):
    """dbt's tests of the Salesforce sources (unique, not-null Ids) show as checks on the raw tables, not as
    observations with a warning in every refresh's log."""
    instance, _, result = refreshed
    on_raw = {(e.asset_key.to_user_string(), e.check_name, e.passed) for e in result.get_asset_check_evaluations()
              if e.asset_key.path[0] == "raw"}
    assert ("raw/opportunity", "source_unique_salesforce_opportunity_Id", True) in on_raw
    assert len(on_raw) == 28  # unique and not null, on each of the 14 objects
    messages = [entry.user_message or "" for entry in instance.all_logs(result.run_id)]
    assert not [m for m in messages if "AssetObservation" in m]


@pytest.mark.slow
def test_scale_from_run_config_reaches_the_demo_org(refreshed):
    _, database, _ = refreshed
    with duckdb.connect(str(database), read_only=True) as con:
        landed = con.execute("select count(*) from raw.opportunity").fetchall()[0][0]
    assert landed == demo_org().store.query('select count(*) from "Opportunity"').column(0)[0].as_py()
    assert SCALE <= landed < SCALE * 2


@pytest.mark.slow
def test_charts_are_real_pngs_with_data_and_show_in_the_ui(refreshed):
    _, database, result = refreshed
    for name in ("arr_waterfall", "recognition"):
        path = database.parent / "charts" / f"{name}.png"
        image = Image.open(io.BytesIO(path.read_bytes()))
        assert image.format == "PNG" and image.width >= 800
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert len(colours) > 50, f"{name} looks blank"
        event = next(e for e in result.get_asset_materialization_events()
                     if e.asset_key == dg.AssetKey(["charts", name]))
        assert "data:image/png;base64," in event.materialization.metadata["chart"].value


@pytest.mark.slow
def test_exports_and_the_analyst_copy_sit_beside_the_warehouse(refreshed):
    _, database, _ = refreshed
    exports = database.parent / "exports"
    assert {p.name for p in exports.iterdir()} >= {"revenue_schedule.csv", "revenue_schedule.parquet"}
    # finance's columns, without the incremental build's bookkeeping
    header = (exports / "revenue_schedule.csv").read_text().split("\n", 1)[0].split(",")
    assert "as_of_date" in header and not {"line_fingerprint", "built_at"} & set(header)
    header = (exports / "revenue_waterfall.csv").read_text().split("\n", 1)[0].split(",")
    assert "deferred_revenue_balance" in header and not {"account_fingerprint", "built_at"} & set(header)
    copy = database.parent / "revenue_analyst.duckdb"
    with duckdb.connect(str(copy), read_only=True) as con, duckdb.connect(str(database), read_only=True) as live:
        query = "select count(*), sum(revenue_amount) from marts.fct_revenue_schedule"
        assert con.execute(query).fetchall() == live.execute(query).fetchall()


@pytest.mark.slow
def test_the_gate_sensor_starts_the_write_back_once_and_the_values_land(refreshed):
    instance, database, _ = refreshed
    context = dg.build_sensor_context(instance=instance, definitions=defs)
    request = write_back_after_quality_gate(context)
    assert isinstance(request, dg.RunRequest), request
    assert request.job_name in (None, "salesforce_write_back")

    pushed = run("salesforce_write_back", instance, database)
    assert pushed.success
    push = next(e for e in pushed.get_asset_materialization_events()
                if e.asset_key == dg.AssetKey(["reverse_etl", "salesforce_push"]))
    assert push.materialization.metadata["records_succeeded"].value > 0
    arr = demo_org().store.query('select count(*) from "Opportunity" where "ARR__c" is not null').column(0)[0]
    assert arr.as_py() > 0

    again = dg.build_sensor_context(instance=instance, definitions=defs, cursor=context.cursor)
    skipped = write_back_after_quality_gate(again)
    assert isinstance(skipped, dg.SkipReason) and "already" in skipped.skip_message


@pytest.mark.slow
def test_the_schedules_request_their_jobs_and_the_jobs_run(refreshed):
    instance, database, _ = refreshed
    schedules = {s.name: s for s in defs.schedules}
    expected = {"hourly_incremental_sync": "salesforce_incremental_sync",
                "nightly_full_reconciliation": "salesforce_full_refresh",
                "raw_freshness_every_30_minutes": "raw_freshness"}
    for name, job_name in expected.items():
        schedule = schedules[name]
        assert schedule.job_name == job_name and schedule.default_status == dg.DefaultScheduleStatus.STOPPED
        tick = schedule.evaluate_tick(dg.build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 11, 2, 2, 30, tzinfo=UTC)))
        assert len(tick.run_requests) == 1
        result = run(job_name, instance, database, tick.run_requests[0].run_config)
        assert result.success, name
    modes = {}
    with duckdb.connect(str(database), read_only=True) as con:
        modes = dict(con.execute("select object, last_mode from raw._sync_state").fetchall())
    assert modes["Opportunity"] == "full"   # the nightly full refresh ran last


@pytest.mark.slow
def test_freshness_checks_pass_after_a_sync_and_fail_on_stale_tables(refreshed, tmp_path):
    instance, database, _ = refreshed
    fresh = run("raw_freshness", instance, database)
    evaluations = fresh.get_asset_check_evaluations()
    assert len(evaluations) == 14 and all(e.passed for e in evaluations)

    stale = tmp_path / "stale.duckdb"
    shutil.copy(database, stale)
    now = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect(str(stale)) as con:
        for sobject, hours in (("Opportunity", 3), ("Account", 30)):
            con.execute("update raw._sync_state set updated_at = ? where object = ?",
                        [now - timedelta(hours=hours), sobject])
    outcome = {e.asset_key.path[-1]: e for e in run("raw_freshness", instance, stale).get_asset_check_evaluations()}
    assert not outcome["opportunity"].passed and outcome["opportunity"].severity == dg.AssetCheckSeverity.WARN
    assert not outcome["account"].passed and outcome["account"].severity == dg.AssetCheckSeverity.ERROR
    assert "last synced 30.0 h ago" in outcome["account"].description
    assert outcome["product2"].passed


def test_freshness_judgement_thresholds():
    now = datetime(2026, 11, 23, 12, 0)
    recent = now - timedelta(minutes=30)
    assert judge(recent, recent, now)[0]
    assert judge(now - WARN_AFTER - timedelta(minutes=1), recent, now)[1] == dg.AssetCheckSeverity.WARN
    assert judge(now - FAIL_AFTER - timedelta(minutes=1), recent, now)[1] == dg.AssetCheckSeverity.ERROR
    assert judge(None, None, now) == (False, dg.AssetCheckSeverity.ERROR, "never synced")
    passed, severity, reason = judge(recent, now - timedelta(days=3), now)
    assert not passed and severity == dg.AssetCheckSeverity.WARN and "full refresh" in reason
