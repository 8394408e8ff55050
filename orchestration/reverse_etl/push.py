"""Send the push plan to Salesforce, safely.

- Before anything is written, each target object is described and every mapped field must exist and be
  updateable (and, for upserts, createable): a formula field or a typo stops the push with an error
  naming the fields, and nothing is sent.
- Records go in composite sObject collections of 200 with allOrNone false: one rejected record (a
  validation rule, a record deleted since extraction) never stops the others.
- Records refused with UNABLE_TO_LOCK_ROW are sent again, up to a few rounds, with backoff.
- Every record's outcome lands in reverse_etl.sync_log; every value written lands in
  reverse_etl.pushed_values, so a rerun sends only what failed or changed.
- The run's API budget stops the push cleanly: what was not sent is logged as not_sent and planned again.
- There is no delete anywhere: records are updated by Id, or upserted by an external Id when the mapping
  says so.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from orchestration.reverse_etl.mapping import WriteBackMapping
from orchestration.reverse_etl.plan import LOG_TABLE, PLAN_TABLE, PUSHED_TABLE, ensure_tables
from orchestration.salesforce.client import ApiBudgetExhausted, SalesforceClient

log = logging.getLogger(__name__)

BATCH_SIZE = 200
LOCK_RETRY_ROUNDS = 3


class FieldsNotWritable(ValueError):
    """The mapping names fields Salesforce will not let us write; nothing was sent."""


@dataclass
class PushResult:
    planned_records: int = 0
    sent_records: int = 0
    succeeded: int = 0
    failed: int = 0
    not_sent: int = 0
    write_calls: int = 0
    errors_by_code: dict[str, int] = field(default_factory=dict)


@dataclass
class Outcome:
    object: str
    record_id: str
    fields: list[str]
    status: str
    error_code: str | None = None
    message: str | None = None


def check_writable(client: SalesforceClient, mapping: WriteBackMapping, objects: list[str]) -> None:
    """Describe each object; refuse missing, formula and read-only fields by name, before any write."""
    problems = []
    for name in objects:
        object_mapping = mapping.objects[name]
        described = {f["name"].lower(): f for f in client.describe(name)["fields"]}
        for field_name in object_mapping.sending():
            info = described.get(field_name.lower())
            if info is None:
                problems.append(f"{name}.{field_name}: no such field in this org")
            elif info.get("calculated"):
                problems.append(f"{name}.{field_name}: a formula (calculated) field cannot be written")
            elif not info.get("updateable"):
                problems.append(f"{name}.{field_name}: not updateable for the integration user")
            elif object_mapping.upsert and not info.get("createable"):
                problems.append(f"{name}.{field_name}: not createable, but the mapping upserts {name}")
        if object_mapping.upsert:
            key = described.get(object_mapping.upsert.external_id_field.lower())
            if key is None or not key.get("externalId"):
                problems.append(f"{name}.{object_mapping.upsert.external_id_field}: not an external Id field")
    if problems:
        raise FieldsNotWritable("refusing to write back: " + "; ".join(problems))


def _planned_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """object → number of records the plan changes, counted in DuckDB (a dry run never loads the plan)."""
    return dict(con.execute(
        f"SELECT object, count(DISTINCT record_id) FROM {PLAN_TABLE} GROUP BY object ORDER BY object"
    ).fetchall())


def _planned_records(con: duckdb.DuckDBPyConnection, object_name: str) -> dict[str, dict]:
    """record Id → {field: JSON value} for one object of the push plan, so only one object is in memory."""
    records: dict[str, dict] = defaultdict(dict)
    for record_id, field_name, value_json in con.execute(
        f"SELECT record_id, field, new_value_json FROM {PLAN_TABLE} WHERE object = ? ORDER BY record_id, field",
        [object_name],
    ).fetchall():
        records[record_id][field_name] = json.loads(value_json)
    return dict(records)


def _send_batch(client: SalesforceClient, mapping: WriteBackMapping, object_name: str,
                batch: list[tuple[str, dict]]) -> list[dict]:
    object_mapping = mapping.objects[object_name]
    label = f"write back {len(batch)} {object_name} records"
    if object_mapping.upsert:
        key = object_mapping.upsert.external_id_field
        payload = [{"attributes": {"type": object_name}, key: record_id, **values} for record_id, values in batch]
        return client.upsert_records(object_name, key, payload, label=label)
    payload = [{"attributes": {"type": object_name}, "id": record_id, **values} for record_id, values in batch]
    return client.update_records(payload, label=label)


class _PushRun:
    """One push: sends rounds of batches per object and collects every record's outcome."""

    def __init__(self, client: SalesforceClient, mapping: WriteBackMapping, result: PushResult,
                 max_write_calls: int | None) -> None:
        self.client, self.mapping, self.result = client, mapping, result
        self.max_write_calls = max_write_calls
        self.outcomes: list[Outcome] = []
        self.pushed: list[tuple[str, str, str, str | None]] = []

    def send_object(self, object_name: str, records: dict[str, dict], sleep: Callable[[float], None],
                    say: Callable[[str], None]) -> None:
        queue = list(records.items())
        for round_number in range(1, LOCK_RETRY_ROUNDS + 2):
            locked, budget_spent = self._send_round(object_name, queue, retry_locks=round_number <= LOCK_RETRY_ROUNDS)
            if budget_spent or not locked:
                return
            say(f"{object_name}: {len(locked)} records locked by another process; retrying "
                f"(round {round_number} of {LOCK_RETRY_ROUNDS})")
            sleep(min(30.0, 0.5 * 2 ** (round_number - 1)))
            queue = locked

    def _send_round(self, object_name: str, queue: list[tuple[str, dict]],
                    retry_locks: bool) -> tuple[list[tuple[str, dict]], bool]:
        """Send the queue in batches; returns the records to retry for locks, and whether the budget ran out."""
        locked: list[tuple[str, dict]] = []
        for start in range(0, len(queue), BATCH_SIZE):
            batch = queue[start:start + BATCH_SIZE]
            try:
                if self.max_write_calls is not None and self.result.write_calls >= self.max_write_calls:
                    raise ApiBudgetExhausted(f"the run's write budget of {self.max_write_calls} calls is spent")
                responses = _send_batch(self.client, self.mapping, object_name, batch)
            except ApiBudgetExhausted as error:
                self.outcomes += [Outcome(object_name, rid, sorted(v), "not_sent", "BUDGET", str(error))
                                  for rid, v in queue[start:]]
                return locked, True
            self.result.write_calls += 1
            self.result.sent_records += len(batch)
            for (record_id, values), response in zip(batch, responses, strict=True):
                if response.get("success"):
                    self.outcomes.append(Outcome(object_name, record_id, sorted(values), "success"))
                    self.pushed += [(object_name, record_id, f, _as_text(v)) for f, v in values.items()]
                    continue
                error = (response.get("errors") or [{}])[0]
                code = error.get("statusCode", "UNKNOWN")
                if code == "UNABLE_TO_LOCK_ROW" and retry_locks:
                    locked.append((record_id, values))
                else:
                    self.outcomes.append(Outcome(object_name, record_id, sorted(values), "error", code,
                                                 error.get("message")))
        return locked, False


def push(con: duckdb.DuckDBPyConnection, client: SalesforceClient, mapping: WriteBackMapping, *, run_id: str,
         dry_run: bool = False, max_write_calls: int | None = None,
         sleep: Callable[[float], None] = time.sleep, progress: Callable[[str], None] | None = None) -> PushResult:
    say = progress or log.info
    ensure_tables(con)
    planned = _planned_counts(con)
    result = PushResult(planned_records=sum(planned.values()))
    if dry_run or not planned:
        return result
    check_writable(client, mapping, sorted(planned))

    run = _PushRun(client, mapping, result, max_write_calls)
    for object_name in sorted(planned):
        run.send_object(object_name, _planned_records(con, object_name), sleep, say)
        written = sum(1 for o in run.outcomes if o.object == object_name and o.status == "success")
        say(f"{object_name}: {written} of {planned[object_name]} records written")

    _record(con, run_id, run.outcomes, run.pushed)
    for outcome in run.outcomes:
        if outcome.status == "success":
            result.succeeded += 1
        elif outcome.status == "not_sent":
            result.not_sent += 1
        else:
            result.failed += 1
            result.errors_by_code[outcome.error_code] = result.errors_by_code.get(outcome.error_code, 0) + 1
    return result


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _record(con: duckdb.DuckDBPyConnection, run_id: str, outcomes: list[Outcome],
            pushed: list[tuple[str, str, str, str | None]]) -> None:
    """Append every outcome and every value written, in one transaction (as Arrow, not row by row)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    log_rows = pa.table({
        "run_id": [run_id] * len(outcomes),
        "logged_at": pa.array([now] * len(outcomes), pa.timestamp("us")),
        "object": [o.object for o in outcomes],
        "record_id": [o.record_id for o in outcomes],
        "fields": [",".join(o.fields) for o in outcomes],
        "status": [o.status for o in outcomes],
        "error_code": pa.array([o.error_code for o in outcomes], pa.string()),
        "message": pa.array([o.message for o in outcomes], pa.string()),
    })
    pushed_rows = pa.table({
        "run_id": [run_id] * len(pushed),
        "object": [p[0] for p in pushed],
        "record_id": [p[1] for p in pushed],
        "field": [p[2] for p in pushed],
        "value": pa.array([p[3] for p in pushed], pa.string()),
        "pushed_at": pa.array([now] * len(pushed), pa.timestamp("us")),
    })
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("_log_rows", log_rows)
        con.register("_pushed_rows", pushed_rows)
        con.execute(f"INSERT INTO {LOG_TABLE} SELECT * FROM _log_rows")
        con.execute(f"INSERT INTO {PUSHED_TABLE} SELECT * FROM _pushed_rows")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_log_rows")
        con.unregister("_pushed_rows")
