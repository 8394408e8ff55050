"""How fresh the raw Salesforce tables are: a freshness policy for the UI and a freshness check per table.

A raw table that has not been synced for longer than the hourly schedule's cadence means the schedule
stopped, a run failed or the org refused us; every number downstream is then stale, so the asset says so
rather than leaving finance to notice. The check reads the pipeline's own bookkeeping (``raw._sync_state``:
when each object last synced, its SystemModstamp watermark, its last hard-delete reconciliation), so it
judges the data in the warehouse, not merely whether some run happened.

The checks run in their own job (``raw_freshness``, on a schedule that ships off), not in the sync jobs:
right after a sync they would pass by construction and prove nothing.
"""

from datetime import UTC, datetime, timedelta

import dagster as dg

from orchestration.defs.resources import WarehouseResource
from orchestration.salesforce.catalog import OBJECTS
from orchestration.warehouse.raw_load import STATE_TABLE, table_exists

# The hourly sync runs at minute 7: two missed runs in a row is a warning; a missed day (the nightly full
# reconciliation too) is an error.
WARN_AFTER = timedelta(hours=2)
FAIL_AFTER = timedelta(hours=26)
# Hard deletes only show up in a full-Id reconciliation; the nightly refresh should do one every day.
RECONCILE_WARN_AFTER = timedelta(hours=50)

RAW_FRESHNESS_POLICY = dg.FreshnessPolicy.time_window(fail_window=FAIL_AFTER, warn_window=WARN_AFTER)
CHECK_NAME = "freshness"


def raw_asset_key(api_name: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", api_name.lower()])


def judge(last_synced: datetime | None, last_reconciled: datetime | None, now: datetime
          ) -> tuple[bool, dg.AssetCheckSeverity, str]:
    """(passed, severity, reason) for one table's bookkeeping at ``now`` (naive UTC)."""
    if last_synced is None:
        return False, dg.AssetCheckSeverity.ERROR, "never synced"
    age = now - last_synced
    if age > FAIL_AFTER:
        return False, dg.AssetCheckSeverity.ERROR, f"last synced {_hours(age)} ago (limit {_hours(FAIL_AFTER)})"
    if age > WARN_AFTER:
        return False, dg.AssetCheckSeverity.WARN, f"last synced {_hours(age)} ago (limit {_hours(WARN_AFTER)})"
    if last_reconciled is None or now - last_reconciled > RECONCILE_WARN_AFTER:
        since = "never" if last_reconciled is None else f"{_hours(now - last_reconciled)} ago"
        return False, dg.AssetCheckSeverity.WARN, f"hard deletes last reconciled {since}: run the full refresh"
    return True, dg.AssetCheckSeverity.WARN, f"synced {_hours(age)} ago"


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


def _sync_state(warehouse: WarehouseResource) -> dict[str, tuple]:
    if not warehouse.path.exists():
        return {}
    with warehouse.connect(read_only=True) as con:
        if not table_exists(con, STATE_TABLE.split(".", 1)[1]):
            return {}
        rows = con.execute(
            f"SELECT object, updated_at, last_reconciled_at, watermark, last_full_at, last_mode FROM {STATE_TABLE}"
        ).fetchall()
    return {row[0].lower(): row[1:] for row in rows}


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            CHECK_NAME, asset=raw_asset_key(spec.api_name),
            description=f"raw.{spec.table} synced within {_hours(WARN_AFTER)} (warning) and {_hours(FAIL_AFTER)} "
            f"(error), hard deletes reconciled within {_hours(RECONCILE_WARN_AFTER)}")
        for spec in OBJECTS
    ],
    can_subset=True,
    name="raw_freshness_checks",
)
def raw_freshness_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    state = _sync_state(warehouse)
    now = datetime.now(UTC).replace(tzinfo=None)
    for check_key in context.selected_asset_check_keys:
        table = check_key.asset_key.path[-1]
        synced, reconciled, watermark, last_full, last_mode = state.get(table, (None,) * 5)
        passed, severity, reason = judge(synced, reconciled, now)
        if not passed:
            context.log.warning(f"raw.{table}: {reason}")
        yield dg.AssetCheckResult(
            asset_key=check_key.asset_key, check_name=CHECK_NAME, passed=passed, severity=severity,
            description=reason,
            metadata={
                "reason": reason,
                "last_synced_at": str(synced) if synced else "never",
                "age_minutes": round((now - synced).total_seconds() / 60, 1) if synced else -1,
                "newest_systemmodstamp": str(watermark) if watermark else "none",
                "last_full_at": str(last_full) if last_full else "never",
                "last_reconciled_at": str(reconciled) if reconciled else "never",
                "last_mode": last_mode or "none",
            },
        )
