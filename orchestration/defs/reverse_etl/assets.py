"""The write-back: a push plan, checked by the quality gate, then the push itself.

The plan depends on every asset the gate checks, so a failing blocking check stops the plan (and so the
push) in the same run; the push plan has its own blocking check (no null Ids, no duplicate writes).
"""

from datetime import UTC, datetime

import dagster as dg

from orchestration.defs.resources import SalesforceResource, WarehouseResource
from orchestration.reverse_etl.mapping import DEFAULT_MAPPING, load_mapping
from orchestration.reverse_etl.plan import PLAN_TABLE, PlanError, build_plan
from orchestration.reverse_etl.push import FieldsNotWritable, push

GROUP = "reverse_etl"
OWNERS = ["team:data-engineering"]
GATED = [
    dg.AssetKey(["marts", "dim_products"]),
    dg.AssetKey(["marts", "fct_contracts"]),
    dg.AssetKey(["marts", "fct_contract_line_items"]),
    dg.AssetKey(["marts", "fct_revenue_schedule"]),
    dg.AssetKey(["marts", "fct_recognition_status"]),
]
SYNC_MODELS = [
    dg.AssetKey(["reverse_etl", "sync_salesforce__opportunities"]),
    dg.AssetKey(["reverse_etl", "sync_salesforce__order_items"]),
    dg.AssetKey(["reverse_etl", "sync_salesforce__accounts"]),
]
PLAN_KEY = dg.AssetKey(["reverse_etl", "salesforce_push_plan"])
PUSH_KEY = dg.AssetKey(["reverse_etl", "salesforce_push"])


class PushPlanConfig(dg.Config):
    mapping_path: str = str(DEFAULT_MAPPING)


class PushConfig(dg.Config):
    """dry_run writes the plan and sends nothing; max_write_calls caps the composite calls of this run."""

    dry_run: bool = False
    max_write_calls: int | None = None
    mapping_path: str = str(DEFAULT_MAPPING)


@dg.asset(
    key=PLAN_KEY,
    deps=[*SYNC_MODELS, *GATED],
    group_name=GROUP,
    owners=OWNERS,
    kinds={"duckdb"},
    description="Every (object, record, field) whose warehouse value differs from what Salesforce last returned "
    "(or what this pipeline last wrote): reverse_etl.push_plan.",
)
def salesforce_push_plan(context: dg.AssetExecutionContext, config: PushPlanConfig,
                         warehouse: WarehouseResource) -> dg.MaterializeResult:
    mapping = load_mapping(config.mapping_path)
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        with warehouse.connect() as con:
            summary = build_plan(con, mapping, context.run_id, now)
            sample = con.execute(
                f"SELECT object, record_id, field, old_value, new_value FROM {PLAN_TABLE} "
                "ORDER BY object, record_id, field LIMIT 10").fetchall()
    except PlanError as error:
        raise dg.Failure(description=str(error)) from error
    table = "| object | record | field | Salesforce now | new |\n|---|---|---|---|---|\n" + "\n".join(
        f"| {o} | {r} | {f} | {old} | {new} |" for o, r, f, old, new in sample)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": summary.rows,
        "records": summary.records,
        "changes_by_object": dg.MetadataValue.json(summary.by_object),
        "sample": dg.MetadataValue.md(table),
    })


@dg.asset(
    key=PUSH_KEY,
    deps=[PLAN_KEY],
    group_name=GROUP,
    owners=OWNERS,
    kinds={"salesforce"},
    description="Sends the push plan to Salesforce with composite collections (200 records, allOrNone false); "
    "logs every record's outcome in reverse_etl.sync_log. Never deletes, never writes formula fields.",
)
def salesforce_push(context: dg.AssetExecutionContext, config: PushConfig, salesforce: SalesforceResource,
                    warehouse: WarehouseResource) -> dg.MaterializeResult:
    mapping = load_mapping(config.mapping_path)
    client = salesforce.get_client()
    calls_before = client.calls_used
    try:
        with warehouse.connect() as con:
            result = push(con, client, mapping, run_id=context.run_id, dry_run=config.dry_run,
                          max_write_calls=config.max_write_calls, progress=context.log.info)
    except FieldsNotWritable as error:
        raise dg.Failure(description=str(error), allow_retries=False) from error
    if config.dry_run:
        context.log.info(f"dry run: {result.planned_records} records planned, nothing sent")
    if result.failed:
        context.log.warning(f"{result.failed} records were rejected by Salesforce; see reverse_etl.sync_log")
    return dg.MaterializeResult(metadata={
        "dry_run": config.dry_run,
        "records_planned": result.planned_records,
        "records_sent": result.sent_records,
        "records_succeeded": result.succeeded,
        "records_failed": result.failed,
        "records_not_sent": result.not_sent,
        "errors_by_code": dg.MetadataValue.json(result.errors_by_code),
        "write_calls": result.write_calls,
        "api_calls_used": client.calls_used - calls_before,
    })


reverse_etl_assets = [salesforce_push_plan, salesforce_push]
