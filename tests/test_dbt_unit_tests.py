"""Every dbt unit test (the spec's worked examples) runs here, in CI, against a really built warehouse.

Production builds leave unit tests out, as dbt advises: their inputs are fixed, so they check the SQL, not
the data, and belong with the code's tests rather than in each scheduled run.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"


def test_every_dbt_unit_test_passes(refreshed_demo, tmp_path):
    _, database, _ = refreshed_demo
    copy = tmp_path / "unit.duckdb"
    shutil.copy(database, copy)
    target = tmp_path / "target"
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "test", "--select", "test_type:unit",
         "--profiles-dir", str(PROJECT), "--target-path", str(target)],
        cwd=PROJECT, env={**os.environ, "REVENUE_DUCKDB_PATH": str(copy)},
        capture_output=True, text=True, timeout=900)
    # the project's hooks (operation.*) run with every invocation; the unit tests are the rest
    results = [r for r in json.loads((target / "run_results.json").read_text())["results"]
               if not r["unique_id"].startswith("operation.")]
    manifest = json.loads((target / "manifest.json").read_text())
    declared = {unique_id for unique_id in manifest["unit_tests"]}
    failed = [r["unique_id"] for r in results if r["status"] != "pass"]
    assert completed.returncode == 0 and not failed, (failed, completed.stdout[-3000:])
    assert {r["unique_id"] for r in results} == declared and len(declared) > 50


def test_production_builds_leave_unit_tests_out(refreshed_demo):
    """The pipeline's own dbt build ran the data tests as checks but no unit test."""
    _, _, result = refreshed_demo
    assert result.success
    events = [e for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert len(events) > 300
