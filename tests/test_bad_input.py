"""Bad input: each bad record is named (object, record Id, field, rule) and the rest of the data is intact.

One `revenue_refresh` run on a generated org (scale 1000, seed 11) written to a CSV directory. Besides the
generator's own planted problems (``generated.planted``), the test plants what the generator does not: a
malformed date, an impossible one, a contract ending before it starts, zero, negative and empty line
quantities, an empty StageName and AccountId, a line naming no product, a currency without any exchange
rate, and huge (100,000 characters) and unicode strings. Each catalogue item is checked on its own: a row
in ``marts.fct_data_issues`` naming exactly the object, record and field with its rule, or, for values
that are not errors, the value landing unchanged. Then the rest: every object's raw table holds every
record the org has, and the contract marts hold every in-scope record except those a rule leaves out.

A second, smaller scenario changes the org's schema between two syncs (a field removed, a field added).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import defs
from orchestration.defs.resources import SalesforceResource, WarehouseResource
from orchestration.demo_org.generator import generate_org, write_csv_dir
from orchestration.demo_org.org import DemoOrg
from orchestration.demo_org.schema import build_schema, text
from orchestration.demo_org.server import DemoOrgServer
from orchestration.demo_org.store import OrgStore
from orchestration.salesforce import connect
from orchestration.salesforce.catalog import OBJECTS
from orchestration.salesforce.settings import ConnectionSettings

SCALE, SEED = 1000, 11
# 100,000 characters, multi-byte ones included; and text that breaks naive CSV, JSON or SQL handling:
# combining marks, a zero-width joiner sequence, right-to-left text and marks, quotes, a comma, a tab.
HUGE = ("Ω≈ç√ huge ✓ " * 10_000)[:100_000]
UNICODE = "Ünïcødé — 日本語 🚀👩‍👩‍👧 עברית العربية e\u0301 \u200f\u202e \u2018q\u2019 \"dq\", comma;\ttab 'single'"
LINK_FIELDS = ("Renews__c", "Renewed_By__c", "Amends__c", "Amended_By__c")


@dataclass(frozen=True)
class Plant:
    kind: str
    sobject: str
    record_id: str
    field: str
    value: str


# ---------------------------------------------------------------------------------------------
# Planting bad values in the CSV org
# ---------------------------------------------------------------------------------------------


def _read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _clean_contracts(opportunities: list[dict], lines_of: dict[str, list[dict]], planted: set[str]) -> list[str]:
    """Booked USD contracts with dates and lines, linked to nothing, with nothing planted on them."""
    linked = {o[f] for o in opportunities for f in LINK_FIELDS if o[f]}
    return [
        o["Id"] for o in opportunities
        if o["StageName"].startswith("Closed Won") and o["IsDeleted"] == "false" and o["CurrencyIsoCode"] == "USD"
        and o["Start_Date__c"] and o["End_Date__c"] and not o["Assigned_ARR__c"] and not o["Assigned_MRR__c"]
        and o["Id"] not in linked and o["Id"] not in planted and not any(o[f] for f in LINK_FIELDS)
        and lines_of.get(o["Id"])
        and not any(line["Id"] in planted or line["IsDeleted"] == "true" for line in lines_of[o["Id"]])
    ]


def plant_bad_input(directory: Path, planted: set[str]) -> list[Plant]:
    """Edit the CSV org: one clean contract (or its first line) per bad value."""
    paths = {name: directory / f"{name}.csv" for name in ("Opportunity", "OpportunityLineItem", "Product2")}
    opportunities, lines, products = (_read(paths[n]) for n in ("Opportunity", "OpportunityLineItem", "Product2"))
    lines_of: dict[str, list[dict]] = {}
    for line in lines:
        lines_of.setdefault(line["OpportunityId"], []).append(line)
    by_id = {o["Id"]: o for o in opportunities}
    clean = iter(_clean_contracts(opportunities, lines_of, planted))
    plants: list[Plant] = []

    def on_contract(kind: str, field: str, value: str) -> dict:
        record = by_id[next(clean)]
        record[field] = value
        plants.append(Plant(kind, "Opportunity", record["Id"], field, value))
        return record

    def on_line(kind: str, field: str, value: str) -> dict:
        line = lines_of[next(clean)][0]
        line[field] = value
        plants.append(Plant(kind, "OpportunityLineItem", line["Id"], field, value))
        return line

    on_contract("impossible_date", "CloseDate", "2026-02-30")
    on_contract("malformed_date", "End_Date__c", "next Tuesday")
    on_contract("end_before_start", "End_Date__c", "2020-01-01")["Start_Date__c"] = "2020-06-30"
    on_line("zero_quantity", "Quantity", "0")
    on_line("negative_quantity", "Quantity", "-3")
    on_line("null_quantity", "Quantity", "")
    on_line("orphan_line", "OpportunityId", "006Dm00000ZZZZZIAA")
    on_contract("null_stage", "StageName", "")
    on_contract("null_account", "AccountId", "")
    line = on_line("line_without_product", "Product2Id", "")
    line["PricebookEntryId"] = line["Product_Lookup_Key__c"] = ""
    on_contract("currency_without_rate", "CurrencyIsoCode", "CHF")
    on_contract("unicode_name", "Name", UNICODE)
    on_contract("unicode_description", "Description", UNICODE + "\nsecond line")
    on_contract("huge_name", "Name", HUGE)
    on_contract("huge_description", "Description", HUGE)
    product = next(p for p in products if p["Id"] not in planted and p["IsActive"] == "true")
    product["Description"] = HUGE
    plants.append(Plant("huge_product_description", "Product2", product["Id"], "Description", HUGE))
    for name, rows in (("Opportunity", opportunities), ("OpportunityLineItem", lines), ("Product2", products)):
        _write(paths[name], rows)
    return plants


@dataclass
class BadRun:
    result: dg.ExecuteInProcessResult
    generated: object
    plants: dict[str, Plant]
    org: DemoOrg
    database: Path

    def query(self, sql: str, params=()) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()

    def issues(self, record_id: str) -> list[tuple]:
        return self.query("SELECT object, field, rule, severity, message, related_record_id FROM marts.fct_data_issues "
                          "WHERE record_id = ? ORDER BY ALL", [record_id])

    def planted(self, kind: str) -> list:
        found = [p for p in self.generated.planted if p.kind == kind]
        assert found, f"the generator planted no {kind}"
        return found


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory) -> BadRun:
    connect.forget_demo_orgs()
    base = tmp_path_factory.mktemp("bad_input")
    generated = generate_org(scale=SCALE, seed=SEED)
    write_csv_dir(generated, base / "org")
    plants = plant_bad_input(base / "org", {p.record_id for p in generated.planted})
    resources = {
        "salesforce": SalesforceResource(connection="demo", demo_org_dir=str(base / "org"),
                                         retry_base_delay_seconds=0.01),
        "warehouse": WarehouseResource(database=str(base / "revenue.duckdb")),
    }
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("revenue_refresh").execute_in_process(
            instance=instance, resources=resources, raise_on_error=False)
    org = connect.demo_org(ConnectionSettings(connection="demo", demo_org_dir=str(base / "org")))
    yield BadRun(result, generated, {p.kind: p for p in plants}, org, base / "revenue.duckdb")
    connect.forget_demo_orgs()


# ---------------------------------------------------------------------------------------------
# The run as a whole
# ---------------------------------------------------------------------------------------------


GATE_STEPS = {"marts__fct_contracts_gx_opportunities": "gx_opportunities",
              "marts__fct_contract_line_items_gx_line_items": "gx_line_items"}


@pytest.mark.slow
def test_every_asset_is_built_and_only_the_quality_gate_fails(bad_run):
    """Bad records must not stop a model: every asset of the job materialises, no dbt test fails (some
    warn). What fails is the quality gate, as designed: a contract without a stage or a close date, or in a
    currency without rates, and a line ending before it starts, hold the write-back until they are fixed."""
    result = bad_run.result
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    # The analyst copy is published only after the gate passes; everything else is built.
    not_built = defs.resolve_job_def("revenue_refresh").asset_layer.selected_asset_keys - materialized
    assert not_built <= {dg.AssetKey(["warehouse", "analyst_copy"])}
    failures = {e.step_key: e.event_specific_data.error.message for e in result.all_events if e.is_step_failure}
    assert set(failures) <= set(GATE_STEPS), failures
    assert all("blocking asset check failed" in message for message in failures.values())
    failing_dbt_tests = [(e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations()
                         if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
                         and not e.check_name.startswith("gx_")]
    assert failing_dbt_tests == []


@pytest.mark.slow
def test_the_quality_gate_names_the_bad_records(bad_run):
    evaluations = {e.check_name: e for e in bad_run.result.get_asset_check_evaluations()}
    contracts = evaluations["gx_opportunities"]
    assert not contracts.passed
    for kind in ("impossible_date", "null_stage", "currency_without_rate"):
        assert bad_run.plants[kind].record_id in contracts.metadata["sample_failing_ids"].value, kind
    lines = evaluations["gx_line_items"]
    assert not lines.passed
    inverted = bad_run.query("SELECT line_id FROM marts.fct_contract_line_items WHERE contract_id = ?",
                             [bad_run.plants["end_before_start"].record_id])
    assert inverted and all(line_id in lines.metadata["sample_failing_ids"].value for (line_id,) in inverted)


@pytest.mark.slow
def test_every_raw_table_holds_every_record_of_the_org(bad_run):
    for spec in OBJECTS:
        if spec.api_name not in bad_run.org.schema:
            continue
        in_org = bad_run.org.store.count(spec.api_name, include_deleted=True)
        in_raw = bad_run.query(f'SELECT count(*) FROM raw."{spec.table}"')[0][0]
        assert in_raw == in_org, spec.api_name


@pytest.mark.slow
def test_the_contract_marts_hold_every_record_but_the_ones_a_rule_leaves_out(bad_run):
    store = bad_run.org.store
    # The one rule that leaves a live opportunity out: no AccountId (no customer to attribute revenue to).
    in_scope = 'NOT o."IsDeleted" AND o."AccountId" IS NOT NULL'
    contracts = store.scalar(f'SELECT count(*) FROM "Opportunity" o WHERE {in_scope}')
    real_lines = store.scalar(f'SELECT count(*) FROM "OpportunityLineItem" l JOIN "Opportunity" o '
                              f'ON o."Id" = l."OpportunityId" WHERE NOT l."IsDeleted" AND {in_scope}')
    one_line_contracts = store.scalar(
        f'SELECT count(*) FROM "Opportunity" o WHERE {in_scope} AND NOT EXISTS (SELECT 1 FROM '
        f'"OpportunityLineItem" l WHERE l."OpportunityId" = o."Id" AND NOT l."IsDeleted")')
    assert bad_run.query("SELECT count(*) FROM marts.fct_contracts")[0][0] == contracts
    assert bad_run.query("SELECT count(*) FROM marts.fct_contract_line_items")[0][0] == real_lines + one_line_contracts
    left_out = bad_run.plants["null_account"].record_id
    kept = [p for p in bad_run.plants.values() if p.sobject == "Opportunity" and p.record_id != left_out]
    found = {r[0] for r in bad_run.query("SELECT contract_id FROM marts.fct_contracts")}
    assert {p.record_id for p in kept} <= found
    assert left_out not in found
    line_ids = {r[0] for r in bad_run.query("SELECT line_id FROM marts.fct_contract_line_items")}
    orphan = bad_run.plants["orphan_line"].record_id  # belongs to no contract: reported, not in the marts
    assert {p.record_id for p in bad_run.plants.values() if p.sobject == "OpportunityLineItem"} - {orphan} <= line_ids
    assert orphan not in line_ids


# ---------------------------------------------------------------------------------------------
# The catalogue, one item at a time
# ---------------------------------------------------------------------------------------------

# Planted here: kind -> (object, field, rule) the issue row must name, for the planted record.
PLANTED_HERE = {
    "impossible_date": ("Opportunity", "CloseDate", "missing required value"),
    "end_before_start": ("Opportunity", "End_Date__c", "end before start"),
    "zero_quantity": ("OpportunityLineItem", "Quantity", "quantity not positive"),
    "negative_quantity": ("OpportunityLineItem", "Quantity", "quantity not positive"),
    "null_quantity": ("OpportunityLineItem", "Quantity", "missing required value"),
    "orphan_line": ("OpportunityLineItem", "OpportunityId", "line of a missing opportunity"),
    "null_stage": ("Opportunity", "StageName", "missing required value"),
    "null_account": ("Opportunity", "AccountId", "missing required value"),
    # The line has neither Product2Id nor a lookup key: the row names the lookup field that was empty.
    "line_without_product": ("OpportunityLineItem", "Product_Lookup_Key__c", "Contract Item Missing LookupKey"),
    "currency_without_rate": ("Opportunity", "CurrencyIsoCode", "missing FX rate"),
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(PLANTED_HERE))
def test_each_bad_value_is_reported_naming_object_record_and_field(bad_run, kind):
    plant = bad_run.plants[kind]
    sobject, field, rule = PLANTED_HERE[kind]
    rows = [r for r in bad_run.issues(plant.record_id) if (r[0], r[1], r[2]) == (sobject, field, rule)]
    assert len(rows) == 1, bad_run.issues(plant.record_id)
    severity, message = rows[0][3], rows[0][4]
    assert severity in ("error", "warning")
    assert len(message) > 30  # says what is wrong and what was done about it


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["impossible_date", "malformed_date"])
def test_a_malformed_date_is_named_by_the_org_load_and_arrives_empty(bad_run, kind):
    """The org cannot store '2026-02-30' or 'next Tuesday' in a date field: its CSV load names the cell and
    keeps the record with the field empty, as Salesforce keeps no invalid date. The pipeline then sees an
    empty value: a required CloseDate is reported; an empty contract end date falls back to the lines."""
    plant = bad_run.plants[kind]
    named = [(i.sobject, i.record_id, i.field, i.value) for i in bad_run.org.load_issues]
    assert (plant.sobject, plant.record_id, plant.field, plant.value) in named
    assert bad_run.query(f'SELECT "{plant.field}" FROM raw.opportunity WHERE "Id" = ?', [plant.record_id]) == [(None,)]
    dates = bad_run.query("SELECT start_date, end_date FROM marts.fct_contracts WHERE contract_id = ?",
                          [plant.record_id])
    assert len(dates) == 1 and None not in dates[0]


@pytest.mark.slow
def test_a_contract_ending_before_it_starts_is_reported_on_every_line_too(bad_run):
    contract = bad_run.plants["end_before_start"].record_id
    lines = bad_run.query("SELECT line_id FROM marts.fct_contract_line_items WHERE contract_id = ?", [contract])
    assert lines
    for (line_id,) in lines:
        assert ("OpportunityLineItem", "End_Date__c", "end before start") in {r[:3] for r in bad_run.issues(line_id)}
    assert bad_run.query("SELECT arr FROM marts.fct_contracts WHERE contract_id = ?", [contract]) == [(0,)]


@pytest.mark.slow
def test_an_opportunity_without_a_stage_is_kept_as_forecast(bad_run):
    contract = bad_run.plants["null_stage"].record_id
    assert bad_run.query("SELECT stage_name, stage_category FROM marts.fct_contracts WHERE contract_id = ?",
                         [contract]) == [(None, "Forecast")]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["unicode_name", "unicode_description", "huge_name", "huge_description",
                                  "huge_product_description"])
def test_huge_and_unicode_strings_land_unchanged(bad_run, kind):
    plant = bad_run.plants[kind]
    table = plant.sobject.lower()
    raw = bad_run.query(f'SELECT "{plant.field}" FROM raw."{table}" WHERE "Id" = ?', [plant.record_id])
    assert raw == [(plant.value,)]
    assert raw[0][0].encode("utf-8") == plant.value.encode("utf-8")
    downstream = {
        "unicode_name": ("staging.stg_salesforce__opportunities", "opportunity_name", "opportunity_id"),
        "huge_name": ("marts.fct_contracts", "contract_name", "contract_id"),
        "huge_product_description": ("staging.stg_salesforce__products", "description", "product_id"),
    }.get(kind)
    if downstream:
        relation, column, key = downstream
        assert bad_run.query(f"SELECT {column} FROM {relation} WHERE {key} = ?", [plant.record_id]) == [(plant.value,)]
    assert bad_run.issues(plant.record_id) == []


# The generator's own planted problems: kind -> (object, field, rule) reported for the planted record.
GENERATOR_PLANTED = {
    "duplicate_sku": ("Product2", "ProductCode", "duplicate SKU"),
    "unknown_product": ("OpportunityLineItem", "Product_Lookup_Key__c", "Contract Item Missing LookupKey"),
    "ambiguous_product": ("OpportunityLineItem", "Product_Lookup_Key__c", "query did not return a unique result"),
    "renewal_cycle": ("Opportunity", "Renews__c", "renewal cycle"),
    "self_renewal": ("Opportunity", "Renews__c", "renewal self-link"),
    # The link set aside is reported where it is stated: the parent's Renewed_By__c.
    "conflicting_renewal_link": ("Opportunity", "Renewed_By__c", "conflicting renewal links"),
    "amendment_of_missing_contract": ("Opportunity", "Amends__c", "amendment of a missing contract"),
    "missing_end_date": ("OpportunityLineItem", "End_Date__c", "missing end date"),
    "lone_assigned_arr": ("Opportunity", "Assigned_ARR__c", "lone Assigned ARR"),
    "end_before_start": ("OrderItem", "EndDate", "not recognised: bad recognition data"),
    "unknown_template": ("OrderItem", "ffrrTemplate__c", "not recognised: bad recognition data"),
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(GENERATOR_PLANTED))
def test_each_problem_the_generator_plants_is_reported(bad_run, kind):
    sobject, field, rule = GENERATOR_PLANTED[kind]
    for planted in bad_run.planted(kind):
        # Product lookups report the field that held the unmatched value, not the empty Product2Id.
        assert planted.sobject == sobject
        assert (sobject, field, rule) in {r[:3] for r in bad_run.issues(planted.record_id)}, planted


@pytest.mark.slow
def test_a_duplicate_sku_names_every_product_sharing_it(bad_run):
    retired = bad_run.planted("duplicate_sku")[0].record_id
    sku = bad_run.query("SELECT product_code FROM staging.stg_salesforce__products WHERE product_id = ?",
                        [retired])[0][0]
    sharing = {r[0] for r in bad_run.query(
        "SELECT product_id FROM staging.stg_salesforce__products WHERE lower(product_code) = lower(?)", [sku])}
    reported = {r[0] for r in bad_run.query(
        "SELECT record_id FROM marts.fct_data_issues WHERE rule = 'duplicate SKU'")}
    assert len(sharing) == 2 and sharing <= reported


@pytest.mark.slow
def test_a_contract_without_dates_reports_each_recurring_line(bad_run):
    for planted in bad_run.planted("missing_dates"):
        lines = {p.record_id for p in bad_run.planted("missing_end_date")}
        of_contract = {r[0] for r in bad_run.query(
            "SELECT record_id FROM marts.fct_data_issues WHERE rule = 'missing end date' AND related_record_id = ?",
            [planted.record_id])}
        assert of_contract and of_contract <= lines


@pytest.mark.slow
def test_every_contract_starting_in_an_exchange_rate_gap_is_reported(bad_run):
    planted = bad_run.planted("missing_fx_rate_currency")[0]
    (currency, gap_start), = bad_run.query(
        'SELECT "IsoCode", "NextStartDate" FROM raw.datedconversionrate WHERE "Id" = ?', [planted.record_id])
    gap_end = bad_run.query('SELECT min("StartDate") FROM raw.datedconversionrate WHERE "IsoCode" = ? '
                            'AND "StartDate" >= ?', [currency, gap_start])[0][0]
    in_gap = {r[0] for r in bad_run.query(
        "SELECT contract_id FROM marts.fct_contracts WHERE currency_code = ? AND start_date >= ? AND start_date < ?",
        [currency, gap_start, gap_end])}
    assert in_gap and gap_end > gap_start
    reported = {r[0] for r in bad_run.query(
        "SELECT record_id FROM marts.fct_data_issues WHERE rule = 'missing FX rate' AND object = 'Opportunity'")}
    assert in_gap <= reported
    assert bad_run.query("SELECT count(*) FROM marts.fct_contracts WHERE contract_id IN (SELECT unnest(?)) "
                         "AND arr_corporate IS NOT NULL", [sorted(in_gap)]) == [(0,)]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fifteen_char_product_id", "product_by_name", "product_by_code"])
def test_lines_naming_their_product_another_way_are_repaired_not_reported(bad_run, kind):
    for planted in bad_run.planted(kind):
        assert not [r for r in bad_run.issues(planted.record_id) if r[3] == "error"]
        assert bad_run.query("SELECT product_id IS NOT NULL FROM marts.fct_contract_line_items WHERE line_id = ?",
                             [planted.record_id]) == [(True,)]


# ---------------------------------------------------------------------------------------------
# Schema drift: a field removed from the org between runs, a field added
# ---------------------------------------------------------------------------------------------

REMOVED, ADDED = "LeadSource", "Region__c"
OPPORTUNITY = dg.AssetKey(["raw", "opportunity"])


def _org(tables: dict, schema) -> DemoOrg:
    store = OrgStore(schema)
    store.load_tables(tables)
    return DemoOrg(store)


def _drifted_schema(remove: str | None, add: str | None):
    """The demo org's schema with one Opportunity field removed and/or one custom text field added."""
    schema = build_schema()
    opportunity = schema.objects["Opportunity"]
    fields = tuple(f for f in opportunity.fields if f.name != remove)
    if add:
        fields = (*fields, text(add, length=40, label="Region"))
    schema.objects["Opportunity"] = replace(opportunity, fields=fields)
    return schema


def _sync(url: str, database: Path, instance) -> dg.ExecuteInProcessResult:
    """The scheduled sync job for Opportunity, configured as the launchpad does."""
    config = {"ops": {"raw__opportunity": {"config": {"mode": "auto"}}}, "resources": {
        "salesforce": {"config": {"connection": "demo", "demo_server_url": url, "retry_base_delay_seconds": 0.01}},
        "warehouse": {"config": {"database": str(database)}},
    }}
    return defs.resolve_job_def("salesforce_incremental_sync").execute_in_process(
        instance=instance, run_config=config, raise_on_error=False, asset_selection=[OPPORTUNITY])


def _opportunity_metadata(result: dg.ExecuteInProcessResult) -> dict:
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key == OPPORTUNITY)
    return {k: getattr(v, "value", v) for k, v in event.materialization.metadata.items()}


@pytest.fixture(scope="module")
def drift(tmp_path_factory):
    """Three syncs of one warehouse: the org as generated; without LeadSource (and a new opportunity);
    then with a new custom field Region__c filled on every opportunity."""
    generated = generate_org(scale=120, seed=4)
    database = tmp_path_factory.mktemp("drift") / "revenue.duckdb"
    tables = dict(generated.tables)
    without = tables["Opportunity"].drop_columns([REMOVED])
    regions = ["EMEA" if i % 2 else "AMER" for i in range(without.num_rows)]
    orgs = [
        _org(tables, build_schema()),
        _org({**tables, "Opportunity": without}, _drifted_schema(REMOVED, None)),
        _org({**tables, "Opportunity": without.append_column(ADDED, [regions])}, _drifted_schema(REMOVED, ADDED)),
    ]
    account = tables["Account"].column("Id")[0].as_py()
    for org in orgs[1:]:
        org.store.insert("Opportunity", {"Name": "After the drift", "AccountId": account, "StageName": "Prospecting",
                                         "CloseDate": "2026-11-30", "OwnerId": org.user_id,
                                         "CurrencyIsoCode": "USD", "External_Id__c": "DRIFT-1"})
    results, snapshots = [], []
    with dg.instance_for_test() as instance:
        for org in orgs:
            with DemoOrgServer(org, stall_seconds=1.0) as server:
                results.append(_sync(server.url, database, instance))
            with duckdb.connect(str(database), read_only=True) as con:
                snapshots.append({row[0]: row[1:] for row in con.execute(
                    f'SELECT "Id", "{REMOVED}", "Name", "Amount" FROM raw.opportunity').fetchall()})
    return generated, orgs, results, snapshots, database


@pytest.mark.slow
@pytest.mark.network
def test_every_sync_succeeds_across_the_schema_changes(drift):
    _, _, results, _, _ = drift
    assert [r.success for r in results] == [True, True, True]


@pytest.mark.slow
@pytest.mark.network
def test_a_removed_field_keeps_its_column_and_values_and_the_run_says_so(drift):
    generated, orgs, results, snapshots, _ = drift
    original = dict(zip(generated.tables["Opportunity"].column("Id").to_pylist(),
                        generated.tables["Opportunity"].column(REMOVED).to_pylist(), strict=True))
    assert any(original.values())
    metadata = _opportunity_metadata(results[1])
    assert metadata["columns_no_longer_in_org"] == REMOVED
    for snapshot in snapshots[1:]:
        assert {i: snapshot[i][0] for i in original} == original  # loaded values intact
        new = [values for values in snapshot.values() if values[1] == "After the drift"]
        assert new == [(None, "After the drift", None)]  # a record read after the removal has none
        assert len(snapshot) == orgs[-1].store.count("Opportunity", include_deleted=True)


@pytest.mark.slow
@pytest.mark.network
def test_a_new_field_is_added_and_backfilled_for_every_record(drift):
    _, orgs, results, _, database = drift
    metadata = _opportunity_metadata(results[2])
    assert ADDED in metadata["columns_added"]
    assert metadata["mode"] == "full" and ADDED in metadata["mode_reason"]
    with duckdb.connect(str(database), read_only=True) as con:
        in_raw = dict(con.execute(f'SELECT "Id", "{ADDED}" FROM raw.opportunity').fetchall())
    in_org = {r["Id"]: r[ADDED] for r in orgs[2].store.table("Opportunity").to_pylist()}
    assert in_raw == in_org
    assert set(in_raw.values()) == {"EMEA", "AMER", None}  # None: the opportunity created after the drift
