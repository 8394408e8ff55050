"""Extraction into DuckDB: full and incremental loads, deletions, bulk, faults and atomicity.

Each test runs the real client (simple-salesforce) against a demo org reached by configuration: a CSV
directory for the in-process transport, or the loopback HTTP server.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.demo_org.server import DemoOrgServer
from orchestration.salesforce import connect
from orchestration.salesforce.catalog import object_spec
from orchestration.salesforce.client import (
    ApiBudget,
    ApiBudgetExhausted,
    OrgApiLimitReached,
    RetryPolicy,
    SalesforceCallFailed,
    SalesforceClient,
)
from orchestration.salesforce.settings import ConnectionSettings
from orchestration.salesforce.sync import SyncOptions, sync_object
from tests.conftest import build_tiny_org

FAST_RETRY = RetryPolicy(max_attempts=4, base_delay_seconds=0.01, max_delay_seconds=0.05)


@pytest.fixture(autouse=True)
def _fresh_demo_orgs():
    connect.forget_demo_orgs()
    yield
    connect.forget_demo_orgs()


@pytest.fixture
def org_dir(tmp_path) -> Path:
    directory = tmp_path / "org"
    build_tiny_org(4500).store.export_csv_dir(directory)
    return directory


def client_for(settings: ConnectionSettings, **kwargs) -> SalesforceClient:
    return SalesforceClient(settings, retry=kwargs.pop("retry", FAST_RETRY), **kwargs)


def in_process(org_dir: Path) -> ConnectionSettings:
    return ConnectionSettings(connection="demo", demo_org_dir=str(org_dir))


def sync(client, database, api_name="Account", **options):
    return sync_object(client, database, object_spec(api_name), SyncOptions(**options), run_id="test-run")


def table_digest(database: Path, table: str) -> tuple[int, str]:
    """Row count and a checksum over every column, to prove a table did not change."""
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(f'SELECT * EXCLUDE (_extracted_at, _run_id) FROM raw."{table}" ORDER BY "Id"').fetchall()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


# What the org and the raw table must agree on after a fault: every record, its name, amount and stamp.
COMPARED = '"Id", "Name", "AnnualRevenue", "SystemModstamp", "IsDeleted"'


def org_digest(org, sobject: str) -> tuple[int, str]:
    """Row count and checksum of the org's own records, deleted ones included, as queryAll returns them."""
    rows = [tuple(r.values()) for r in org.store.query(f'SELECT {COMPARED} FROM "{sobject}" ORDER BY "Id"').to_pylist()]
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def raw_digest(database: Path, table: str) -> tuple[int, str]:
    """The same count and checksum over the raw table the extract wrote."""
    rows = query(database, f'SELECT {COMPARED} FROM raw."{table}" ORDER BY "Id"')
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def query(database: Path, sql: str, params=()):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


# ---------------------------------------------------------------------------------------------
# Full and incremental loads
# ---------------------------------------------------------------------------------------------


def test_first_load_is_full_and_typed(org_dir, tmp_path):
    database = tmp_path / "w.duckdb"
    result = sync(client_for(in_process(org_dir)), database)
    assert (result.mode, result.method, result.load.inserted, result.load.total_rows) == ("full", "rest", 4500, 4500)
    assert "BillingAddress" not in result.fields and "BillingCity" in result.fields
    types = dict(query(database, "SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_schema = 'raw' AND table_name = 'account'"))
    assert types["AnnualRevenue"] == "DECIMAL(18,2)" and types["IsDeleted"] == "BOOLEAN"
    assert types["CreatedDate"] == "TIMESTAMP" and types["Customer_Since__c"] == "DATE"
    assert query(database, 'SELECT "AnnualRevenue" FROM raw.account WHERE "Name" = \'Account 00001\'') == [
        (Decimal("1000.50"),)]
    state = query(database, "SELECT object, last_mode, watermark IS NOT NULL FROM raw._sync_state")
    assert state == [("Account", "full", True)]


def test_incremental_load_merges_changes_soft_and_hard_deletes(org_dir, tmp_path):
    database = tmp_path / "w.duckdb"
    settings = in_process(org_dir)
    client = client_for(settings)
    sync(client, database)
    org = connect.demo_org(settings)
    ids = [r[0] for r in query(database, 'SELECT "Id" FROM raw.account ORDER BY "Id" LIMIT 5')]
    org.store.update("Account", ids[0], {"Name": "Renamed Ltd"})
    org.store.update("Account", ids[1], {"AnnualRevenue": 42})
    org.store.soft_delete("Account", [ids[2]])
    org.store.hard_delete("Account", [ids[3]])
    new_id = org.store.insert("Account", {"Name": "Fresh Co", "OwnerId": org.user_id, "CurrencyIsoCode": "USD"})

    result = sync(client, database, reconcile=True)
    load = result.load
    assert result.mode == "incremental" and result.reconciled
    assert (load.rows_read, load.updated, load.inserted) == (4, 3, 1)
    assert (load.soft_deleted, load.hard_deleted, load.total_rows) == (1, 1, 4501)
    rows = dict(query(database, 'SELECT "Id", "Name" FROM raw.account WHERE "Id" IN (?, ?)', [ids[0], new_id]))
    assert rows == {ids[0]: "Renamed Ltd", new_id: "Fresh Co"}
    flags = query(database, 'SELECT "Id", "IsDeleted", _hard_deleted FROM raw.account WHERE "Id" IN (?, ?) '
                            'ORDER BY "Id"', [ids[2], ids[3]])
    assert flags == [(ids[2], True, False), (ids[3], False, True)]


def test_a_record_back_in_the_org_is_restored_and_stamped_as_written_now(org_dir, tmp_path):
    """Staging restages what raw wrote since its last build, so a restored record must count as written."""
    database = tmp_path / "w.duckdb"
    client = client_for(in_process(org_dir))
    sync(client, database)
    record_id, extracted_at = query(database, 'SELECT "Id", _extracted_at FROM raw.account ORDER BY "Id" LIMIT 1')[0]
    with duckdb.connect(str(database)) as con:  # as if an earlier reconciliation had missed it in the org
        con.execute('UPDATE raw.account SET _hard_deleted = true, _hard_deleted_at = _extracted_at WHERE "Id" = ?',
                    [record_id])

    result = sync(client, database, reconcile=True)
    assert result.reconciled and result.load.rows_read == 1  # the record itself is not read again
    restored = query(database, 'SELECT _hard_deleted, _hard_deleted_at, _extracted_at > ? FROM raw.account '
                               'WHERE "Id" = ?', [extracted_at, record_id])
    assert restored == [(False, None, True)]


def test_incremental_without_changes_reads_only_the_lookback_window(org_dir, tmp_path):
    database = tmp_path / "w.duckdb"
    client = client_for(in_process(org_dir))
    sync(client, database)
    before = table_digest(database, "account")
    result = sync(client, database, reconcile=False)
    assert result.mode == "incremental" and result.load.inserted == 0
    assert result.load.rows_read == 1  # only the newest record sits inside the 15-minute lookback window
    assert table_digest(database, "account") == before


def test_bulk_and_rest_extracts_land_identical_tables(org_dir, tmp_path):
    by_rest, by_bulk = tmp_path / "rest.duckdb", tmp_path / "bulk.duckdb"
    rest = sync(client_for(in_process(org_dir)), by_rest)
    bulk_client = client_for(in_process(org_dir))
    bulk = sync(bulk_client, by_bulk, bulk_threshold=1000, bulk_page_size=1000)
    assert (rest.method, bulk.method) == ("rest", "bulk")
    assert table_digest(by_rest, "account") == table_digest(by_bulk, "account")
    # limits, describe global, describe, count; create job, one poll; five 1,000-row result pages; delete job.
    assert bulk.api_calls == 4 + 2 + 5 + 1
    assert bulk_client.call("list bulk jobs", lambda sf: sf.restful("jobs/query"))["records"] == []


def test_every_object_lands_even_when_empty(org_dir, tmp_path):
    database = tmp_path / "w.duckdb"
    client = client_for(in_process(org_dir))
    for api_name in ("Product2", "OrderItem", "blng__InvoiceLine__c", "DatedConversionRate"):
        result = sync(client, database, api_name)
        assert result.load.total_rows == 0 and result.skipped_reason is None
    assert query(database, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw'")[0][0] >= 6


def test_org_without_billing_skips_billing_objects_with_a_clear_message(tmp_path):
    directory = tmp_path / "no-billing"
    build_tiny_org(10).store.export_csv_dir(directory)
    for path in directory.glob("blng__*.csv"):
        path.unlink()
    database = tmp_path / "w.duckdb"
    result = sync(client_for(in_process(directory)), database, "blng__Invoice__c")
    assert "not in this org (the Salesforce Billing package is not installed)" in result.skipped_reason
    columns = [r[0] for r in query(database, "SELECT column_name FROM information_schema.columns "
                                             "WHERE table_name = 'blng__invoice__c'")]
    assert "blng__InvoiceDate__c" in columns and "_hard_deleted" in columns


def test_extra_fields_follow_relationships_and_unknown_ones_are_reported(org_dir, tmp_path):
    database = tmp_path / "w.duckdb"
    result = sync(client_for(in_process(org_dir)), database, "Opportunity",
                  extra_fields=("Account.Name", "Account.Owner.Email", "Account.Nope__c", "Ghost__c"))
    assert {"Account_Name", "Account_Owner_Email"} <= set(result.fields)
    assert sorted(query(database, 'SELECT "Account_Name" FROM raw.opportunity')) == [
        ("Account 00000",), ("Account 00001",), ("Account 00002",)]
    skipped = " ".join(result.skipped_fields)
    assert "Opportunity.Account.Nope__c" in skipped and "Opportunity.Ghost__c" in skipped


def test_bad_values_in_a_csv_org_are_named_and_the_record_is_kept(org_dir, tmp_path):
    path = org_dir / "Opportunity.csv"
    text = path.read_text().splitlines()
    header = text[0].split(",")
    cells = text[1].split(",")
    cells[header.index("CloseDate")] = "2026-02-30"
    bad_id = cells[0]
    path.write_text("\n".join([text[0], ",".join(cells), *text[2:]]) + "\n")
    org = connect.demo_org(in_process(org_dir))
    assert [(i.sobject, i.record_id, i.field) for i in org.load_issues] == [("Opportunity", bad_id, "CloseDate")]
    result = sync(client_for(in_process(org_dir)), tmp_path / "w.duckdb", "Opportunity")
    assert result.load.total_rows == 3


# ---------------------------------------------------------------------------------------------
# Faults: a correct result after retry, or a clear failure with the previous data intact
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path):
    org = build_tiny_org(4500)
    with DemoOrgServer(org, stall_seconds=1.0) as server:
        settings = ConnectionSettings(connection="demo", demo_server_url=server.url, read_timeout_seconds=0.5)
        yield org, settings


@pytest.mark.network
@pytest.mark.parametrize("fault", [
    {"kind": "status", "status": 503, "path": "/queryAll/01g", "times": 2},
    {"kind": "status", "status": 502, "path": "/queryAll/?$", "times": 1},
    {"kind": "timeout", "path": "/queryAll/01g", "times": 1},
    {"kind": "drop", "path": "/queryAll/01g", "times": 1},
    {"kind": "drop", "path": "/queryAll/01g", "bytes_before_drop": 500, "times": 1},
    {"kind": "invalid_session", "path": "/queryAll/01g", "times": 1},
    {"kind": "status", "status": 500, "path": "/jobs/query/.*/results", "times": 2, "bulk": True},
    {"kind": "drop", "path": "/jobs/query/.*/results", "bytes_before_drop": 2000, "times": 1, "bulk": True},
    {"kind": "invalid_session", "path": "/jobs/query/.*/results", "times": 1, "bulk": True},
], ids=lambda f: f"{f['kind']}-{f.get('status', '')}-{'bulk' if f.get('bulk') else 'rest'}")
def test_transient_faults_end_in_the_same_table(served, tmp_path, fault):
    org, settings = served
    clean = tmp_path / "clean.duckdb"
    sync(client_for(settings), clean)
    fault = dict(fault)
    bulk = fault.pop("bulk", False)
    injected = org.faults.add(fault.pop("kind"), **fault)
    faulty = tmp_path / "faulty.duckdb"
    options = {"bulk_threshold": 1000, "bulk_page_size": 1000} if bulk else {}
    client = client_for(settings)
    logins_before = org.sessions.logins
    result = sync(client, faulty, **options)
    assert result.method == ("bulk" if bulk else "rest")
    assert injected.fired == injected.times
    # Recovered by our retry, or (expired session on REST) by simple-salesforce logging in again.
    assert client.retries >= 1 or org.sessions.logins == logins_before + 2
    assert table_digest(faulty, "account") == table_digest(clean, "account")
    assert raw_digest(faulty, "account") == org_digest(org, "Account")  # no duplicate, missing or altered row


@pytest.mark.network
def test_persistent_5xx_fails_clearly_and_keeps_the_previous_table(served, tmp_path):
    org, settings = served
    database = tmp_path / "w.duckdb"
    sync(client_for(settings), database)
    before = table_digest(database, "account")
    org.store.update("Account", org.store.ids_by_field("Account", "External_Id__c", "ACC-00001")[0], {"Name": "x"})
    injected = org.faults.add("status", status=500, path="/queryAll", times=0)
    with pytest.raises(SalesforceCallFailed, match="still failing after 4 attempts: HTTP 500"):
        sync(client_for(settings), database, mode="full")
    assert injected.fired == 4
    assert table_digest(database, "account") == before


@pytest.mark.network
def test_failure_mid_extract_leaves_the_previous_table_intact(served, tmp_path):
    org, settings = served
    database = tmp_path / "w.duckdb"
    sync(client_for(settings), database)
    before = table_digest(database, "account")
    injected = org.faults.add("status", status=500, path="/queryAll/01g", after=1, times=0)
    with pytest.raises(SalesforceCallFailed):
        sync(client_for(settings), database, mode="full")
    assert injected.seen == 1 + 4  # the first next-page call passed, the second failed every attempt
    assert table_digest(database, "account") == before


@pytest.mark.network
def test_org_request_limit_stops_cleanly(served, tmp_path):
    org, settings = served
    database = tmp_path / "w.duckdb"
    sync(client_for(settings), database)
    before = table_digest(database, "account")
    injected = org.faults.add("request_limit", path="/queryAll", times=0)
    with pytest.raises(OrgApiLimitReached, match="REQUEST_LIMIT_EXCEEDED"):
        sync(client_for(settings), database, mode="full")
    assert injected.fired == 1  # not retried: an exhausted org allowance does not come back in seconds
    assert table_digest(database, "account") == before


def test_run_budget_stops_before_the_next_call(org_dir, tmp_path):
    database = tmp_path / "w.duckdb"
    client = client_for(in_process(org_dir), budget=ApiBudget(max_calls=4))
    with pytest.raises(ApiBudgetExhausted, match="used its API budget"):
        sync(client, database)
    assert client.calls_used == 4
    assert query(database, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'account'") == [(0,)]


def test_budget_share_is_taken_from_what_the_org_has_left(org_dir, tmp_path):
    settings = in_process(org_dir)
    org = connect.demo_org(settings)
    org.limits.set_used(org.limits.daily_limit - 10)
    client = client_for(settings, budget=ApiBudget(share_of_remaining=0.5))
    with pytest.raises(ApiBudgetExhausted):
        sync(client, tmp_path / "w.duckdb")
    # The limits call that reads the allowance is itself counted: 9 left, half of them for this run.
    assert client.budget.allowed == 4


def test_generated_org_reference_date_is_before_today():
    assert date(2026, 10, 31) <= date.today()
