"""The whole pipeline as a Dagster run: a generated org, extraction, dbt build with its tests as checks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import defs
from orchestration.defs.resources import SalesforceResource, WarehouseResource
from orchestration.demo_org.generator import generate_org, write_csv_dir
from orchestration.salesforce import connect
from orchestration.salesforce.settings import ConnectionSettings

MARTS = ("fct_contracts", "fct_contract_line_items", "fct_renewal_chains", "fct_arr_monthly", "fct_arr_movements",
         "fct_retention", "dim_accounts", "dim_products", "dim_stages", "fct_data_issues")


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory):
    connect.forget_demo_orgs()
    base = tmp_path_factory.mktemp("pipeline")
    write_csv_dir(generate_org(scale=600, seed=3), base / "org")
    database = base / "revenue.duckdb"
    job = defs.resolve_job_def("revenue_pipeline")
    resources = {
        "salesforce": SalesforceResource(connection="demo", demo_org_dir=str(base / "org"),
                                         retry_base_delay_seconds=0.01),
        "warehouse": WarehouseResource(database=str(database)),
    }
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(
            instance=instance, resources=resources, raise_on_error=False,
            run_config={"ops": {"revenue_models": {"config": {"as_of_date": "2026-10-31"}}}},
        )
    org = connect.demo_org(ConnectionSettings(connection="demo", demo_org_dir=str(base / "org")))
    yield result, database, org
    connect.forget_demo_orgs()


@pytest.mark.slow
def test_pipeline_succeeds_and_every_mart_has_rows(pipeline_run):
    result, database, _ = pipeline_run
    assert result.success
    with duckdb.connect(str(database), read_only=True) as con:
        for mart in MARTS:
            assert con.execute(f"select count(*) from marts.{mart}").fetchall()[0][0] > 0, mart


@pytest.mark.slow
def test_dbt_tests_arrive_as_passing_asset_checks(pipeline_run):
    result, _, _ = pipeline_run
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) > 50
    failed = [e.check_name for e in evaluations if not e.passed]
    assert failed == []


@pytest.mark.slow
def test_models_sit_downstream_of_their_raw_tables():
    graph = defs.get_repository_def().asset_graph
    staging = dg.AssetKey(["staging", "stg_salesforce__opportunities"])
    assert dg.AssetKey(["raw", "opportunity"]) in graph.get(staging).parent_keys
    assert graph.get(dg.AssetKey(["marts", "fct_contracts"])).group_name == "marts"
    assert graph.get(dg.AssetKey(["marts", "fct_data_issues"])).group_name == "quality"


@pytest.mark.slow
def test_as_of_date_from_run_config_reaches_the_models(pipeline_run):
    _, database, _ = pipeline_run
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select distinct as_of_date from marts.fct_contracts").fetchall() == [(date(2026, 10, 31),)]


@pytest.mark.slow
def test_the_gate_passes_and_the_computed_values_reach_salesforce(pipeline_run):
    result, database, org = pipeline_run
    gate = {e.check_name: e.passed for e in result.get_asset_check_evaluations() if e.check_name.startswith("gx_")}
    assert gate == dict.fromkeys(["gx_products", "gx_opportunities", "gx_line_items", "gx_revenue_schedule",
                                  "gx_recognition_status", "gx_push_plan"], True)
    with duckdb.connect(str(database), read_only=True) as con:
        expected = dict(con.execute(
            "select opportunity_id, arr from reverse_etl.sync_salesforce__opportunities where arr is not null"
        ).fetchall())
        statuses = dict(con.execute("select status, count(*) from reverse_etl.sync_log group by status").fetchall())
    rows = org.store.query('select "Id", "ARR__c" from "Opportunity" where "ARR__c" is not null').to_pylist()
    assert {r["Id"]: r["ARR__c"] for r in rows} == expected
    assert statuses.get("success", 0) > 0 and set(statuses) <= {"success", "error"}


@pytest.mark.slow
def test_closing_periods_twice_closes_each_period_once_and_keeps_totals(pipeline_run, tmp_path):
    """Close through mid-2025, then through end-2025: the second closing adds only the periods after the first,
    closed amounts never change, and every schedule still sums to its line."""
    _, database, _ = pipeline_run
    copy = tmp_path / "closing.duckdb"
    shutil.copy(database, copy)
    project = Path(__file__).resolve().parents[1] / "dbt_project"
    dbt = str(Path(sys.executable).parent / "dbt")

    def build(closing: str) -> None:
        completed = subprocess.run(
            [dbt, "build", "--select", "fct_recognition_closed_periods+", "--profiles-dir", str(project),
             "--target-path", str(tmp_path / "target"), "--vars",
             f'{{recognition_closed_through: "{closing}", as_of_date: "2026-10-31"}}'],
            cwd=project, env={**os.environ, "REVENUE_DUCKDB_PATH": str(copy)},
            capture_output=True, text=True, timeout=600)
        assert completed.returncode == 0, completed.stdout[-3000:]

    build("2025-06-30")
    with duckdb.connect(str(copy), read_only=True) as con:
        first = con.execute("select * from marts.fct_recognition_closed_periods order by all").fetchall()
    build("2025-12-31")
    with duckdb.connect(str(copy), read_only=True) as con:
        ledger = con.execute("select * from marts.fct_recognition_closed_periods order by all").fetchall()
        closings = dict(con.execute("select closed_through, max(period_end) from marts.fct_recognition_closed_periods "
                                    "group by 1").fetchall())
        mismatched = con.execute("""
            select count(*) from (
                select t.source_object, t.source_id, min(t.total_revenue) as total, sum(s.revenue_amount) as scheduled
                from marts.fct_recognition_status as t
                join marts.fct_revenue_schedule as s using (source_object, source_id)
                where t.template <> '% Complete' or t.recognition_complete
                group by 1, 2) where total <> scheduled""").fetchall()[0][0]
    assert set(first) <= set(ledger) and len(ledger) > len(first) > 0
    assert closings[date(2025, 6, 30)] <= date(2025, 6, 30)
    assert min(r[3] for r in set(ledger) - set(first)) > date(2025, 6, 30)
    assert mismatched == 0
