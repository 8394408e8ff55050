"""Running jobs the way the Dagster launchpad does: resources configured through run config, not in Python."""

from __future__ import annotations

import dagster as dg

from orchestration.definitions import defs

# Not the default size (2,000), to prove the launchpad setting reaches the org; not much smaller either: the
# demo org plants a fixed number of defects, which below ~800 opportunities exceed the gate's 1% tolerance.
SCALE, SEED = 1000, 11


def launchpad_config(database) -> dict:
    return {"resources": {
        "salesforce": {"config": {"connection": "demo", "demo_scale": SCALE, "demo_seed": SEED,
                                  "retry_base_delay_seconds": 0.01}},
        "warehouse": {"config": {"database": str(database)}},
    }}


def run(job_name: str, instance, database, extra: dict | None = None) -> dg.ExecuteInProcessResult:
    config = launchpad_config(database)
    for key, value in (extra or {}).items():
        config.setdefault(key, {}).update(value)
    return defs.resolve_job_def(job_name).execute_in_process(instance=instance, run_config=config,
                                                             raise_on_error=False)
