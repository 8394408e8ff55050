"""Jobs: the incremental sync, the full refresh, and the everything-job the demo runs."""

from __future__ import annotations

import dagster as dg

from orchestration.salesforce.catalog import OBJECTS

RAW = dg.AssetSelection.groups("salesforce_raw")


def _raw_op_config(mode: str) -> dict:
    return {"ops": {f"raw__{spec.table}": {"config": {"mode": mode}} for spec in OBJECTS}}


salesforce_sync_job = dg.define_asset_job(
    "salesforce_incremental_sync",
    selection=RAW,
    description="Extract what changed in Salesforce since the last run (SystemModstamp watermark, with lookback); "
    "a periodic full-Id reconciliation marks hard-deleted rows.",
    config=_raw_op_config("auto"),
)

full_refresh_job = dg.define_asset_job(
    "salesforce_full_refresh",
    selection=RAW,
    description="Re-extract every record of every object, marking rows the org no longer has as hard-deleted.",
    config=_raw_op_config("full"),
)

everything_job = dg.define_asset_job(
    "revenue_pipeline",
    selection=dg.AssetSelection.all(),
    description="Everything, in dependency order: extraction, models, checks and write-back.",
)

all_jobs = [salesforce_sync_job, full_refresh_job, everything_job]
