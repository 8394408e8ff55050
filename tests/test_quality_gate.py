"""The quality gate as Dagster runs it: a failing blocking suite stops the write-back, and says why."""

from __future__ import annotations

import csv

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import defs
from orchestration.defs.resources import SalesforceResource, WarehouseResource
from orchestration.defs.reverse_etl.sensors import write_back_after_quality_gate
from orchestration.demo_org.generator import generate_org, write_csv_dir
from orchestration.salesforce import connect
from orchestration.salesforce.settings import ConnectionSettings

PUSH_KEYS = {dg.AssetKey(["reverse_etl", "salesforce_push_plan"]), dg.AssetKey(["reverse_etl", "salesforce_push"])}


def _activate_duplicate_sku(directory, product_id: str) -> None:
    """Bring the retired product that shares a SKU back into the active catalogue."""
    path = directory / "Product2.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["Id"] == product_id:
            row["IsActive"] = "true"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def gated_run(tmp_path_factory):
    connect.forget_demo_orgs()
    base = tmp_path_factory.mktemp("gate")
    generated = generate_org(scale=300, seed=5)
    write_csv_dir(generated, base / "org")
    duplicate = next(p.record_id for p in generated.planted if p.kind == "duplicate_sku")
    _activate_duplicate_sku(base / "org", duplicate)
    resources = {
        "salesforce": SalesforceResource(connection="demo", demo_org_dir=str(base / "org"),
                                         retry_base_delay_seconds=0.01),
        "warehouse": WarehouseResource(database=str(base / "revenue.duckdb")),
    }
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("revenue_pipeline").execute_in_process(
            instance=instance, resources=resources, raise_on_error=False)
        org = connect.demo_org(ConnectionSettings(connection="demo", demo_org_dir=str(base / "org")))
        yield result, duplicate, org, base / "revenue.duckdb", instance
    connect.forget_demo_orgs()


@pytest.mark.slow
def test_a_duplicate_sku_fails_the_products_suite_naming_both_products(gated_run):
    result, duplicate, _, _, _ = gated_run
    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == "gx_products")
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert duplicate in evaluation.metadata["sample_failing_ids"].value
    assert evaluation.metadata["failing_count"].value == 2


@pytest.mark.slow
def test_the_push_does_not_run_and_nothing_reaches_salesforce(gated_run):
    result, _, org, database, _ = gated_run
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert not PUSH_KEYS & materialized
    assert dg.AssetKey(["marts", "fct_contracts"]) in materialized   # everything upstream still ran
    written = org.store.query('select count(*) from "Opportunity" where "ARR__c" is not null').column(0)[0]
    assert written.as_py() == 0
    with duckdb.connect(str(database), read_only=True) as con:
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'reverse_etl'").fetchall()}
    assert "sync_log" not in tables


@pytest.mark.slow
def test_the_gate_sensor_holds_the_write_back_and_names_the_failing_check(gated_run):
    *_, instance = gated_run
    outcome = write_back_after_quality_gate(dg.build_sensor_context(instance=instance, definitions=defs))
    assert isinstance(outcome, dg.SkipReason), outcome
    assert "gx_products failed on marts/dim_products (2 failing values)" in outcome.skip_message
