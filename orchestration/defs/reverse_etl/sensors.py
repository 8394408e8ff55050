"""Start the write-back only once the quality gate has passed on the very data it would send.

Within one run, blocking checks already stop the push. This sensor is for deployments that refresh the
models on one cadence (``revenue_refresh``) and write back separately: it requests ``salesforce_write_back``
when every blocking check has passed on the latest materialisation of its asset, and says in its skip
reason which check holds the push back. It ships off, like the schedules: writing to a real org is a
decision, not a default.
"""


from dataclasses import dataclass

import dagster as dg
from dagster import AssetCheckKey

from orchestration.defs.jobs import write_back_job
from orchestration.defs.quality.checks import gx_checks
from orchestration.defs.reverse_etl.assets import PLAN_KEY


def gate_check_keys() -> list[AssetCheckKey]:
    """The blocking checks on the assets the push reads (the push plan's own check runs inside the job)."""
    keys = []
    for checks in gx_checks:
        for spec in checks.check_specs:
            if spec.blocking and spec.asset_key != PLAN_KEY:
                keys.append(spec.key)
    return sorted(keys, key=lambda key: key.to_user_string())


@dataclass(frozen=True)
class GateVerdict:
    open: bool
    reason: str
    newest_storage_id: int = 0


def gate_verdict(instance: dg.DagsterInstance, check_keys: list[AssetCheckKey]) -> GateVerdict:
    """Open when each check's latest evaluation passed and targeted its asset's latest materialisation."""
    newest = 0
    for key in check_keys:
        asset = key.asset_key.to_user_string()
        records = instance.fetch_materializations(key.asset_key, limit=1).records
        if not records:
            return GateVerdict(False, f"{asset} has never been materialised")
        latest = records[0].storage_id
        newest = max(newest, latest)
        record = instance.get_latest_asset_check_evaluation_record(key)
        if record is None or record.status.value == "PLANNED" or record.event is None:
            return GateVerdict(False, f"{key.name} has not yet evaluated the latest {asset}")
        evaluation = record.event.dagster_event.event_specific_data
        target = evaluation.target_materialization_data
        if target is None or target.storage_id != latest:
            return GateVerdict(False, f"{key.name} has not yet evaluated the latest {asset}")
        if record.status.value != "SUCCEEDED":
            failing = evaluation.metadata.get("failing_count")
            count = f" ({failing.value} failing values)" if failing is not None else ""
            return GateVerdict(False, f"{key.name} failed on {asset}{count}: the push waits for fixed data")
    return GateVerdict(True, "every blocking quality check passed on the latest data", newest)


@dg.sensor(
    name="write_back_after_quality_gate",
    job=write_back_job,
    minimum_interval_seconds=120,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Requests salesforce_write_back once every blocking quality check has passed on the latest "
    "materialisation of the assets the push reads; once per new set of data.",
)
def write_back_after_quality_gate(context: dg.SensorEvaluationContext):
    verdict = gate_verdict(context.instance, gate_check_keys())
    if not verdict.open:
        return dg.SkipReason(verdict.reason)
    if verdict.newest_storage_id <= int(context.cursor or 0):
        return dg.SkipReason("the latest checked data has already been sent to the write-back")
    context.update_cursor(str(verdict.newest_storage_id))
    return dg.RunRequest(run_key=f"quality-gate-{verdict.newest_storage_id}",
                         tags={"triggered_by": "write_back_after_quality_gate"})
