"""The write-back against the demo org: values land, formula fields are refused, rejected records are
logged without stopping the others, reruns send only what failed or changed, and nothing is deleted.

Each test extracts a small org for real, stands in for the dbt sync models with a table computed from the
extracted rows, plans and pushes through simple-salesforce — in-process and over HTTP on loopback.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.demo_org.server import DemoOrgServer
from orchestration.reverse_etl.mapping import FieldMapping, load_mapping
from orchestration.reverse_etl.plan import build_plan
from orchestration.reverse_etl.push import FieldsNotWritable, push
from orchestration.salesforce import connect
from orchestration.salesforce.catalog import object_spec
from orchestration.salesforce.client import RetryPolicy, SalesforceClient
from orchestration.salesforce.settings import ConnectionSettings
from orchestration.salesforce.sync import SyncOptions, sync_object
from tests.conftest import build_tiny_org

MAPPING = """
version: 1
objects:
  Opportunity:
    source: reverse_etl.sync_opportunities
    id_column: opportunity_id
    fields:
      ARR__c: {column: arr, direction: send}
      Stage_Category__c: {column: stage_category, direction: both}
      MRR__c: {column: mrr, direction: receive}
{extra}
"""


class Harness:
    """A demo org, a warehouse extracted from it, and the pieces of one write-back."""

    def __init__(self, tmp_path: Path, settings: ConnectionSettings, org) -> None:
        self.tmp_path, self.settings, self.org = tmp_path, settings, org
        self.database = tmp_path / "w.duckdb"
        self.run = 0

    def client(self) -> SalesforceClient:
        return SalesforceClient(self.settings, retry=RetryPolicy(base_delay_seconds=0.01))

    def extract(self) -> None:
        client = self.client()
        for name in ("Opportunity", "Account"):
            sync_object(client, self.database, object_spec(name), SyncOptions(reconcile=True), run_id="extract")

    def desired(self, sql: str = "1000 * row_number() over (order by \"Id\")") -> None:
        """What the models would want written: an ARR per opportunity and its stage category."""
        with duckdb.connect(str(self.database)) as con:
            con.execute("create schema if not exists reverse_etl")
            con.execute(f"""create or replace table reverse_etl.sync_opportunities as
                select "Id" as opportunity_id, cast({sql} as decimal(18, 2)) as arr, 'Booked' as stage_category,
                       cast(7 as decimal(18, 2)) as mrr
                from raw.opportunity where not "IsDeleted" """)

    def mapping(self, extra: str = ""):
        path = self.tmp_path / "mapping.yaml"
        path.write_text(MAPPING.replace("{extra}", extra))
        return load_mapping(path)

    def push(self, mapping=None, **options):
        self.run += 1
        mapping = mapping or self.mapping()
        client = self.client()
        with duckdb.connect(str(self.database)) as con:
            summary = build_plan(con, mapping, f"run-{self.run}", datetime.now(UTC).replace(tzinfo=None))
            result = push(con, client, mapping, run_id=f"run-{self.run}", sleep=lambda s: None, **options)
        return summary, result, client

    def log(self, run: int | None = None) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as con:
            return con.execute(
                "select record_id, status, error_code from reverse_etl.sync_log where run_id = ? order by record_id",
                [f"run-{run or self.run}"]).fetchall()

    def org_value(self, record_id: str, field: str):
        return self.org.store.get("Opportunity", record_id, include_deleted=True)[field]


@pytest.fixture(params=["in_process", pytest.param("http", marks=pytest.mark.network)])
def harness(request, tmp_path):
    connect.forget_demo_orgs()
    if request.param == "in_process":
        directory = tmp_path / "org"
        build_tiny_org(50).store.export_csv_dir(directory)
        settings = ConnectionSettings(connection="demo", demo_org_dir=str(directory))
        harness = Harness(tmp_path, settings, connect.demo_org(settings))
        harness.extract()
        yield harness
    else:
        org = build_tiny_org(50)
        with DemoOrgServer(org) as server:
            harness = Harness(tmp_path, ConnectionSettings(connection="demo", demo_server_url=server.url), org)
            harness.extract()
            yield harness
    connect.forget_demo_orgs()


def opportunity_ids(harness) -> list[str]:
    with duckdb.connect(str(harness.database), read_only=True) as con:
        return [r[0] for r in con.execute('select "Id" from raw.opportunity order by "Id"').fetchall()]


def test_values_land_in_salesforce_and_only_sending_fields_are_written(harness):
    harness.desired()
    summary, result, _ = harness.push()
    ids = opportunity_ids(harness)
    assert summary.by_object == {"Opportunity": 6}          # 3 records, ARR__c and Stage_Category__c each
    assert (result.succeeded, result.failed, result.write_calls) == (3, 0, 1)
    assert [float(harness.org_value(i, "ARR__c")) for i in ids] == [1000.0, 2000.0, 3000.0]
    assert {harness.org_value(i, "Stage_Category__c") for i in ids} == {"Booked"}
    assert {harness.org_value(i, "MRR__c") for i in ids} == {None}     # direction receive: never written
    assert [status for _, status, _ in harness.log()] == ["success"] * 3


def test_a_second_run_with_no_changes_makes_no_write_calls(harness):
    harness.desired()
    harness.push()
    requests_before = harness.org.requests_seen
    summary, result, _ = harness.push()
    assert summary.rows == 0 and result.write_calls == 0 and result.sent_records == 0
    assert harness.org.requests_seen == requests_before          # not even a login
    assert harness.log() == []


def test_a_changed_value_is_the_only_thing_sent_again(harness):
    harness.desired()
    harness.push()
    harness.desired("case when row_number() over (order by \"Id\") = 2 then 2500 else 1000 * row_number() "
                    "over (order by \"Id\") end")
    summary, result, _ = harness.push()
    ids = opportunity_ids(harness)
    assert summary.rows == 1 and result.sent_records == 1
    assert float(harness.org_value(ids[1], "ARR__c")) == 2500.0


def test_a_formula_field_is_refused_by_name_before_anything_is_written(harness):
    harness.desired()
    with duckdb.connect(str(harness.database)) as con:
        con.execute("alter table reverse_etl.sync_opportunities add column term integer default 99")
    mapping = harness.mapping()
    mapping.objects["Opportunity"].fields["Contract_Term_Months__c"] = FieldMapping(column="term")
    with pytest.raises(FieldsNotWritable, match=re.escape(
            "Opportunity.Contract_Term_Months__c: a formula (calculated) field cannot be written")):
        harness.push(mapping)
    assert {harness.org_value(i, "ARR__c") for i in opportunity_ids(harness)} == {None}
    assert harness.log() == []


def test_a_validation_rule_rejection_is_logged_and_the_others_go_through(harness):
    harness.desired()
    ids = opportunity_ids(harness)
    harness.org.faults.add("validation_rule", path="/composite/sobjects", record_ids={ids[1]}, times=0,
                           message="ARR cannot change on a closed-lost opportunity")
    _, result, _ = harness.push()
    assert (result.succeeded, result.failed) == (2, 1)
    assert harness.log() == [(ids[0], "success", None), (ids[1], "error", "FIELD_CUSTOM_VALIDATION_EXCEPTION"),
                             (ids[2], "success", None)]
    assert harness.org_value(ids[1], "ARR__c") is None and float(harness.org_value(ids[2], "ARR__c")) == 3000.0
    # The rule is lifted: the rerun sends only the record that failed.
    harness.org.faults.clear()
    summary, result, _ = harness.push()
    assert summary.records == 1 and result.succeeded == 1
    assert float(harness.org_value(ids[1], "ARR__c")) == 2000.0


def test_locked_records_are_retried(harness):
    harness.desired()
    ids = opportunity_ids(harness)
    harness.org.faults.add("lock_row", path="/composite/sobjects", record_ids={ids[0]}, times=2)
    _, result, _ = harness.push()
    assert (result.succeeded, result.failed, result.write_calls) == (3, 0, 3)
    assert float(harness.org_value(ids[0], "ARR__c")) == 1000.0


def test_a_record_deleted_in_salesforce_after_extraction_is_logged(harness):
    harness.desired()
    ids = opportunity_ids(harness)
    harness.org.store.soft_delete("Opportunity", [ids[2]])
    _, result, _ = harness.push()
    assert (result.succeeded, result.failed) == (2, 1)
    assert harness.log()[2] == (ids[2], "error", "ENTITY_IS_DELETED")
    assert harness.org.store.get("Opportunity", ids[2], include_deleted=True)["IsDeleted"] is True


def test_dry_run_plans_and_sends_nothing(harness):
    harness.desired()
    requests_before = harness.org.requests_seen
    summary, result, _ = harness.push(dry_run=True)
    assert summary.rows == 6 and result.planned_records == 3 and result.write_calls == 0
    assert harness.org.requests_seen == requests_before
    with duckdb.connect(str(harness.database), read_only=True) as con:
        assert con.execute("select count(*) from reverse_etl.push_plan").fetchall() == [(6,)]


def test_the_write_budget_stops_cleanly_and_the_rest_is_sent_next_time(harness):
    harness.desired()
    _, result, _ = harness.push(max_write_calls=0)
    assert (result.write_calls, result.not_sent) == (0, 3)
    assert {status for _, status, _ in harness.log()} == {"not_sent"}
    _, result, _ = harness.push()
    assert result.succeeded == 3


def test_records_are_only_created_through_an_upsert_mapping(harness):
    with duckdb.connect(str(harness.database)) as con:
        con.execute("create schema if not exists reverse_etl")
        con.execute("""create table reverse_etl.sync_accounts as
            select 'ACC-00001' as external_id, 'Renamed by the pipeline' as account_name
            union all select 'ACC-NEW-9', 'Created by the pipeline'""")
    mapping_path = harness.tmp_path / "upsert.yaml"
    mapping_path.write_text("""
version: 1
objects:
  Account:
    source: reverse_etl.sync_accounts
    upsert: {external_id_field: External_Id__c, column: external_id}
    fields:
      Name: {column: account_name, direction: send}
""")
    _, result, _ = harness.push(load_mapping(mapping_path))
    assert result.succeeded == 2
    created = harness.org.store.ids_by_field("Account", "External_Id__c", "ACC-NEW-9")
    assert len(created) == 1
    assert harness.org.store.get("Account", created[0])["Name"] == "Created by the pipeline"


def test_the_write_back_code_has_no_path_that_deletes():
    """Never delete: no DELETE request and no delete call anywhere in the write-back or the client."""
    root = Path(__file__).resolve().parents[2] / "orchestration"
    sources = [*(root / "reverse_etl").glob("*.py"), root / "salesforce" / "client.py",
               *(root / "defs" / "reverse_etl").glob("*.py")]
    for source in sources:
        text = source.read_text()
        # The one DELETE allowed: the client removes a finished Bulk API query job (its result files, not
        # records) once it has read them. Every DELETE request must name that endpoint.
        for request in re.finditer(r"[^\n]*\n[^\n]*method=[\"']DELETE[\"']", text):
            assert 'restful(f"jobs/query/{job_id}", method="DELETE"' in request.group(0), (source, request.group(0))
        text = text.replace('method="DELETE"', "")
        # Salesforce deletes: SFType.delete(), a DELETE request, bulk delete/hardDelete jobs.
        assert not re.search(r"\.delete\(|method=[\"']DELETE[\"']|hard_delete\(|hardDelete", text), source
