"""Schedules ship switched off: turning on writes to a real org is a decision, not a default."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.jobs import freshness_job, full_refresh_job, salesforce_sync_job

hourly_incremental_sync = dg.ScheduleDefinition(
    name="hourly_incremental_sync",
    job=salesforce_sync_job,
    cron_schedule="7 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Hourly incremental extraction at minute 7.",
)

nightly_full_reconciliation = dg.ScheduleDefinition(
    name="nightly_full_reconciliation",
    job=full_refresh_job,
    cron_schedule="30 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Nightly full extraction and hard-delete reconciliation at 02:30 UTC.",
)

raw_freshness_every_30_minutes = dg.ScheduleDefinition(
    name="raw_freshness_every_30_minutes",
    job=freshness_job,
    cron_schedule="*/30 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Evaluates the raw tables' freshness checks; read-only, safe to turn on with the syncs.",
)

all_schedules = [hourly_incremental_sync, nightly_full_reconciliation, raw_freshness_every_30_minutes]
