"""Each test of an incrementally built model reads the rows built since that test last passed on it
(macros/tests_since_last_pass.sql). A test that fails on rows the next builds leave alone fails again on
each of them until the rows are fixed, however many other rows those builds write; once it passes, the
rows it passed on are not read by it again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.paths import DATABASE_ENV, DBT_PROJECT_DIR

pytestmark = pytest.mark.slow

TEST = "int_recognition__schedule_rows_are_complete"


def build(database: Path, target: Path, *extra: str, select: str = "+int_recognition__schedule"
          ) -> subprocess.CompletedProcess:
    """The schedule and everything it is built from (or `select`), with the tests whose every parent is
    among them."""
    dbt = str(Path(sys.executable).parent / "dbt")
    return subprocess.run(
        [dbt, "build", "--select", select, "--indirect-selection", "cautious",
         "--exclude-resource-type", "unit_test", "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target), "--vars", '{as_of_date: "2026-10-31"}', *extra],
        cwd=DBT_PROJECT_DIR, env={**os.environ, DATABASE_ENV: str(database)},
        capture_output=True, text=True, timeout=600)


def edit_a_line(database: Path, offset: int) -> str:
    """A line's end date moved, written to raw as a sync writes it: the next build schedules it again."""
    with duckdb.connect(str(database)) as con:
        line = con.execute(
            "select source_id from intermediate.int_recognition__source_lines where exclusion_reason is null "
            "and source_object = 'OrderItem' and template = 'Equal Split Days' order by source_id "
            "limit 1 offset ?", [offset]).fetchall()[0][0]
        con.execute('update raw.orderitem set "EndDate" = "EndDate" + interval 30 day, '
                    '"SystemModstamp" = "SystemModstamp" + interval 1 day, _extracted_at = ? where "Id" = ?',
                    [datetime.now(UTC).replace(tzinfo=None), line])
    return line


def passed_through(database: Path) -> datetime | None:
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute("select passed_through from dbt_state.passed_tests where test_id like ?",
                           [f"test.%.{TEST}.%"]).fetchall()
    return rows[0][0] if rows else None


def newest_built_at(database: Path) -> datetime:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select max(built_at) from intermediate.int_recognition__schedule").fetchall()[0][0]


def failed(completed: subprocess.CompletedProcess) -> bool:
    return completed.returncode != 0 and f"FAIL 1 {TEST}" in completed.stdout


def demo_copy(refreshed_demo, tmp_path: Path) -> Path:
    """A copy of the refreshed demo warehouse, for a test to build on."""
    _, built, _ = refreshed_demo
    database = tmp_path / built.name
    shutil.copy(built, database)
    return database


def built_and_passed(refreshed_demo, tmp_path: Path) -> Path:
    """A copy of the demo warehouse, built, with the test passed on every row it has."""
    database = demo_copy(refreshed_demo, tmp_path)
    first = build(database, tmp_path / "target")
    assert first.returncode == 0, first.stdout[-4000:]
    assert passed_through(database) == newest_built_at(database)
    return database


def test_a_failing_test_fails_on_every_build_until_its_rows_are_fixed(refreshed_demo, tmp_path):
    database = built_and_passed(refreshed_demo, tmp_path)

    # A build after that pass wrote one bad row (a period without its revenue).
    recorded = passed_through(database)
    with duckdb.connect(str(database)) as con:
        bad_line = con.execute("select source_id from intermediate.int_recognition__schedule "
                               "order by source_id limit 1").fetchall()[0][0]
        con.execute("update intermediate.int_recognition__schedule set revenue_units = null, built_at = ? "
                    "where source_id = ? and period_number = 1",
                    [recorded + timedelta(seconds=1), bad_line])

    # Two more builds, each writing other lines (so the bad row is not the latest build's): both fail.
    for offset in (1, 2):
        edit_a_line(database, offset)
        again = build(database, tmp_path / "target")
        assert failed(again), again.stdout[-4000:]
        assert newest_built_at(database) > recorded + timedelta(seconds=1)  # the build wrote rows
        assert passed_through(database) == recorded  # a failure records nothing

    # The line scheduled again, without the bad row: the test passes and records the rows it passed on.
    with duckdb.connect(str(database)) as con:
        con.execute("delete from intermediate.int_recognition__schedule where source_id = ?", [bad_line])
    fixed = build(database, tmp_path / "target")
    assert fixed.returncode == 0, fixed.stdout[-4000:]
    assert passed_through(database) == newest_built_at(database) > recorded
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from intermediate.int_recognition__schedule "
                           "where source_id = ? and revenue_units is null", [bad_line]).fetchall() == [(0,)]

    # Rows it passed on are not read again: a row spoiled in place (no build wrote it) goes unseen. That is
    # the scope working, and why the warehouse's tables are written only by dbt.
    with duckdb.connect(str(database)) as con:
        con.execute("update intermediate.int_recognition__schedule set revenue_units = null "
                    "where source_id = ? and period_number = 1", [bad_line])
    unseen = build(database, tmp_path / "target")
    assert unseen.returncode == 0, unseen.stdout[-4000:]
    compiled = next((tmp_path / "target" / "run").rglob(f"{TEST}.sql")).read_text()
    assert "dbt_state.passed_tests" in compiled and "built_at >" in compiled


def test_a_test_whose_sql_changed_reads_every_row_again(refreshed_demo, tmp_path):
    """A test keeps its unique_id when what it checks changes (its where config, a var in its arguments,
    the generic test's body): a pass of the new SQL over the old scope records nothing, and drops the old
    record, so the next run reads every row."""
    database = built_and_passed(refreshed_demo, tmp_path)
    with duckdb.connect(str(database)) as con:  # as if the test had passed with other SQL
        con.execute("update dbt_state.passed_tests set definition = 'other SQL' where test_id like ?",
                    [f"test.%.{TEST}.%"])
    changed = build(database, tmp_path / "target")
    assert changed.returncode == 0, changed.stdout[-4000:]
    assert passed_through(database) is None
    compiled = next((tmp_path / "target" / "run").rglob(f"{TEST}.sql")).read_text()
    assert "dbt_state.passed_tests" in compiled
    again = build(database, tmp_path / "target")  # every row read, and passed: recorded again
    assert again.returncode == 0, again.stdout[-4000:]
    assert passed_through(database) == newest_built_at(database)


def test_a_build_that_reads_no_rows_records_no_pass(refreshed_demo, tmp_path):
    """`dbt build --empty` reads every ref as no rows, so its tests pass whatever the rows hold."""
    database = demo_copy(refreshed_demo, tmp_path)
    with duckdb.connect(str(database)) as con:
        con.execute("update dbt_state.passed_tests set passed_through = timestamp '2000-01-01' "
                    "where test_id like ?", [f"test.%.{TEST}.%"])
    empty = build(database, tmp_path / "target", "--empty")
    assert empty.returncode == 0, empty.stdout[-4000:]
    assert passed_through(database) == datetime(2000, 1, 1)


def test_a_parent_row_gone_fails_the_relationships_test_though_no_child_row_was_rebuilt(refreshed_demo, tmp_path):
    """The parent model can lose a row while every child row stays as it was passed on: an account deleted
    in the org leaves dim_accounts, and its lines' schedule rows, whose content has not changed, are not
    built again. A relationships test therefore reads every child row, not the rows since it last passed."""
    database = demo_copy(refreshed_demo, tmp_path)
    relationships = "relationships_fct_revenue_schedule_account_id__account_id__ref_dim_accounts_"
    # both models and everything they are built from, as a refresh builds them; first whatever the runs of
    # other tests on the shared warehouse (syncs, write-backs) left to build, so that only the deletion is new
    lineage = "+fct_revenue_schedule +dim_accounts"
    first = build(database, tmp_path / "target", select=lineage)
    assert first.returncode == 0, first.stdout[-4000:]
    with duckdb.connect(str(database)) as con:
        assert con.execute("select count(*) from dbt_state.passed_tests where test_id like ?",
                           [f"test.%.{relationships}.%"]).fetchall() == [(1,)]  # passed on every row
        account, newest = con.execute("select account_id, max(built_at) over () from marts.fct_revenue_schedule "
                                      "where account_id is not null order by account_id limit 1").fetchall()[0]
        con.execute('update raw.account set _hard_deleted = true, _hard_deleted_at = ? where "Id" = ?',
                    [datetime.now(UTC).replace(tzinfo=None), account])

    gone = build(database, tmp_path / "target", select=lineage)
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_accounts where account_id = ?",
                           [account]).fetchall() == [(0,)]
        # no schedule row of the account was built again: it is the rows passed on before that fail
        assert con.execute("select max(built_at) <= ? from marts.fct_revenue_schedule where account_id = ?",
                           [newest, account]).fetchall() == [(True,)]
    assert gone.returncode != 0
    assert any("FAIL" in line and relationships in line for line in gone.stdout.splitlines()), gone.stdout[-4000:]
