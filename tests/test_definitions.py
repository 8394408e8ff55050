"""The code location loads, and holds the jobs, schedules, sensors, groups and owners the README promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.salesforce.catalog import OBJECTS

ROOT = Path(__file__).resolve().parents[1]
GROUPS = {"salesforce_raw", "staging", "marts", "recognition", "quality", "reverse_etl"}
JOBS = {"salesforce_incremental_sync", "salesforce_full_refresh", "revenue_refresh", "salesforce_write_back",
        "revenue_pipeline", "raw_freshness"}


def test_definitions_validate():
    dg.Definitions.validate_loadable(defs)
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {f"raw/{spec.table}" for spec in OBJECTS} <= keys


@pytest.mark.slow
def test_dagster_definitions_validate_accepts_the_workspace(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run([str(Path(sys.executable).parent / "dagster"), "definitions", "validate",
                             "-w", "workspace.yaml"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_jobs_schedules_and_sensors_exist_and_ship_switched_off():
    assert {job.name for job in defs.resolve_all_job_defs()} >= JOBS
    schedules = {s.name: s for s in defs.schedules}
    assert set(schedules) >= {"hourly_incremental_sync", "nightly_full_reconciliation",
                              "raw_freshness_every_30_minutes"}
    assert all(s.default_status == dg.DefaultScheduleStatus.STOPPED for s in schedules.values())
    sensors = {s.name: s for s in defs.sensors}
    assert "write_back_after_quality_gate" in sensors
    assert all(s.default_status == dg.DefaultSensorStatus.STOPPED for s in sensors.values())


def test_every_asset_has_one_of_the_documented_groups_and_an_owner():
    graph = defs.resolve_asset_graph()
    groups, unowned = set(), []
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        groups.add(node.group_name)
        if not node.owners:
            unowned.append(key.to_user_string())
    assert groups == GROUPS
    assert not unowned, f"assets without an owner: {unowned[:10]}"


def test_raw_assets_carry_a_freshness_policy_and_check():
    graph = defs.resolve_asset_graph()
    for spec in OBJECTS:
        key = dg.AssetKey(["raw", spec.table])
        assert graph.get(key).freshness_policy is not None, key
        assert dg.AssetCheckKey(key, "freshness") in graph.asset_check_keys, key


def test_resources_are_wired():
    assert {"salesforce", "warehouse", "extraction", "dbt"} <= set(defs.resources)


def test_loading_the_definitions_does_not_import_great_expectations():
    """Every run process loads the definitions; GX takes seconds to import and only a quality check needs it.
    A fresh interpreter, so that what other tests imported does not count."""
    code = "import sys, orchestration.definitions; print('great_expectations' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "False", "loading the definitions imported great_expectations"
