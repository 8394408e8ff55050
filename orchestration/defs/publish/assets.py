"""The analyst copy of the warehouse, republished after the marts rebuild (why: see warehouse/analyst_copy.py).

It depends on every mart, so it runs once they are all built; when a model fails, the copy is not
republished and analysts keep the last complete set of marts instead of a half-built one.
"""


import dagster as dg

from orchestration.defs.resources import WarehouseResource
from orchestration.defs.transform.assets import revenue_models
from orchestration.warehouse.analyst_copy import analyst_copy_path, publish
from orchestration.warehouse.connection import connection

MARTS = sorted((key for key in revenue_models.keys if key.path[0] == "marts"), key=lambda k: k.to_user_string())


@dg.asset(
    key=dg.AssetKey(["warehouse", "analyst_copy"]),
    deps=MARTS,
    group_name="marts",
    owners=["team:analytics"],
    kinds={"duckdb"},
    description="data/revenue_analyst.duckdb: a read-only copy of the warehouse for `make sql`, dbt docs and BI "
    "tools, renamed into place so open sessions are never disturbed and never hold up a run.",
)
def analyst_copy(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    target = publish(warehouse.path, analyst_copy_path(warehouse.path), wait_seconds=warehouse.lock_wait_seconds)
    with connection(target, read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, count(*) FROM information_schema.tables GROUP BY 1 ORDER BY 1").fetchall()
    context.log.info(f"published {target}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(target)),
        "size_mb": round(target.stat().st_size / 1e6, 1),
        "tables_by_schema": dg.MetadataValue.json(dict(tables)),
        "open_with": "make sql",
    })
