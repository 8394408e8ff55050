"""The Dagster code location: every definition, assembled in this one place.

Runs use the in-process executor: DuckDB allows one writer per file, and the embedded demo org lives in
the run's process, so steps share it exactly as assets share one real org.
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs import jobs, schedules, sensors
from orchestration.defs.finance.assets import finance_assets
from orchestration.defs.ingest.salesforce import assets as salesforce_assets
from orchestration.defs.ingest.salesforce.freshness import raw_freshness_checks
from orchestration.defs.publish.assets import analyst_copy
from orchestration.defs.quality.checks import gx_checks
from orchestration.defs.resources import build_resources
from orchestration.defs.reverse_etl.assets import reverse_etl_assets
from orchestration.defs.transform.assets import revenue_models

defs = dg.Definitions(
    assets=[*salesforce_assets.raw_assets, revenue_models, analyst_copy, *finance_assets, *reverse_etl_assets],
    asset_checks=[*gx_checks, raw_freshness_checks],
    jobs=jobs.all_jobs,
    schedules=schedules.all_schedules,
    sensors=sensors.all_sensors,
    resources=build_resources(),
    executor=dg.in_process_executor,
)
