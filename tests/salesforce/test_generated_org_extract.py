"""Every object of a generated org, written as a CSV directory, lands in DuckDB exactly as the org holds it."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from orchestration.demo_org.generator import generate_org, write_csv_dir
from orchestration.salesforce import connect
from orchestration.salesforce.catalog import OBJECTS
from orchestration.salesforce.client import RetryPolicy, SalesforceClient
from orchestration.salesforce.settings import ConnectionSettings
from orchestration.salesforce.sync import SyncOptions, sync_object


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    connect.forget_demo_orgs()
    base = tmp_path_factory.mktemp("generated")
    write_csv_dir(generate_org(scale=400, seed=11), base / "org")
    settings = ConnectionSettings(connection="demo", demo_org_dir=str(base / "org"))
    client = SalesforceClient(settings, retry=RetryPolicy(base_delay_seconds=0.01))
    database = base / "revenue.duckdb"
    results = {spec.api_name: sync_object(client, database, spec, SyncOptions(bulk_threshold=500, bulk_page_size=400),
                                          run_id="t") for spec in OBJECTS}
    yield connect.demo_org(settings), database, results
    connect.forget_demo_orgs()


def _digest(values) -> str:
    return hashlib.sha256("\n".join(sorted(str(v) for v in values)).encode()).hexdigest()


@pytest.mark.parametrize("spec", OBJECTS, ids=lambda s: s.api_name)
def test_object_lands_with_every_row_and_id(landed, spec):
    org, database, results = landed
    expected = org.store.table(spec.api_name).column("Id").to_pylist()
    with duckdb.connect(str(database), read_only=True) as con:
        landed_ids = [r[0] for r in con.execute(f'SELECT "Id" FROM {spec.qualified_table}').fetchall()]
    assert len(landed_ids) == len(expected) > 0
    assert _digest(landed_ids) == _digest(expected)
    assert results[spec.api_name].load.issue_count == 0


def test_large_objects_go_through_bulk_and_small_ones_through_rest(landed):
    _, _, results = landed
    assert results["OpportunityLineItem"].method == "bulk"
    assert results["Product2"].method == "rest"


def test_money_and_dates_are_exact(landed):
    org, database, _ = landed
    opportunities = org.store.table("Opportunity").to_pylist()
    source = {r["Id"]: (r["Amount"], r["CloseDate"], r["IsDeleted"]) for r in opportunities}
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute('SELECT "Id", "Amount", "CloseDate", "IsDeleted" FROM raw.opportunity').fetchall()
    assert {r[0]: tuple(r[1:]) for r in rows} == source
    assert any(deleted for _, _, deleted in source.values())  # soft-deleted rows arrived through queryAll


def test_formula_fields_are_extracted_as_data(landed):
    _, database, _ = landed
    with duckdb.connect(str(database), read_only=True) as con:
        total = con.execute('SELECT count(*) FROM raw."order" WHERE "TotalAmount" IS NOT NULL').fetchall()[0][0]
    assert total > 0
