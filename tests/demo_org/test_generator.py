"""The demo org's data generator: schema fidelity, determinism, integrity, realism and planted problems."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from orchestration.demo_org.generator import GeneratedOrg, generate_org, write_csv_dir, write_tables_csv
from orchestration.demo_org.schema import CURRENCY_DECIMALS, RECOGNITION_TEMPLATES, STAGES, build_schema

REFERENCE = date(2026, 10, 31)
PLANTED_KINDS = {
    "duplicate_sku",
    "missing_end_date",
    "unknown_product",
    "renewal_cycle",
    "self_renewal",
    "conflicting_renewal_link",
    "lone_assigned_arr",
    "end_before_start",
    "unknown_template",
    "fifteen_char_product_id",
    "product_by_name",
    "product_by_code",
    "ambiguous_product",
    "missing_fx_rate_currency",
    "amendment_of_missing_contract",
    "missing_dates",
    "null_sku",
}
ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "BOOLEAN": pa.bool_(),
    "INTEGER": pa.int32(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}


@pytest.fixture(scope="module")
def org() -> GeneratedOrg:
    return generate_org(scale=2000, seed=7, reference_date=REFERENCE)


@pytest.fixture(scope="module")
def small_org_without_billing() -> GeneratedOrg:
    return generate_org(scale=400, seed=11, billing_package=False)


def rows(org: GeneratedOrg, name: str) -> list[dict]:
    return org.tables[name].to_pylist()


def expected_type(storage: str) -> pa.DataType:
    if storage.startswith("DECIMAL("):
        precision, scale = storage[len("DECIMAL(") : -1].split(",")
        return pa.decimal128(int(precision), int(scale))
    return ARROW_TYPES[storage]


# ---------------------------------------------------------------------------------------------
# Shape
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("billing", [True, False])
def test_tables_match_the_schema(billing, org, small_org_without_billing):
    generated = org if billing else small_org_without_billing
    schema = build_schema(billing)
    assert list(generated.tables) == [o.name for o in schema]
    for sobject in schema:
        table = generated.tables[sobject.name]
        fields = sobject.stored_fields()
        assert table.column_names == [f.name for f in fields], sobject.name
        for f in fields:
            assert table.schema.field(f.name).type == expected_type(f.storage_type()), (
                f"{sobject.name}.{f.name}"
            )
            column = table.column(f.name)
            if not f.nillable or f.type == "boolean":
                assert column.null_count == 0, f"{sobject.name}.{f.name} has nulls"
    if not billing:
        assert not any(name.startswith("blng__") for name in generated.tables["OrderItem"].column_names)


def test_same_arguments_give_identical_tables_and_another_seed_differs():
    first = generate_org(scale=300, seed=3)
    second = generate_org(scale=300, seed=3)
    other = generate_org(scale=300, seed=4)
    assert first.planted == second.planted
    for name, table in first.tables.items():
        assert table.equals(second.tables[name]), name
    assert not first.tables["Opportunity"].equals(other.tables["Opportunity"])
    assert not first.tables["Account"].equals(other.tables["Account"])


@pytest.mark.parametrize("scale", [300, 2000])
def test_opportunity_count_is_close_to_scale(scale, org):
    generated = org if scale == 2000 else generate_org(scale=scale)
    opportunities = generated.tables["Opportunity"].num_rows
    assert abs(opportunities - scale) <= scale * 0.1
    accounts = generated.tables["Account"].num_rows
    assert scale / 6 <= accounts <= scale / 3
    lines_per_opportunity = generated.tables["OpportunityLineItem"].num_rows / opportunities
    assert 2.3 <= lines_per_opportunity <= 3.5


def test_default_scale_row_counts_are_in_proportion(org):
    counts = {name: table.num_rows for name, table in org.tables.items()}
    assert counts["User"] == 10 + 2000 // 2000 + 1  # sales reps plus the admin
    assert counts["Pricebook2"] == 2
    assert 25 <= counts["Product2"] <= 35
    assert counts["OpportunityStage"] == len(STAGES)
    assert 0.6 * counts["Opportunity"] <= counts["Order"] <= counts["Opportunity"]
    assert counts["Order"] <= counts["blng__Invoice__c"] <= 2 * counts["Order"]
    assert (
        0.02 * counts["blng__Invoice__c"] <= counts["blng__CreditNote__c"] <= 0.1 * counts["blng__Invoice__c"]
    )
    assert counts["blng__UsageSummary__c"] > 0


# ---------------------------------------------------------------------------------------------
# Integrity
# ---------------------------------------------------------------------------------------------


def test_every_reference_points_to_an_existing_record_except_planted_ones(org):
    schema = build_schema(True)
    ids = {name: set(table.column("Id").to_pylist()) for name, table in org.tables.items()}
    planted = {(p.sobject, p.record_id, p.field) for p in org.planted}
    for sobject in schema:
        table = org.tables[sobject.name]
        record_ids = table.column("Id").to_pylist()
        for f in sobject.stored_fields():
            if f.type != "reference":
                continue
            (target,) = f.reference_to
            for record_id, value in zip(record_ids, table.column(f.name).to_pylist(), strict=True):
                if value is not None and value not in ids[target]:
                    assert (sobject.name, record_id, f.name) in planted, f"{sobject.name}.{f.name} {value}"


def test_ids_are_unique_18_character_ids(org):
    for name, table in org.tables.items():
        values = table.column("Id")
        assert pc.count_distinct(values).as_py() == table.num_rows, name
        assert pc.all(pc.equal(pc.utf8_length(values), 18)).as_py(), name
        assert (
            table.num_rows == 0 or pc.all(pc.starts_with(values, build_schema().get(name).key_prefix)).as_py()
        )


def test_audit_fields_are_ordered_and_not_after_the_reference_date(org):
    end_of_day = datetime.combine(REFERENCE, datetime.min.time()) + timedelta(days=1)
    for name, table in org.tables.items():
        created, modified = table.column("CreatedDate"), table.column("LastModifiedDate")
        assert pc.all(pc.less_equal(created, modified)).as_py(), name
        assert table.column("SystemModstamp").equals(modified), name
        assert pc.max(modified).as_py() < end_of_day, name


def test_external_ids_and_auto_numbers(org):
    accounts = org.tables["Account"].column("External_Id__c").to_pylist()
    assert accounts[0] == "ACC-0000001" and len(set(accounts)) == len(accounts)
    opportunities = org.tables["Opportunity"].column("External_Id__c").to_pylist()
    assert opportunities[122] == "OPP-0000123" and len(set(opportunities)) == len(opportunities)
    assert org.tables["Order"].column("OrderNumber")[122].as_py() == "00000123"
    assert org.tables["OrderItem"].column("OrderItemNumber")[122].as_py() == "0000000123"
    assert org.tables["blng__Invoice__c"].column("Name")[122].as_py() == "INV-0000123"
    names = org.tables["Account"].column("Name").to_pylist()
    assert len(set(names)) == len(names)


def test_money_is_rounded_to_the_currency_decimals(org):
    order_currency = dict(
        zip(
            org.tables["Order"].column("Id").to_pylist(),
            org.tables["Order"].column("CurrencyIsoCode").to_pylist(),
            strict=True,
        )
    )
    schema = build_schema(True)
    checked_jpy = 0
    for sobject in schema:
        table = org.tables[sobject.name]
        money = [f.name for f in sobject.stored_fields() if f.type == "currency"]
        if not money:
            continue
        if "CurrencyIsoCode" in table.column_names:
            currencies = table.column("CurrencyIsoCode").to_pylist()
        elif sobject.name == "OrderItem":
            currencies = [order_currency[o] for o in table.column("OrderId").to_pylist()]
        else:
            continue
        for name in money:
            for currency, value in zip(currencies, table.column(name).to_pylist(), strict=True):
                if value is not None:
                    assert value == round(value, CURRENCY_DECIMALS[currency]), (
                        f"{sobject.name}.{name} {value}"
                    )
                    checked_jpy += currency == "JPY"
    assert checked_jpy > 100


def test_amounts_add_up(org):
    lines = org.tables["OpportunityLineItem"].to_pylist()
    totals: dict[str, Decimal] = {}
    for line in lines:
        assert line["TotalPrice"] == round(line["Quantity"] * line["UnitPrice"], 2)
        totals[line["OpportunityId"]] = totals.get(line["OpportunityId"], Decimal(0)) + line["TotalPrice"]
    opportunities = rows(org, "Opportunity")
    for opportunity in opportunities:
        if opportunity["Id"] in totals:
            assert opportunity["Amount"] == totals[opportunity["Id"]]
    without_lines = [
        o
        for o in opportunities
        if o["Id"] not in totals
        and o["StageName"]
        in ("Closed Won", "Closed Won - Signed Order Form", "Renewal Booked", "Legacy - Contract Signed")
    ]
    assert 0.02 * len(opportunities) <= len(without_lines) <= 0.08 * len(opportunities)
    assert all(o["Amount"] > 0 for o in without_lines)
    assert any(line["Quantity"] < 0 and line["TotalPrice"] < 0 for line in lines)


# ---------------------------------------------------------------------------------------------
# Realism
# ---------------------------------------------------------------------------------------------


def test_reference_data(org):
    stages = rows(org, "OpportunityStage")
    assert [s["MasterLabel"] for s in stages] == [s[0] for s in STAGES]
    legacy = next(s for s in stages if s["MasterLabel"] == "Legacy - Contract Signed")
    assert legacy["IsActive"] is False and legacy["IsWon"] is True
    assert (
        next(s for s in stages if s["ApiName"] == "Negotiation/Review")["ForecastCategoryName"] == "Best Case"
    )
    books = rows(org, "Pricebook2")
    assert [(b["Name"], b["IsStandard"]) for b in books] == [
        ("Standard Price Book", True),
        ("Partner Price Book", False),
    ]
    products = rows(org, "Product2")
    assert {p["Family"] for p in products} == {"Platform", "Add-on", "Services", "Support", "Usage"}
    assert any(not p["IsActive"] for p in products)
    assert {p["Is_Recurring__c"] for p in products if p["Family"] in ("Services", "Usage")} == {False}
    entries = rows(org, "PricebookEntry")
    jpy = [e["UnitPrice"] for e in entries if e["CurrencyIsoCode"] == "JPY"]
    assert jpy and all(v == v.to_integral_value() for v in jpy)


def test_accounts_have_hierarchy_and_currency_mix(org):
    accounts = rows(org, "Account")
    by_id = {a["Id"]: a for a in accounts}
    children = [a for a in accounts if a["ParentId"]]
    assert 0.1 <= len(children) / len(accounts) <= 0.3
    assert any(by_id[a["ParentId"]]["ParentId"] for a in children), "no grandchildren"
    currencies = [a["CurrencyIsoCode"] for a in accounts]
    assert 0.45 <= currencies.count("USD") / len(accounts) <= 0.75
    assert set(currencies) == {"USD", "EUR", "GBP", "JPY", "CAD", "AUD"}
    assert all(a["Total_ARR__c"] is None for a in accounts)


def test_fx_rates_are_monthly_with_one_planted_gap(org):
    rates = rows(org, "DatedConversionRate")
    usd = [r for r in rates if r["IsoCode"] == "USD"]
    assert len(usd) == 1 and usd[0]["ConversionRate"] == 1 and usd[0]["NextStartDate"] == date(9999, 12, 31)
    for currency in ("EUR", "GBP", "JPY", "CAD", "AUD"):
        series = [r for r in rates if r["IsoCode"] == currency]
        assert series[-1]["NextStartDate"] == date(9999, 12, 31)
        assert series[-1]["StartDate"] == REFERENCE.replace(day=1)
        skips = [
            a
            for a, b in itertools.pairwise(series)
            if a["NextStartDate"] != b["StartDate"] or (b["StartDate"] - a["StartDate"]).days > 31
        ]
        assert len(skips) == (1 if currency == "AUD" else 0), currency
    jpy = [r["ConversionRate"] for r in rates if r["IsoCode"] == "JPY"]
    assert min(jpy) > 100 and max(jpy) < 160


def test_contracts_have_chains_amendments_terminations_gaps_and_overlaps(org):
    opportunities = rows(org, "Opportunity")
    by_id = {o["Id"]: o for o in opportunities}
    renewals = [o for o in opportunities if o["Renews__c"] in by_id and o["Renews__c"] != o["Id"]]
    gaps = overlaps = long_chains = 0
    for child in renewals:
        parent = by_id[child["Renews__c"]]
        if child["Start_Date__c"] and parent["End_Date__c"]:
            days = (child["Start_Date__c"] - parent["End_Date__c"]).days
            gaps += 10 <= days <= 61
            overlaps += days <= 0
        long_chains += parent["Renews__c"] in by_id
    assert gaps >= 10 and overlaps >= 5 and long_chains >= 50
    one_sided = [
        o for o in opportunities if o["Renewed_By__c"] and by_id[o["Renewed_By__c"]]["Renews__c"] is None
    ]
    assert one_sided
    assert sum(o["Amends__c"] is not None for o in opportunities) >= 50
    assert any(o["Type"] == "Existing Business - Downgrade" for o in opportunities)
    lost_renewals = [
        o
        for o in opportunities
        if o["Type"] == "Renewal" and o["StageName"] in ("Closed Lost", "Closed Lost - No Budget", "Churned")
    ]
    assert len(lost_renewals) >= 20
    terminated = [o for o in opportunities if o["Termination_Date__c"] and o["Terminated_Effective_Date__c"]]
    assert any(o["Terminated_Effective_Date__c"] < o["End_Date__c"] for o in terminated), (
        "no mid-term terminations"
    )
    assert any(o["Terminated_Effective_Date__c"] > o["End_Date__c"] for o in terminated)
    assert any(
        o["Start_Date__c"] and o["Start_Date__c"] > REFERENCE and not o["IsClosed"] for o in opportunities
    )
    assert {o["StageName"] for o in opportunities} == {s[0] for s in STAGES}
    assert 0.002 <= sum(o["IsDeleted"] for o in opportunities) / len(opportunities) <= 0.02
    tests = [o for o in opportunities if not o["Import_To_Revenue__c"]]
    assert tests and all(o["Name"].startswith("TEST - ") for o in tests)
    terms = {(o["End_Date__c"] - o["Start_Date__c"]).days for o in opportunities if o["Start_Date__c"]}
    assert {364, 365, 730, 1095} & terms and any(t < 200 for t in terms)
    both = [o for o in opportunities if o["Assigned_ARR__c"] is not None and o["Assigned_MRR__c"] is not None]
    assert both and all(o["Assigned_ARR__c"] == 12 * o["Assigned_MRR__c"] for o in both)


def test_deleted_opportunities_take_their_lines_along(org):
    deleted = {o["Id"] for o in rows(org, "Opportunity") if o["IsDeleted"]}
    lines = rows(org, "OpportunityLineItem")
    assert all(line["IsDeleted"] == (line["OpportunityId"] in deleted) for line in lines)


def test_order_items_carry_every_recognition_template(org):
    items = rows(org, "OrderItem")
    templates = {i["ffrrTemplate__c"] for i in items}
    assert set(RECOGNITION_TEMPLATES) <= templates
    assert all(0 <= i["ffrrPercentComplete__c"] <= 100 for i in items if i["ffrrTemplate__c"] == "% Complete")
    assert any(i["ffrrDelivered__c"] for i in items if i["ffrrTemplate__c"] == "Deliverable")
    assert any(i["ffrrStandaloneSellingPrice__c"] is None for i in items)
    assert any(i["ffrrStandaloneSellingPrice__c"] is not None for i in items)
    assert all(
        i["ffrrRecognizedToDate__c"] is None and not i["ffrrRevenueRecognitionComplete__c"] for i in items
    )
    plans = [i for i in items if i["blng__BillingFrequency__c"] == "Invoice Plan"]
    assert plans and all(i["blng__BillingType__c"] == "Arrears" for i in plans)
    assert not any(i["ffrrIncludeInRevenueRecognition__c"] for i in plans)
    assert not any(
        i["ffrrIncludeInRevenueRecognition__c"] for i in items if i["blng__ChargeType__c"] == "Usage"
    )
    legal_entities = {o["ffrrLegalEntity__c"] for o in rows(org, "Order")}
    assert {"Northwind Cloud Inc.", "Northwind Cloud GmbH", "Northwind Cloud KK"} <= legal_entities


def test_usage_is_recognised_on_summaries_or_invoice_lines_never_both(org):
    summaries = rows(org, "blng__UsageSummary__c")
    invoice_lines = rows(org, "blng__InvoiceLine__c")
    assert {s["ffrrTemplate__c"] for s in summaries} == {"On Delivery"}
    assert "As Invoiced" in {line["ffrrTemplate__c"] for line in invoice_lines}
    on_summaries = {s["blng__OrderProduct__c"] for s in summaries if s["ffrrIncludeInRevenueRecognition__c"]}
    on_invoices = {
        line["blng__OrderProduct__c"]
        for line in invoice_lines
        if line["ffrrIncludeInRevenueRecognition__c"] and line["blng__ChargeType__c"] == "Usage"
    }
    assert on_summaries and on_invoices and not on_summaries & on_invoices
    assert all(s["blng__SummaryStartDate__c"] <= s["blng__SummaryEndDate__c"] for s in summaries)
    assert all(s["blng__SummaryStartDate__c"] <= REFERENCE for s in summaries)


def test_invoices_and_credit_notes(org):
    invoices = rows(org, "blng__Invoice__c")
    assert all(i["blng__DueDate__c"] == i["blng__InvoiceDate__c"] + timedelta(days=30) for i in invoices)
    assert all(i["blng__InvoiceDate__c"] <= REFERENCE for i in invoices)
    statuses = [i["blng__InvoiceStatus__c"] for i in invoices]
    assert statuses.count("Posted") / len(statuses) > 0.9
    lines = rows(org, "blng__InvoiceLine__c")
    assert all(line["blng__StartDate__c"] <= line["blng__EndDate__c"] for line in lines)
    credit_notes = rows(org, "blng__CreditNote__c")
    assert sum(c["blng__RelatedInvoice__c"] is None for c in credit_notes) == 1
    credit_lines = rows(org, "blng__CreditNoteLine__c")
    assert all(c["blng__Subtotal__c"] > 0 for c in credit_lines)
    line_subtotal = {line["Id"]: line["blng__Subtotal__c"] for line in lines}
    assert all(
        c["blng__Subtotal__c"] <= line_subtotal[c["blng__InvoiceLine__c"]]
        for c in credit_lines
        if c["blng__InvoiceLine__c"]
    )


def test_recurring_order_items_are_billed_exactly_once_their_term_is_invoiced(org):
    items = {i["Id"]: i for i in rows(org, "OrderItem")}
    billed: dict[str, Decimal] = {}
    last_end: dict[str, date] = {}
    for line in rows(org, "blng__InvoiceLine__c"):
        item = line["blng__OrderProduct__c"]
        billed[item] = billed.get(item, Decimal(0)) + line["blng__Subtotal__c"]
        last_end[item] = max(last_end.get(item, date.min), line["blng__EndDate__c"])
    complete = [
        i
        for i, end in last_end.items()
        if items[i]["blng__ChargeType__c"] != "Usage" and end == items[i]["EndDate"]
    ]
    assert len(complete) > 100
    for item in complete:
        assert billed[item] == round(items[item]["Quantity"] * items[item]["UnitPrice"], 2)


# ---------------------------------------------------------------------------------------------
# Planted problems
# ---------------------------------------------------------------------------------------------


def test_every_planted_kind_is_present_and_points_at_a_real_record(org):
    assert {p.kind for p in org.planted} == PLANTED_KINDS
    schema = build_schema(True)
    for issue in org.planted:
        table = org.tables[issue.sobject]
        assert issue.record_id in set(table.column("Id").to_pylist()), issue
        assert schema.get(issue.sobject).field(issue.field) is not None, issue
        assert issue.note


def test_planted_records_are_wrong_in_the_announced_way(org):
    opportunities = {o["Id"]: o for o in rows(org, "Opportunity")}
    lines = {line["Id"]: line for line in rows(org, "OpportunityLineItem")}
    products = {p["Id"]: p for p in rows(org, "Product2")}
    items = {i["Id"]: i for i in rows(org, "OrderItem")}
    active_codes = [p["ProductCode"] for p in products.values() if p["IsActive"]]
    all_codes = [p["ProductCode"] for p in products.values()]
    for issue in org.planted:
        if issue.kind == "duplicate_sku":
            # retired, so the active catalogue has one product per SKU while a lookup by SKU finds two
            assert not products[issue.record_id]["IsActive"]
            assert all_codes.count(products[issue.record_id]["ProductCode"]) == 2
            assert active_codes.count(products[issue.record_id]["ProductCode"]) == 1
        elif issue.kind == "null_sku":
            assert products[issue.record_id]["ProductCode"] is None
            assert not products[issue.record_id]["IsActive"]
        elif issue.kind == "renewal_cycle":
            seen, current = set(), issue.record_id
            while current and current not in seen:
                seen.add(current)
                current = opportunities[current]["Renews__c"]
            assert current == issue.record_id and len(seen) >= 2
        elif issue.kind == "self_renewal":
            assert opportunities[issue.record_id]["Renews__c"] == issue.record_id
        elif issue.kind == "conflicting_renewal_link":
            children = [o for o in opportunities.values() if o["Renews__c"] == issue.record_id]
            assert children and children[0]["Id"] != opportunities[issue.record_id]["Renewed_By__c"]
        elif issue.kind == "lone_assigned_arr":
            o = opportunities[issue.record_id]
            assert o["Assigned_ARR__c"] is not None and o["Assigned_MRR__c"] is None
        elif issue.kind == "missing_dates":
            o = opportunities[issue.record_id]
            assert o["Start_Date__c"] is None and o["End_Date__c"] is None and o["IsWon"]
        elif issue.kind == "amendment_of_missing_contract":
            assert opportunities[issue.record_id]["Amends__c"] not in opportunities
        elif issue.kind == "missing_end_date":
            line = lines[issue.record_id]
            assert line["End_Date__c"] is None and opportunities[line["OpportunityId"]]["End_Date__c"] is None
            assert products[line["Product2Id"]]["Is_Recurring__c"]
        elif issue.kind == "fifteen_char_product_id":
            line = lines[issue.record_id]
            key = line["Product_Lookup_Key__c"]
            assert line["Product2Id"] is None and len(key) == 15 and any(p.startswith(key) for p in products)
        elif issue.kind == "product_by_name":
            line = lines[issue.record_id]
            assert line["Product2Id"] is None
            assert [p["Name"] for p in products.values()].count(line["Product_Lookup_Key__c"]) == 1
        elif issue.kind in ("product_by_code", "unknown_product", "ambiguous_product"):
            line = lines[issue.record_id]
            assert line["Product2Id"] is None and line["Product_Lookup_Key__c"]
            matches = all_codes.count(line["Product_Lookup_Key__c"])
            assert matches == {"product_by_code": 1, "unknown_product": 0, "ambiguous_product": 2}[issue.kind]
        elif issue.kind == "end_before_start":
            assert items[issue.record_id]["EndDate"] < items[issue.record_id]["ServiceDate"]
        elif issue.kind == "unknown_template":
            assert items[issue.record_id]["ffrrTemplate__c"] not in RECOGNITION_TEMPLATES
    normal_lines = [line for line in lines.values() if line["Product_Lookup_Key__c"] is None]
    assert all(
        line["Product2Id"] is not None and len(line["Product2Id"]) == 18
        for line in normal_lines
        if line["Id"] not in {p.record_id for p in org.planted}
    )


def test_missing_fx_rate_hits_a_booked_contract(org):
    (issue,) = [p for p in org.planted if p.kind == "missing_fx_rate_currency"]
    rate = next(r for r in rows(org, "DatedConversionRate") if r["Id"] == issue.record_id)
    gap_start = date(
        rate["StartDate"].year + rate["StartDate"].month // 12, rate["StartDate"].month % 12 + 1, 1
    )
    hit = [
        o
        for o in rows(org, "Opportunity")
        if o["CurrencyIsoCode"] == "AUD"
        and o["IsWon"]
        and o["Start_Date__c"]
        and o["Start_Date__c"].replace(day=1) == gap_start
    ]
    assert rate["IsoCode"] == "AUD" and hit
    # Salesforce semantics: a rate applies from StartDate up to NextStartDate; nothing covers the gap.
    assert rate["NextStartDate"] == gap_start
    aud = [r for r in rows(org, "DatedConversionRate") if r["IsoCode"] == "AUD"]
    assert not [r for r in aud if r["StartDate"] <= gap_start < r["NextStartDate"]]


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


def test_csv_directory_round_trips_and_is_byte_identical(tmp_path, small_org_without_billing):
    generated = small_org_without_billing
    first = write_csv_dir(generated, tmp_path / "a")
    second = write_csv_dir(generated, tmp_path / "b")
    assert [p.name for p in first] == [f"{name}.csv" for name in generated.tables] + ["_manifest.json"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    for name, table in generated.tables.items():
        path = tmp_path / "a" / f"{name}.csv"
        header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
        assert header == table.column_names
        read = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header}, strings_can_be_null=True
            ),
        )
        assert read.num_rows == table.num_rows, name
        assert read.column("Id").to_pylist() == table.column("Id").to_pylist()
    manifest = json.loads((tmp_path / "a" / "_manifest.json").read_text())
    assert manifest["seed"] == 11 and manifest["billing_package"] is False
    assert manifest["row_counts"] == {name: t.num_rows for name, t in generated.tables.items()}
    assert {p["kind"] for p in manifest["planted"]} == PLANTED_KINDS


def test_csv_formats_values_like_a_salesforce_export(tmp_path):
    table = pa.table(
        {
            "Name": pa.array(['Acme, "Intl"', "plain", None, "multi\nline"]),
            "Flag": pa.array([True, False, True, False]),
            "Amount": pa.array(
                [Decimal("1.50"), Decimal("-0.05"), None, Decimal("1234567.00")], pa.decimal128(18, 2)
            ),
            "Rate": pa.array(
                [Decimal("0.000001"), None, Decimal("150.000000"), Decimal("1")], pa.decimal128(18, 6)
            ),
            "Day": pa.array([date(2024, 1, 15), None, date(9999, 12, 31), date(2024, 2, 29)]),
            "At": pa.array(
                [
                    datetime(2024, 1, 2, 3, 4, 5),
                    None,
                    datetime(2024, 12, 31, 23, 59, 59),
                    datetime(2020, 1, 1),
                ],
                pa.timestamp("us"),
            ),
            "Count": pa.array([1, None, -3, 0], pa.int32()),
        }
    )
    (path,) = write_tables_csv({"Thing": table}, tmp_path)
    assert path.read_text(encoding="utf-8") == (
        "Name,Flag,Amount,Rate,Day,At,Count\n"
        '"Acme, ""Intl""",true,1.50,0.000001,2024-01-15,2024-01-02T03:04:05.000Z,1\n'
        "plain,false,-0.05,,,,\n"
        ",true,,150.000000,9999-12-31,2024-12-31T23:59:59.000Z,-3\n"
        '"multi\nline",false,1234567.00,1.000000,2024-02-29,2020-01-01T00:00:00.000Z,0\n'
    )


def test_scale_below_the_minimum_is_refused():
    with pytest.raises(ValueError):
        generate_org(scale=10)


def test_amount_lines_use_each_line_product_price_book(org):
    entries = {e["Id"]: e for e in rows(org, "PricebookEntry")}
    opportunities = {o["Id"]: o for o in rows(org, "Opportunity")}
    for line in rows(org, "OpportunityLineItem"):
        if line["PricebookEntryId"] is None:
            continue
        entry = entries[line["PricebookEntryId"]]
        assert entry["CurrencyIsoCode"] == line["CurrencyIsoCode"]
        assert entry["Pricebook2Id"] == opportunities[line["OpportunityId"]]["Pricebook2Id"]
        if len(line["Product2Id"] or "") == 18:
            assert entry["Product2Id"] == line["Product2Id"]
    assert (
        np.mean([o["Pricebook2Id"] == rows(org, "Pricebook2")[1]["Id"] for o in opportunities.values()])
        > 0.05
    )


def test_contracts_without_lines_name_their_product(org):
    opportunities = org.tables["Opportunity"]
    with_lines = set(org.tables["OpportunityLineItem"].column("OpportunityId").to_pylist())
    rows = [r for r in opportunities.to_pylist() if r["Product_Lookup_Key__c"] is not None]
    assert rows, "some contracts are sold without line items"
    assert all(r["Id"] not in with_lines for r in rows)
    codes = set(org.tables["Product2"].column("ProductCode").to_pylist())
    assert all(r["Product_Lookup_Key__c"] in codes for r in rows)
