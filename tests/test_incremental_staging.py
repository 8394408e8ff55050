"""The large objects' staging tables, built incrementally by record (macros/incremental_staging.sql), equal
staging built from scratch after what a sync writes to raw (a changed record, a new one, one marked as gone
from the org, a field the org gains) and a changed setting. Only the records raw wrote since the last build
are restaged, except where what staging reads changed: a configured field set to another field restages the
whole object (and a row whose key the new version no longer produces is deleted), a raw field staging does
not read restages nothing."""

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

pytestmark = pytest.mark.slow

# model → its key
MODELS = {"stg_salesforce__order_items": "order_item_id", "stg_salesforce__orders": "order_id",
          "stg_salesforce__accounts": "account_id", "stg_salesforce__opportunities": "opportunity_id"}
# the org keeps its contract start dates in Description (a text field) from now on
SETTING = '{contract_start_date_field: "Description"}'


def stage(database: Path, target: Path, *extra: str) -> None:
    dbt = str(Path(sys.executable).parent / "dbt")
    completed = subprocess.run(
        # the staging models and the tests whose every parent is among them
        [dbt, "build", "--select", "path:models/staging", "--indirect-selection", "cautious",
         "--exclude-resource-type", "unit_test", "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target), *extra],
        cwd=DBT_PROJECT_DIR, env={**os.environ, DATABASE_ENV: str(database)},
        capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout[-4000:]


def query(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def staged(database: Path, model: str) -> list[tuple]:
    """The model's rows without built_at (when they were staged is not what they say)."""
    return query(database, f"select * exclude (built_at) from staging.{model} order by all")


def write_as_a_sync_would(database: Path) -> dict[str, str]:
    """Raw rows written the way the loader writes them, stamped with the clock it stamps them with."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect(str(database)) as con:
        changed, copied = [r[0] for r in con.execute(
            'select "Id" from raw.orderitem where not "IsDeleted" order by "Id" limit 2').fetchall()]
        gone = con.execute('select "Id" from raw."order" where not "IsDeleted" order by "Id" limit 1').fetchall()[0][0]
        new = copied[:15] + "ZZZ"
        con.execute('update raw.orderitem set "Quantity" = "Quantity" + 1, _extracted_at = ? where "Id" = ?',
                    [now, changed])
        con.execute('insert into raw.orderitem select * replace (? as "Id", ?::timestamp as _extracted_at) '
                    'from raw.orderitem where "Id" = ?', [new, now, copied])
        con.execute('update raw."order" set _hard_deleted = true, _hard_deleted_at = ? where "Id" = ?', [now, gone])
        # a field the org gained, added to the table as the loader adds it; staging does not read it
        con.execute('alter table raw.account add column "Customer_Tier__c" varchar')
        # a row of the current version whose key the next version will not produce
        con.execute("insert into staging.stg_salesforce__opportunities select * replace ('006STALE0000000AAA' as "
                    "opportunity_id) from staging.stg_salesforce__opportunities order by opportunity_id limit 1")
    return {"changed": changed, "new": new, "gone": gone}


def test_staging_built_incrementally_equals_staging_built_from_scratch(refreshed_demo, tmp_path):
    _, built, _ = refreshed_demo
    incremental = tmp_path / "incremental" / built.name
    incremental.parent.mkdir()
    shutil.copy(built, incremental)
    stage(incremental, tmp_path / "target")
    before = {model: query(incremental, "select max(loaded_at), list(distinct staging_version) "
                                        f"from staging.{model}")[0] for model in MODELS}
    written = write_as_a_sync_would(incremental)
    scratch = tmp_path / "scratch" / built.name
    scratch.parent.mkdir()
    shutil.copy(incremental, scratch)

    stage(incremental, tmp_path / "target", "--vars", SETTING)
    stage(scratch, tmp_path / "target-scratch", "--full-refresh", "--vars", SETTING)

    for model in MODELS:
        assert staged(incremental, model) == staged(scratch, model), model
    restaged = {model: {r[0] for r in query(
        incremental, f"select {key} from staging.{model} where loaded_at > ?", [before[model][0]])}
        for model, key in MODELS.items()}
    assert restaged["stg_salesforce__order_items"] == {written["changed"], written["new"]}
    assert restaged["stg_salesforce__orders"] == {written["gone"]}
    assert restaged["stg_salesforce__accounts"] == set()
    assert query(incremental, "select is_deleted from staging.stg_salesforce__orders where order_id = ?",
                 [written["gone"]]) == [(True,)]
    # What staging reads changed only for opportunities: they were all restaged, by a new version.
    for model in ("stg_salesforce__order_items", "stg_salesforce__orders", "stg_salesforce__accounts"):
        assert query(incremental, f"select list(distinct staging_version) from staging.{model}")[0][0] \
            == before[model][1], model
    (after,) = query(incremental, "select list(distinct staging_version) from staging.stg_salesforce__opportunities")[0]
    assert len(after) == 1 and after != before["stg_salesforce__opportunities"][1]
    assert query(incremental, "select count(*) from staging.stg_salesforce__opportunities "
                              "where opportunity_id = '006STALE0000000AAA'") == [(0,)]
    # The models' tests read the rows staged since they last passed (tests/test_tests_since_last_pass.py).
    run = tmp_path / "target" / "run"
    for test in ("unique_stg_salesforce__order_items_order_item_id", "not_null_stg_salesforce__orders_order_id"):
        assert "dbt_state.passed_tests" in next(run.rglob(f"{test}*.sql")).read_text(), test
