"""Great Expectations 1.x over DuckDB data, through the path that works: DuckDB → Arrow → pandas → GX."""

from __future__ import annotations

import dataclasses
import json
import tempfile

import duckdb
import pandas as pd
import pytest

from orchestration.paths import EXPECTATIONS_DIR
from orchestration.quality.gx_validation import SuiteError, load_suite, load_suites, read_frame, validate, write_index

PRODUCTS = [
    ("01tA", "PLT-STD", True, True),
    ("01tB", "PLT-PRO", True, True),
    ("01tC", "plt-std", True, True),   # duplicates PLT-STD ignoring case
    ("01tD", None, True, True),        # active without a SKU
    ("01tE", None, False, True),       # retired without a SKU: allowed
    ("01tF", "ADD-SSO", True, None),   # recurring flag not set
]


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema staging")
        con.execute("create table marts.dim_products (product_id varchar, sku varchar, is_active boolean)")
        con.execute("create table staging.stg_salesforce__products (product_id varchar, is_recurring_raw boolean)")
        for product_id, sku, active, recurring in PRODUCTS:
            con.execute("insert into marts.dim_products values (?, ?, ?)", [product_id, sku, active])
            con.execute("insert into staging.stg_salesforce__products values (?, ?)", [product_id, recurring])
        con.execute("create table marts.big as select 'id-' || range as id, range as n from range(200000)")
    return path


def test_every_suite_file_loads_and_says_what_it_guards():
    suites = load_suites()
    assert {s.name for s in suites} == {"products", "opportunities", "line_items", "revenue_schedule",
                                        "recognition_status", "push_plan"}
    for suite in suites:
        assert suite.blocking and suite.description and suite.id_columns and suite.query.lower().startswith("select")


def test_products_suite_fails_naming_the_failing_records(warehouse, tmp_path):
    suite = load_suite(EXPECTATIONS_DIR / "products.json")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = read_frame(con, suite)
    outcome = validate(frame, suite, tmp_path / "docs")
    assert not outcome.success and outcome.rows == len(PRODUCTS)
    by_column = {e.column: e for e in outcome.expectations}
    assert (by_column["sku"].success, by_column["sku"].unexpected_count, by_column["sku"].sample_ids) == (
        False, 1, ["01tD"])
    assert sorted(by_column["sku_key"].sample_ids) == ["01tA", "01tC"]
    assert by_column["recurring_flag"].sample_ids == ["01tF"]
    assert set(outcome.sample_failing_ids) == {"01tA", "01tC", "01tD", "01tF"}
    assert outcome.docs_page is not None and outcome.docs_page.exists()
    assert "products" in outcome.docs_page.read_text()


def test_a_validation_leaves_nothing_in_the_temp_folder(warehouse, tmp_path, monkeypatch):
    """A scheduled gate validates several suites a run; none may leave a folder behind in /tmp."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    suite = load_suite(EXPECTATIONS_DIR / "products.json")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        validate(read_frame(con, suite), suite, tmp_path / "docs")
    assert list(scratch.iterdir()) == []
    assert (tmp_path / "docs" / "products").is_dir()


def test_validation_sees_every_row_of_a_large_duckdb_table(warehouse, tmp_path):
    """The SQL datasource over duckdb-engine sees no rows (GX issue 11579); this path must see all of them."""
    suite_file = tmp_path / "big.json"
    suite_file.write_text(json.dumps({
        "name": "big", "meta": {"asset": ["marts", "big"], "query": "select id, n from marts.big",
                                "id_columns": ["id"], "blocking": True},
        "expectations": [
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "n", "max_value": 199_990}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}},
        ]}))
    suite = load_suite(suite_file)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        outcome = validate(read_frame(con, suite), suite, docs_dir=None)
    between, not_null = outcome.expectations
    assert between.element_count == not_null.element_count == 200_000
    assert (between.success, between.unexpected_count) == (False, 9)
    assert between.sample_ids[:2] == ["id-199991", "id-199992"]
    assert not_null.success


def test_validation_does_not_fingerprint_the_frame(warehouse, tmp_path, monkeypatch):
    """GX hashes every value of a DataFrame for a batch fingerprint nothing here reads: most of a large
    suite's validation time. If a GX upgrade renames the setting that turns it off, this fails."""
    from great_expectations.execution_engine import pandas_execution_engine

    def refuse(frame):
        raise AssertionError("the DataFrame was hashed for a fingerprint")

    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", refuse)
    suite = load_suite(EXPECTATIONS_DIR / "products.json")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        outcome = validate(read_frame(con, suite), suite, docs_dir=None)
    assert outcome.rows == len(PRODUCTS) and not outcome.success


def test_many_failing_rows_are_counted_in_full_and_sampled(warehouse, tmp_path):
    """A systematic fault fails most rows: every one is counted, and the report names the first few."""
    suite_file = tmp_path / "big_nulls.json"
    suite_file.write_text(json.dumps({
        "name": "big_nulls", "meta": {"asset": ["marts", "big"], "id_columns": ["id"], "blocking": True,
                                      "query": "select id, case when n >= 1000 then n end as n from marts.big"},
        "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "n"}}]}))
    suite = load_suite(suite_file)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        outcome = validate(read_frame(con, suite), suite, docs_dir=None)
    (not_null,) = outcome.expectations
    assert (not_null.success, not_null.unexpected_count, outcome.failing_count) == (False, 1000, 1000)
    assert not_null.sample_ids == [f"id-{n}" for n in range(20)]


def test_a_broken_suite_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "bad", "meta": {"asset": ["a"], "query": "select 1", "id_columns": ["x"]},
                               "expectations": [{"type": "expect_column_values_to_be_spicy", "kwargs": {}}]}))
    with pytest.raises(SuiteError, match=r"bad\.json: expectation 'expect_column_values_to_be_spicy'"):
        load_suite(bad)
    unchecked = load_suite(bad, check_expectations=False)  # as the Dagster definitions load it, without GX
    with pytest.raises(SuiteError, match=r"bad\.json: expectation 'expect_column_values_to_be_spicy'"):
        validate(pd.DataFrame({"x": [1]}), unchecked, docs_dir=None)
    bad.write_text(json.dumps({"name": "bad", "expectations": [{"type": "x"}]}))
    with pytest.raises(SuiteError, match="missing: asset, query, id_columns"):
        load_suite(bad)


def test_index_page_lists_each_suite(warehouse, tmp_path):
    suite = load_suite(EXPECTATIONS_DIR / "products.json")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        outcome = validate(read_frame(con, suite), suite, tmp_path / "docs")
    index = write_index(tmp_path / "docs", [outcome])
    assert "products" in index.read_text() and "FAILED" in index.read_text()


def test_index_lists_suites_validated_by_separate_calls_and_keeps_warehouses_apart(warehouse, tmp_path):
    """Each check runs in its own process: the index must come from disk, not from one process's memory."""
    products = load_suite(EXPECTATIONS_DIR / "products.json")
    twin = dataclasses.replace(products, name="products_twin")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for suite, folder in ((products, "docs"), (twin, "docs"), (twin, "other")):
            write_index(tmp_path / folder, [validate(read_frame(con, suite), suite, tmp_path / folder)])
    text = (tmp_path / "docs" / "index.html").read_text()
    assert ">products<" in text and ">products_twin<" in text
    assert ">products<" not in (tmp_path / "other" / "index.html").read_text()


def test_push_plan_suite_names_a_field_planned_twice(tmp_path):
    """Two values for one (object, record, field) would make the write depend on batch order: the suite fails
    and names the record and field by the plan's own columns."""
    path = tmp_path / "plan.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema reverse_etl")
        con.execute("create table reverse_etl.push_plan (object varchar, record_id varchar, field varchar)")
        con.execute("insert into reverse_etl.push_plan values ('Opportunity', '006A', 'ARR__c'), "
                    "('Opportunity', '006A', 'MRR__c'), ('Opportunity', '006A', 'ARR__c'), "
                    "('Account', '006A', 'ARR__c'), (null, '006B', 'ARR__c')")
    suite = load_suite(EXPECTATIONS_DIR / "push_plan.json")
    with duckdb.connect(str(path), read_only=True) as con:
        outcome = validate(read_frame(con, suite), suite, docs_dir=None)
    failing = {e.column: e for e in outcome.expectations if not e.success}
    assert set(failing) == {"object", "object, record_id, field"}
    assert failing["object"].sample_ids == ["null / 006B / ARR__c"]
    assert failing["object, record_id, field"].sample_ids == ["Opportunity / 006A / ARR__c"] * 2
