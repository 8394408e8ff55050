"""Jobs: the syncs, the model refresh, the write-back, and the everything-job the demo runs.

Freshness checks are left out of every job that materialises raw tables (right after a sync they pass by
construction) and run on their own in ``raw_freshness``.
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.ingest.salesforce.freshness import raw_freshness_checks
from orchestration.defs.reverse_etl.assets import PLAN_KEY, PUSH_KEY
from orchestration.salesforce.catalog import OBJECTS

RAW = dg.AssetSelection.groups("salesforce_raw").without_checks()
FRESHNESS = dg.AssetSelection.checks(raw_freshness_checks)
WRITE_BACK = dg.AssetSelection.assets(PLAN_KEY, PUSH_KEY)


def raw_op_config(mode: str) -> dict:
    return {"ops": {f"raw__{spec.table}": {"config": {"mode": mode}} for spec in OBJECTS}}


salesforce_sync_job = dg.define_asset_job(
    "salesforce_incremental_sync",
    selection=RAW,
    description="Extract what changed in Salesforce since the last run (SystemModstamp watermark, with lookback); "
    "a periodic full-Id reconciliation marks hard-deleted rows.",
    config=raw_op_config("auto"),
)

full_refresh_job = dg.define_asset_job(
    "salesforce_full_refresh",
    selection=RAW,
    description="Re-extract every record of every object, marking rows the org no longer has as hard-deleted.",
    config=raw_op_config("full"),
)

refresh_job = dg.define_asset_job(
    "revenue_refresh",
    selection=dg.AssetSelection.all() - FRESHNESS - WRITE_BACK,
    description="Extraction, every dbt model and test, the quality gate, charts and exports; sends nothing to "
    "Salesforce. The write_back_after_quality_gate sensor can follow it with the write-back.",
)

write_back_job = dg.define_asset_job(
    "salesforce_write_back",
    selection=WRITE_BACK,
    description="Plan and send the computed fields to Salesforce (reverse_etl.push_plan → sync_log). "
    "Set ops.reverse_etl__salesforce_push.config.dry_run to plan without sending.",
)

everything_job = dg.define_asset_job(
    "revenue_pipeline",
    selection=dg.AssetSelection.all() - FRESHNESS,
    description="Everything, in dependency order: extraction, models, checks and write-back. A failing "
    "blocking quality check stops the write-back in the same run.",
)

freshness_job = dg.define_asset_job(
    "raw_freshness",
    selection=FRESHNESS,
    description="Check how long ago each raw Salesforce table was synced (raw._sync_state).",
)

all_jobs = [salesforce_sync_job, full_refresh_job, refresh_job, write_back_job, everything_job, freshness_job]
