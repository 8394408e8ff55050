"""One benchmark stage, run as its own process so its wall time and peak memory are its own.

    python -m orchestration.benchmark.stages extract --database D --server-url URL [--mode full|auto]
    python -m orchestration.benchmark.stages models|gate|push --database D --server-url URL
    python -m orchestration.benchmark.stages schedule --database D --server-url URL [--repeats 3]
    python -m orchestration.benchmark.stages pipeline --database D --server-url URL [--mode incremental]

Each stage is a real Dagster run of the project's own assets (the same definitions the UI loads), on an
ephemeral instance, against the demo org served over loopback HTTP by the harness. The last line on stdout
is a JSON object of what the run reported: rows, API calls, the dbt timings.

``pipeline`` is the four pipeline stages (extract, models, gate, push) in one Dagster run with the in-process
executor, as a ``revenue_pipeline`` run makes them (without that job's charts, exports and analyst copy): one
process, one start of Dagster and of Great Expectations. It reports each part's seconds from its steps.
"""

from __future__ import annotations

import argparse
import functools
import json
import operator
import sys
import time
from pathlib import Path

STAGES = ("extract", "models", "schedule", "gate", "push", "pipeline")
# The stages a pipeline run is made of, in order; the pipeline stage runs them as one.
PIPELINE_PARTS = ("extract", "models", "gate", "push")
# The two models that generate the recognition schedule: lines expanded into weighed periods, then amounts.
SCHEDULE_MODELS = ("int_recognition__range_periods", "int_recognition__schedule")


def generation_seconds(dbt: dict) -> float:
    """dbt's execution time of generating the schedule: lines expanded into weighted periods and amounts."""
    return sum(seconds for unique_id, seconds in dbt.items()
               if unique_id.endswith(tuple(f".{model}" for model in SCHEDULE_MODELS)))


def _selection(stage: str):
    import dagster as dg

    from orchestration.defs.quality.checks import gx_checks
    from orchestration.defs.reverse_etl.assets import PLAN_KEY, PUSH_KEY
    from orchestration.defs.reverse_etl.sensors import gate_check_keys
    from orchestration.defs.transform.assets import revenue_models

    gx = dg.AssetSelection.checks(*gx_checks)
    write_back = dg.AssetSelection.assets(PLAN_KEY, PUSH_KEY)
    if stage == "pipeline":
        return functools.reduce(operator.or_, (_selection(part) for part in PIPELINE_PARTS))
    if stage == "extract":
        return dg.AssetSelection.groups("salesforce_raw").without_checks()
    if stage == "models":  # every dbt model and test, the tests of the Salesforce sources included
        dbt = dg.AssetSelection.assets(*revenue_models.keys) | dg.AssetSelection.checks(*revenue_models.check_keys)
        return dbt - gx
    if stage == "schedule":  # generation alone, after the models: no other node shares the two cores
        return dg.AssetSelection.assets(
            *(key for key in revenue_models.keys if key.path[-1] in SCHEDULE_MODELS)).without_checks()
    if stage == "gate":  # the suites on the marts; the push plan's own suite runs with the push, as in a run
        return dg.AssetSelection.checks(*gate_check_keys())
    return write_back


def _run_config(stage: str, args: argparse.Namespace) -> dict:
    from orchestration.defs.jobs import raw_op_config

    config: dict = {"resources": {
        "salesforce": {"config": {"connection": "demo", "demo_server_url": args.server_url}},
        "warehouse": {"config": {"database": args.database}},
    }}
    ops: dict = {}
    if stage in ("extract", "pipeline"):
        ops.update(raw_op_config(args.mode)["ops"])
    if stage in ("push", "pipeline"):
        ops["reverse_etl__salesforce_push"] = {"config": {"dry_run": True}}
    if stage == "schedule":  # every line generated again, not only the changed ones
        ops["revenue_models"] = {"config": {"full_refresh": True}}
    if ops:
        config["ops"] = ops
    return config


def _number(value) -> float:
    inner = getattr(value, "value", value)
    return inner if isinstance(inner, int | float) and not isinstance(inner, bool) else 0


def _report(stage: str, result) -> dict:
    """What the run's own events say: the same numbers the UI shows on each asset."""
    report: dict = {"success": result.success, "api_calls": 0, "rows": 0}
    by_object = {}
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        report["api_calls"] += _number(metadata.get("api_calls_used"))
        if stage in ("extract", "pipeline") and event.asset_key.path[0] == "raw":
            rows = _number(metadata.get("rows_read"))
            report["rows"] += rows
            by_object[event.asset_key.path[-1]] = {
                "rows_read": rows, "api_calls": _number(metadata.get("api_calls_used")),
                "method": str(getattr(metadata.get("method"), "value", "")),
                "seconds": _number(metadata.get("seconds"))}
        elif stage in ("push", "pipeline") and event.asset_key.path[0] == "reverse_etl" \
                and event.asset_key.path[-1].startswith("salesforce_push"):
            report["records_planned"] = _number(metadata.get("records_planned")) or report.get("records_planned", 0)
            # a pipeline run's rows are the rows it read; the plan's rows are counted apart
            counted = "plan_rows" if stage == "pipeline" else "rows"
            report[counted] = report.get(counted, 0) + _number(metadata.get("dagster/row_count"))
    if by_object:
        report["objects"] = by_object
    checks = result.get_asset_check_evaluations()
    report["checks"] = len(checks)
    report["checks_failed"] = sorted(e.check_name for e in checks if not e.passed)
    return report


def part_of_step(step_key: str) -> str:
    """Which of the pipeline's parts a step of a pipeline run belongs to ("other" for none of them)."""
    if step_key.startswith("raw__"):
        return "extract"
    if step_key == "revenue_models":
        return "models"
    if step_key.startswith("reverse_etl__"):
        return "push"  # the plan, its own suite and the push, as the push stage runs them
    if "_gx_" in step_key:
        return "gate"
    return "other"


def part_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds per part of a pipeline run, from each step's start and end in the run's event log (the rest of
    the run's time is Dagster's start and finish). Timed from the log rather than the success event's
    duration, so that a failed step counts too."""
    seconds = dict.fromkeys((*PIPELINE_PARTS, "other"), 0.0)
    started = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
            seconds[part_of_step(event.step_key)] += entry.timestamp - started.pop(event.step_key)
    return {part: round(value, 1) for part, value in seconds.items() if value or part != "other"}


def _dbt_timings(since: float) -> dict:
    """Per-model execution seconds from the run_results.json this stage's dbt build wrote."""
    from orchestration.paths import DBT_PROJECT_DIR

    candidates = [p for p in (DBT_PROJECT_DIR / "target").rglob("run_results.json") if p.stat().st_mtime >= since]
    if not candidates:
        return {}
    results = json.loads(max(candidates, key=lambda p: p.stat().st_mtime).read_text())["results"]
    return {r["unique_id"]: round(r.get("execution_time") or 0.0, 3) for r in results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.benchmark.stages")
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument("--database", required=True)
    parser.add_argument("--server-url", required=True)
    parser.add_argument("--mode", default="full", choices=("full", "auto", "incremental"))
    parser.add_argument("--repeats", type=int, default=3,
                        help="schedule stage: how many times to run generation (the median run is reported); "
                             "on this shared two-core machine one run's time varies by a quarter either way")
    args = parser.parse_args(argv)

    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.warehouse.connection import connection

    job = dg.define_asset_job(f"bench_{args.stage}", selection=_selection(args.stage))
    bench_defs = dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
    timings = []
    parts = {}
    for _ in range(args.repeats if args.stage == "schedule" else 1):
        started = time.time()
        with dg.DagsterInstance.ephemeral() as instance:
            result = bench_defs.resolve_job_def(job.name).execute_in_process(
                run_config=_run_config(args.stage, args), instance=instance, raise_on_error=False)
            if args.stage == "pipeline":
                parts = part_seconds(instance, result.run_id)
        timings.append(_dbt_timings(started) if args.stage in ("models", "schedule", "pipeline") else {})
        if not result.success:
            break
    report = _report(args.stage, result)
    if parts:
        report["parts_seconds"] = parts
    if args.stage in ("models", "pipeline"):
        report["dbt"] = timings[0]
        with connection(Path(args.database), read_only=True) as con:
            report["schedule_rows"] = con.execute("SELECT count(*) FROM marts.fct_revenue_schedule").fetchall()[0][0]
    if args.stage == "schedule":
        # The run whose generation time is the median stands for the stage; every run's timings are kept.
        report["dbt_runs"] = timings
        report["dbt"] = sorted(timings, key=generation_seconds)[len(timings) // 2]
        with connection(Path(args.database), read_only=True) as con:
            report["generated_rows"] = con.execute(
                "SELECT count(*) FROM intermediate.int_recognition__schedule").fetchall()[0][0]
    report["peak_memory_mib"] = _peak_memory_mib()
    print(json.dumps(report))
    return 0 if result.success else 1


def _peak_memory_mib() -> float:
    """The larger of this process's own high-water mark and that of the processes it waited for (dbt).

    Measured here rather than by the harness: a process forked from the harness (which holds the whole demo
    org in memory) starts with the harness's high-water mark, and exec does not reset ``ru_maxrss``; /proc's
    VmHWM belongs to the new program alone. The children's figure can still include this process's size when
    it forked them, so it errs high, never low.
    """
    import resource

    own = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            own = int(line.split()[1]) / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return round(max(own, children), 1)


if __name__ == "__main__":
    sys.exit(main())
