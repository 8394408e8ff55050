"""One Dagster asset per Salesforce object, landing ``raw.<object>`` in DuckDB.

The asset is a thin wrapper: ``sync_object`` does the work; this module turns its result into metadata
the UI shows (rows read/inserted/updated/deleted, watermark, API calls) and its failures into clear
Dagster failures that say what was kept.
"""


from typing import Literal

import dagster as dg

from orchestration.defs.ingest.salesforce.freshness import RAW_FRESHNESS_POLICY, raw_asset_key
from orchestration.defs.resources import ExtractionSettings, SalesforceResource, WarehouseResource
from orchestration.salesforce.catalog import OBJECTS, ObjectSpec
from orchestration.salesforce.client import ApiBudgetExhausted, OrgApiLimitReached, SalesforceCallFailed
from orchestration.salesforce.sync import SyncResult, sync_object
from orchestration.warehouse.raw_load import table_columns

GROUP = "salesforce_raw"
OWNERS = ["team:data-engineering"]


class ExtractConfig(dg.Config):
    """Run configuration for one extraction asset."""

    mode: Literal["auto", "full", "incremental"] = "auto"
    reconcile: bool | None = None


def _metadata(result: SyncResult, columns: dict[str, str]) -> dict[str, object]:
    load = result.load
    metadata: dict[str, object] = {
        "dagster/table_name": f"raw.{result.table.split('.', 1)[1].strip(chr(34))}",
        "dagster/row_count": load.total_rows,
        "mode": result.mode,
        "mode_reason": result.mode_reason,
        "method": result.method,
        "rows_read": load.rows_read,
        "rows_inserted": load.inserted,
        "rows_updated": load.updated,
        "rows_soft_deleted": load.soft_deleted,
        "rows_hard_deleted": load.hard_deleted,
        "reconciled": result.reconciled,
        "watermark": load.watermark.isoformat(sep=" ") if load.watermark else "none",
        "api_calls_used": result.api_calls,
        "api_calls_remaining": result.api_remaining if result.api_remaining is not None else -1,
        "fields_extracted": len(result.fields),
        "seconds": result.seconds,
        "load_issues": load.issue_count,
    }
    if result.since:
        metadata["changes_since"] = result.since.isoformat(sep=" ")
    if load.columns_added:
        metadata["columns_added"] = ", ".join(load.columns_added[:50])
    if load.columns_missing:
        metadata["columns_no_longer_in_org"] = ", ".join(load.columns_missing)
    if result.skipped_fields:
        metadata["fields_skipped"] = dg.MetadataValue.md("\n".join(f"- {s}" for s in result.skipped_fields))
    if load.issues:
        metadata["load_issue_sample"] = dg.MetadataValue.md(
            "| object | record Id | field | value |\n|---|---|---|---|\n"
            + "\n".join(f"| {i.sobject} | {i.record_id} | {i.field} | `{i.value[:60]}` |" for i in load.issues)
        )
    if columns:
        metadata["dagster/column_schema"] = dg.TableSchema(
            columns=[dg.TableColumn(name, kind) for name, kind in columns.items()]
        )
    return metadata


def build_raw_asset(spec: ObjectSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(spec.api_name),
        group_name=GROUP,
        kinds={"salesforce", "duckdb"},
        owners=OWNERS,
        tags={"layer": "raw", "package": spec.package},
        description=f"Salesforce {spec.api_name}: {spec.description} Landed in raw.{spec.table}.",
        metadata={"salesforce_object": spec.api_name, "optional": spec.optional},
        freshness_policy=RAW_FRESHNESS_POLICY,
    )
    def _raw(context: dg.AssetExecutionContext, config: ExtractConfig, salesforce: SalesforceResource,
             warehouse: WarehouseResource, extraction: ExtractionSettings) -> dg.MaterializeResult:
        client = salesforce.get_client()
        context.log.info(f"{spec.api_name}: syncing from {client.settings.describe()}")
        try:
            result = sync_object(
                client, warehouse.path, spec, extraction.options(spec.api_name, config.mode, config.reconcile),
                run_id=context.run_id, progress=context.log.info,
            )
        except (ApiBudgetExhausted, OrgApiLimitReached, SalesforceCallFailed) as error:
            raise dg.Failure(
                description=f"{spec.api_name}: {error}",
                metadata={"object": spec.api_name, "previous_data": f"raw.{spec.table} left unchanged",
                          "api_calls_used": client.calls_used},
                allow_retries=False,
            ) from error
        if result.skipped_reason:
            context.log.warning(f"{spec.api_name}: {result.skipped_reason}")
            return dg.MaterializeResult(metadata={"skipped": result.skipped_reason,
                                                  "api_calls_used": result.api_calls})
        with warehouse.connect(read_only=False) as con:
            columns = table_columns(con, spec.table)
        return dg.MaterializeResult(metadata=_metadata(result, columns))

    return _raw


raw_assets = [build_raw_asset(spec) for spec in OBJECTS]
