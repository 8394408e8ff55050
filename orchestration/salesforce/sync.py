"""One object's sync: decide full or incremental, extract, reconcile deletions, load atomically.

Pure Python with no Dagster in it, so it is easy to test and the asset wrapper stays thin.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orchestration.salesforce.catalog import ObjectSpec
from orchestration.salesforce.client import SalesforceClient
from orchestration.salesforce.extract import build_soql, count_soql, extract_to_spool
from orchestration.salesforce.fields import FieldPlan, FieldSpec, plan_fields
from orchestration.salesforce.scratch import scratch_dir
from orchestration.warehouse import raw_load
from orchestration.warehouse.connection import connection

log = logging.getLogger(__name__)

MODES = ("auto", "full", "incremental")


@dataclass(frozen=True)
class SyncOptions:
    mode: str = "auto"
    lookback_minutes: int = 15
    bulk_threshold: int = 10_000
    bulk_page_size: int = 50_000
    reconcile_every_hours: float = 24.0
    reconcile: bool | None = None          # None: when the last reconciliation is older than the interval
    extra_fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")


@dataclass
class SyncResult:
    sobject: str
    table: str
    skipped_reason: str | None = None
    mode: str = ""
    mode_reason: str = ""
    method: str = ""
    since: datetime | None = None
    load: raw_load.LoadResult = field(default_factory=raw_load.LoadResult)
    reconciled: bool = False
    fields: tuple[str, ...] = ()
    skipped_fields: tuple[str, ...] = ()
    api_calls: int = 0
    api_remaining: int | None = None
    seconds: float = 0.0


class GlobalDescribeCache:
    """describe global once per client: which objects the org has."""

    def __init__(self) -> None:
        self._names: dict[int, set[str]] = {}

    def has(self, client: SalesforceClient, api_name: str) -> bool:
        key = id(client)
        if key not in self._names:
            payload = client.describe_global()
            self._names[key] = {o["name"].lower() for o in payload["sobjects"]}
        return api_name.lower() in self._names[key]


_global_describe = GlobalDescribeCache()


def expected_columns(api_name: str) -> dict[str, str]:
    """Columns of an object's raw table in the reference data model (used when the org lacks the object)."""
    from orchestration.demo_org.schema import build_schema
    from orchestration.warehouse.casting import duckdb_type

    sobject = build_schema(billing_package=True).get(api_name)
    if sobject is None:
        return {"Id": "VARCHAR"}
    return {f.name: duckdb_type(f.type, f.precision, f.scale) for f in sobject.fields if not f.is_compound}


def sync_object(client: SalesforceClient, database: Path, spec: ObjectSpec, options: SyncOptions, *,
                run_id: str, progress: Callable[[str], None] | None = None,
                now: Callable[[], datetime] | None = None) -> SyncResult:
    started = time.monotonic()
    clock = now or (lambda: datetime.now(UTC).replace(tzinfo=None))
    say = progress or (lambda message: log.info(message))
    calls_before = client.calls_used
    result = SyncResult(spec.api_name, spec.qualified_table)

    if not _global_describe.has(client, spec.api_name):
        reason = (f"{spec.api_name} is not in this org"
                  + (" (the Salesforce Billing package is not installed)" if spec.package == "billing" else ""))
        if not spec.optional:
            raise RuntimeError(f"{reason}; it is required. Check the integration user's object permissions.")
        with connection(database) as con:
            created = raw_load.create_empty_table(con, spec.table, expected_columns(spec.api_name))
        result.skipped_reason = reason + ("; created an empty table with the expected columns" if created
                                          else "; kept the existing table unchanged")
        say(f"{spec.api_name}: skipped: {result.skipped_reason}")
        return _finish(result, client, calls_before, started)

    describe = client.describe(spec.api_name)
    plan = plan_fields(describe, options.extra_fields, describe_object=client.describe)
    result.fields, result.skipped_fields = plan.columns, plan.skipped
    for message in plan.skipped:
        if "configured extra field" in message:
            log.warning(message)

    with connection(database) as con:
        state = raw_load.read_state(con, spec.api_name)
        exists = raw_load.table_exists(con, spec.table)
    full, result.mode_reason = _choose_mode(options, state, exists, plan)
    result.mode = "full" if full else "incremental"
    if not full and state and state.watermark:
        result.since = state.watermark - timedelta(minutes=options.lookback_minutes)
    reconcile = not full and _reconcile_due(options, state, clock())

    # Not a TemporaryDirectory: a run killed mid-extract would leak its spool (see scratch.py).
    with scratch_dir(spec.table) as workdir:
        spool = workdir / f"{spec.table}.parquet"
        expected = client.count(count_soql(spec.api_name, result.since), include_deleted=True)
        use_bulk = expected > options.bulk_threshold
        say(f"{spec.api_name}: {result.mode} extract of {expected:,} rows via "
            f"{'Bulk API 2.0' if use_bulk else 'REST'} ({result.mode_reason})")
        stats = extract_to_spool(
            client, spec.api_name, build_soql(spec.api_name, [f.path for f in plan.fields], result.since),
            plan.fields, spool, use_bulk=use_bulk, bulk_page_size=options.bulk_page_size,
            progress=_progress_reporter(say, spec.api_name, expected),
        )
        result.method = stats.method
        ids_spool = None
        if reconcile:
            ids_spool = _extract_all_ids(client, spec, options, workdir)
            result.reconciled = True
        with connection(database) as con:
            result.load = raw_load.load_raw(con, sobject=spec.api_name, table=spec.table, plan=plan, spool=spool,
                                            run_id=run_id, full=full, reconcile_ids=ids_spool, now=clock())
        result.reconciled = result.reconciled or full
    load = result.load
    say(f"{spec.api_name}: read {load.rows_read:,}, inserted {load.inserted:,}, updated {load.updated:,}, "
        f"soft-deleted {load.soft_deleted:,}, hard-deleted {load.hard_deleted:,}; {load.total_rows:,} rows in "
        f"{spec.qualified_table}")
    for issue in load.issues:
        log.warning("load issue: %s", issue)
    return _finish(result, client, calls_before, started)


def _choose_mode(options: SyncOptions, state, exists: bool, plan: FieldPlan) -> tuple[bool, str]:
    if options.mode == "full":
        return True, "full refresh requested"
    if not exists or state is None:
        return True, "first load"
    if state.watermark is None or plan.field("SystemModstamp") is None:
        return True, "no SystemModstamp watermark"
    new_fields = [c for c in plan.columns if c not in state.columns]
    if new_fields and options.mode == "auto":
        return True, f"new fields {', '.join(new_fields[:5])} need a backfill"
    return False, f"changes since {state.watermark:%Y-%m-%d %H:%M:%S} minus {options.lookback_minutes} min lookback"


def _reconcile_due(options: SyncOptions, state, at: datetime) -> bool:
    if options.reconcile is not None:
        return options.reconcile
    if state is None or state.last_reconciled_at is None:
        return True
    return at - state.last_reconciled_at >= timedelta(hours=options.reconcile_every_hours)


def _extract_all_ids(client: SalesforceClient, spec: ObjectSpec, options: SyncOptions, workdir: Path) -> Path:
    """Every Id the org still has (recycle bin included): the rows we hold beyond these were hard-deleted."""
    id_field = (FieldSpec("Id", "Id", "id", "VARCHAR"),)
    total = client.count(count_soql(spec.api_name), include_deleted=True)
    stats = extract_to_spool(client, spec.api_name, build_soql(spec.api_name, ["Id"]), id_field,
                             workdir / f"{spec.table}-ids.parquet", use_bulk=total > options.bulk_threshold,
                             bulk_page_size=options.bulk_page_size)
    return stats.path


def _progress_reporter(say: Callable[[str], None], api_name: str, expected: int) -> Callable[[int], None]:
    """Report progress about every 10% of a large extract, so long runs are visibly alive."""
    step = max(expected // 10, 50_000)
    state = {"next": step}

    def report(rows: int) -> None:
        if rows >= state["next"] and rows < expected:
            say(f"{api_name}: {rows:,} of {expected:,} rows extracted")
            state["next"] = rows + step

    return report


def _finish(result: SyncResult, client: SalesforceClient, calls_before: int, started: float) -> SyncResult:
    result.api_calls = client.calls_used - calls_before
    result.api_remaining = client.api_remaining
    result.seconds = round(time.monotonic() - started, 3)
    return result
