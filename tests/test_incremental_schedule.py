"""The schedule built incrementally by line (macros/incremental_by_fingerprint.sql) equals the schedule built from
scratch over the same data, after the kinds of change a day of Salesforce edits brings: new dates, another
template, a line left out, a deleted line, a whole order deactivated, a new % complete, and a later as-of
date. Only the lines those edits reach are computed again, and the tests of the models check those rows.
The recognition status is built the same way, and also sums again the lines the as-of date moved past; the
revenue waterfall, built by account, sums again only the accounts those edits reach."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.paths import DATABASE_ENV, DBT_PROJECT_DIR
from tests.test_incremental_staging import staged

pytestmark = pytest.mark.slow

MODELS = {"int_recognition__range_periods": "intermediate", "int_recognition__schedule": "intermediate",
          "int_recognition__schedule_adjusted": "intermediate", "fct_revenue_schedule": "marts",
          "fct_recognition_status": "marts", "fct_revenue_waterfall": "marts"}
# the staging models the edits below reach (by record: restaged incrementally), with the edits' kinds
STAGED_EDITS = {"stg_salesforce__order_items": ("longer", "retemplated", "left_out", "deleted", "progressed"),
                "stg_salesforce__invoice_lines": ("invoiced",),
                "stg_salesforce__orders": ()}
# what each model is built by: a line, or an account
UNIT = {model: "account_id" if model == "fct_revenue_waterfall" else "source_id" for model in MODELS}


def dbt_build(database: Path, target: Path, as_of: str, *extra: str) -> str:
    dbt = str(Path(sys.executable).parent / "dbt")
    completed = subprocess.run(
        # the schedule, its status mart and the waterfall, with the tests whose every parent is among them
        [dbt, "build", "--select", "+fct_recognition_status", "+fct_revenue_waterfall",
         "--indirect-selection", "cautious",
         "--exclude-resource-type", "unit_test",
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target),
         "--vars", f'{{as_of_date: "{as_of}"}}', *extra],
        cwd=DBT_PROJECT_DIR, env={**os.environ, DATABASE_ENV: str(database)},
        capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stdout[-4000:]
    return completed.stdout


def rows(database: Path, model: str) -> list[tuple]:
    """The model's rows without built_at (when they were written is not what they say)."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(f"select * exclude (built_at) from {MODELS[model]}.{model} order by all").fetchall()


def one_line(con, template: str, source_object: str = "OrderItem") -> str:
    return con.execute(
        "select source_id from intermediate.int_recognition__source_lines "
        "where exclusion_reason is null and template = ? and source_object = ? order by source_id limit 1",
        [template, source_object]).fetchall()[0][0]


def edit_as_a_sync_would(database: Path) -> dict[str, str]:
    """Edit raw rows as a sync writes them (SystemModstamp moves with them, as in Salesforce, and each is
    stamped as extracted now); returns the edited line Ids."""
    with duckdb.connect(str(database)) as con:
        edited = {
            "longer": one_line(con, "Equal Split Days"),
            "retemplated": one_line(con, "Equal Split Months"),
            "left_out": one_line(con, "Equal Split 445"),
            "deleted": one_line(con, "Equal Split Months/PP"),
            "progressed": one_line(con, "% Complete"),
            "invoiced": one_line(con, "As Invoiced", "blng__InvoiceLine__c"),
        }
        extracted_now = datetime.now(UTC).replace(tzinfo=None)  # the clock a sync stamps raw rows with
        stamp = f"\"SystemModstamp\" = \"SystemModstamp\" + interval 1 day, _extracted_at = '{extracted_now}'"
        con.execute(f'update raw.orderitem set "EndDate" = "EndDate" + interval 45 day, {stamp} where "Id" = ?',
                    [edited["longer"]])
        con.execute(f'update raw.orderitem set "ffrrTemplate__c" = \'Equal Split Months/PP\', {stamp} where "Id" = ?',
                    [edited["retemplated"]])
        con.execute(f'update raw.orderitem set "ffrrIncludeInRevenueRecognition__c" = false, {stamp} where "Id" = ?',
                    [edited["left_out"]])
        con.execute(f'update raw.orderitem set "IsDeleted" = true, {stamp} where "Id" = ?', [edited["deleted"]])
        con.execute('update raw.orderitem set "ffrrPercentComplete__c" = coalesce("ffrrPercentComplete__c", 0) / 2 '
                    f'+ 50, {stamp} where "Id" = ?', [edited["progressed"]])
        con.execute(f'update raw.blng__invoiceline__c set "blng__Subtotal__c" = "blng__Subtotal__c" + 100, {stamp} '
                    'where "Id" = ?', [edited["invoiced"]])
        # An invoice billed again for more: its account's billed revenue changes, not its schedule.
        invoice_id, edited["billed_account"] = con.execute(
            "select invoice_id, account_id from staging.stg_salesforce__invoices where invoice_status = 'Posted' "
            "and not is_deleted and account_id is not null order by invoice_id limit 1").fetchall()[0]
        con.execute(f'update raw.blng__invoice__c set "blng__Subtotal__c" = "blng__Subtotal__c" + 250, {stamp} '
                    'where "Id" = ?', [invoice_id])
        # A whole order deactivated: every line of it leaves the schedule.
        order_id = con.execute(
            "select order_id from intermediate.int_recognition__source_lines where exclusion_reason is null "
            "and source_object = 'OrderItem' and template = 'Equal Split Days' order by source_id desc limit 1"
        ).fetchall()[0][0]
        con.execute(f'update raw."order" set "Status" = \'Draft\', {stamp} where "Id" = ?', [order_id])
        edited["deactivated_order"] = order_id
    return edited


def test_an_incremental_build_regenerates_only_changed_lines_and_equals_a_full_build(refreshed_demo, tmp_path):
    _, built, _ = refreshed_demo
    incremental = tmp_path / "incremental" / built.name
    incremental.parent.mkdir()
    shutil.copy(built, incremental)
    # The state both builds start from: the same warehouse, first brought up to this code and as-of date.
    dbt_build(incremental, tmp_path / "target", "2026-10-31")
    with duckdb.connect(str(incremental), read_only=True) as con:
        before = {model: con.execute(f"select count(*), max(built_at) from {schema}.{model}").fetchall()[0]
                  for model, schema in MODELS.items()}
        staged_before = {model: con.execute(f"select max(loaded_at) from staging.{model}").fetchall()[0][0]
                         for model in STAGED_EDITS}
    edited = edit_as_a_sync_would(incremental)
    scratch = tmp_path / "scratch" / built.name
    scratch.parent.mkdir()
    shutil.copy(incremental, scratch)

    # A month later: fct_revenue_schedule restates is_recognized in place for every line.
    log = dbt_build(incremental, tmp_path / "target", "2026-11-30")
    dbt_build(scratch, tmp_path / "target-scratch", "2026-11-30", "--full-refresh")

    for model in MODELS:
        assert rows(incremental, model) == rows(scratch, model), model
    # Staging restaged only the edited records, and holds what staging from scratch holds.
    for model, edited_ids in STAGED_EDITS.items():
        with duckdb.connect(str(incremental), read_only=True) as con:
            restaged = {r[0] for r in con.execute(  # the first column is the record's Id
                f"select * from staging.{model} where loaded_at > ?", [staged_before[model]]).fetchall()}
        assert restaged == {edited[kind] for kind in edited_ids if kind in edited} | (
            {edited["deactivated_order"]} if model == "stg_salesforce__orders" else set()), model
        assert staged(incremental, model) == staged(scratch, model), model
    with duckdb.connect(str(incremental), read_only=True) as con:
        regenerated = {model: {r[0] for r in con.execute(
            f"select distinct {UNIT[model]} from {schema}.{model} where built_at > ?", [before[model][1]]).fetchall()}
            for model, schema in MODELS.items()}
        edited_accounts = {r[0] for r in con.execute(
            "select distinct account_id from intermediate.int_recognition__source_lines "
            "where list_contains(?, source_id)",
            [[edited[kind] for kind in ("longer", "retemplated", "progressed", "invoiced")]]).fetchall()}
        recognised_in_november = con.execute(
            "select count(*) from marts.fct_revenue_schedule where is_recognized and period_end = '2026-11-30'"
        ).fetchall()[0][0]
        scheduled = {r[0] for r in con.execute("select distinct source_id from intermediate.int_recognition__schedule")
                     .fetchall()}
        # the lines whose amounts to date the move of the as-of date changed
        passed = {r[0] for r in con.execute(
            "select distinct source_id from marts.fct_revenue_schedule where schedule_status = 'scheduled' "
            "and period_end > '2026-10-31' and period_end <= '2026-11-30'").fetchall()}
        status_lines = con.execute("select count(*) from marts.fct_recognition_status").fetchall()[0][0]
        order_lines = {r[0] for r in con.execute(
            "select source_id from intermediate.int_recognition__source_lines where order_id = ?",
            [edited["deactivated_order"]]).fetchall()}
    # The edited lines that are still scheduled were generated again; those left out are gone.
    assert {edited["longer"], edited["retemplated"]} <= regenerated["int_recognition__range_periods"]
    for model in ("int_recognition__schedule", "int_recognition__schedule_adjusted", "fct_revenue_schedule",
                  "fct_recognition_status"):
        assert {edited["longer"], edited["retemplated"], edited["progressed"], edited["invoiced"]} \
            <= regenerated[model], model
    assert not ({edited["left_out"], edited["deleted"]} | order_lines) & scheduled
    # The accounts of the edited lines and the re-billed account were summed again, with the total.
    assert edited_accounts | {edited["billed_account"], "ALL"} <= regenerated["fct_revenue_waterfall"]
    # The status of every line with a period in November was summed again, and not that of every line.
    assert passed <= regenerated["fct_recognition_status"]
    assert 100 < len(regenerated["fct_recognition_status"]) < status_lines
    regenerated["fct_recognition_status"] -= passed
    # Nothing else was: an untouched line keeps the rows it had (a handful of lines share an edited order).
    assert all(len(units) < 20 for units in regenerated.values()), regenerated
    assert recognised_in_november > 100
    assert len(scheduled) > 1000
    # The tests of these models read only the rows built since they last passed; a test of another model,
    # and a relationships test, reads all (tests/test_tests_since_last_pass.py shows the scope at work).
    run = tmp_path / "target" / "run"
    for scoped in ("int_recognition__range_periods_periods_are_contiguous",
                   "int_recognition__schedule_rows_are_complete",
                   "int_recognition__schedule_adjusted_rows_are_complete",
                   "fct_recognition_status_recognized_to_date_is_sum_of_recognised_rows",
                   "fct_revenue_waterfall_recognised_revenue_reconciles_to_schedule"):
        assert "dbt_state.passed_tests" in next(run.rglob(f"{scoped}.sql")).read_text(), scoped
    for unscoped in ("int_recognition__source_lines_scheduled_lines_are_usable",
                     "fct_revenue_waterfall_all_row_is_sum_of_accounts",
                     "fct_revenue_schedule_rows_belong_to_a_status_line"):
        assert "built_at" not in next(run.rglob(f"{unscoped}.sql")).read_text(), unscoped
    assert "PASS=" in log and "ERROR=0" in log
