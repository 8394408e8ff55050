"""The extraction assets as Dagster runs them: real materialisations into a DuckDB file."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from orchestration.defs.ingest.salesforce.assets import raw_assets
from orchestration.defs.resources import ExtractionSettings, SalesforceResource, WarehouseResource
from orchestration.salesforce import connect
from orchestration.salesforce.catalog import OBJECTS
from tests.conftest import build_tiny_org


@pytest.fixture(autouse=True)
def _fresh_demo_orgs():
    connect.forget_demo_orgs()
    yield
    connect.forget_demo_orgs()


def resources(org_dir, database, **salesforce):
    return {
        "salesforce": SalesforceResource(connection="demo", demo_org_dir=str(org_dir),
                                         retry_base_delay_seconds=0.01, **salesforce),
        "warehouse": WarehouseResource(database=str(database)),
        "extraction": ExtractionSettings(extra_fields={"Opportunity": ["Account.Name"]}),
    }


def materializations(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {
        event.asset_key.path[-1]: event.event_specific_data.materialization.metadata
        for event in result.get_asset_materialization_events()
    }


def test_every_object_materialises_with_metadata(tmp_path):
    org_dir = tmp_path / "org"
    build_tiny_org(300).store.export_csv_dir(org_dir)
    database = tmp_path / "revenue.duckdb"
    result = dg.materialize(raw_assets, resources=resources(org_dir, database))
    assert result.success
    metadata = materializations(result)
    assert set(metadata) == {spec.table for spec in OBJECTS}
    account = metadata["account"]
    assert account["rows_read"].value == 300 and account["rows_inserted"].value == 300
    assert account["dagster/row_count"].value == 300
    assert account["mode"].text == "full" and account["method"].text == "rest"
    assert account["api_calls_used"].value > 0 and account["api_calls_remaining"].value > 90_000
    assert account["watermark"].text.startswith("2026-10-01 12:00:00")
    assert "Account_Name" in {c.name for c in metadata["opportunity"]["dagster/column_schema"].schema.columns}
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.account").fetchall() == [(300,)]


def test_second_run_is_incremental(tmp_path):
    org_dir = tmp_path / "org"
    build_tiny_org(50).store.export_csv_dir(org_dir)
    database = tmp_path / "revenue.duckdb"
    account_asset = [a for a in raw_assets if a.key.path[-1] == "account"]
    dg.materialize(account_asset, resources=resources(org_dir, database))
    again = dg.materialize(account_asset, resources=resources(org_dir, database),
                           run_config={"ops": {"raw__account": {"config": {"reconcile": True}}}})
    metadata = materializations(again)["account"]
    assert metadata["mode"].text == "incremental" and metadata["reconciled"].value is True
    assert metadata["rows_inserted"].value == 0 and metadata["rows_hard_deleted"].value == 0


def test_budget_exhaustion_is_a_clear_dagster_failure(tmp_path):
    org_dir = tmp_path / "org"
    build_tiny_org(50).store.export_csv_dir(org_dir)
    database = tmp_path / "revenue.duckdb"
    account_asset = [a for a in raw_assets if a.key.path[-1] == "account"]
    result = dg.materialize(account_asset, resources=resources(org_dir, database, max_api_calls_per_run=2),
                            raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.message
    assert "Account: " in message and "used its API budget" in message
