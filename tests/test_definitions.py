"""The code location loads, and holds the jobs, schedules and resources the README promises."""

from __future__ import annotations

import dagster as dg

from orchestration.definitions import defs
from orchestration.salesforce.catalog import OBJECTS


def test_definitions_validate():
    repository = defs.get_repository_def()
    keys = {key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()}
    assert {f"raw/{spec.table}" for spec in OBJECTS} <= keys


def test_jobs_and_schedules_exist_and_schedules_are_off_by_default():
    assert {"salesforce_incremental_sync", "salesforce_full_refresh", "revenue_pipeline"} <= {
        job.name for job in defs.get_repository_def().get_all_jobs()}
    schedules = {s.name: s for s in defs.schedules}
    assert set(schedules) >= {"hourly_incremental_sync", "nightly_full_reconciliation"}
    assert all(s.default_status == dg.DefaultScheduleStatus.STOPPED for s in schedules.values())


def test_resources_are_wired():
    assert {"salesforce", "warehouse", "extraction", "dbt"} <= set(defs.resources)
