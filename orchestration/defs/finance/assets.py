"""Finance's view of the marts: charts a reader sees in the Dagster UI, and the files finance picks up.

Charts are embedded in the materialisation as base64 PNG markdown, so every run keeps the picture of the
numbers it produced; the same PNG is written to disk for anyone outside Dagster.
"""

import base64
from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq

from orchestration import exports
from orchestration.defs.resources import WarehouseResource
from orchestration.finance import charts

OWNERS = ["team:finance"]


class ChartsConfig(dg.Config):
    """Where the PNG goes (default: charts/ beside the warehouse, data/charts); months is the chart's width."""

    out_dir: str | None = None
    months: int = 24


class RecognitionChartConfig(dg.Config):
    """Where the PNG goes (default data/charts); months is the window's width, forward how much of it lies
    after the as-of month."""

    out_dir: str | None = None
    months: int = 36
    forward: int = 12


class ExportsConfig(dg.Config):
    """Where the files go (default: exports/ beside the warehouse, data/exports)."""

    out_dir: str | None = None


def _out_dir(configured: str | None, warehouse: WarehouseResource, default_name: str) -> Path:
    """Beside the warehouse unless configured, so a run against another DuckDB file keeps its outputs apart."""
    return Path(configured) if configured else warehouse.path.parent / default_name


@dg.asset(
    key=dg.AssetKey(["charts", "arr_waterfall"]),
    deps=[dg.AssetKey(["marts", "fct_arr_movements"])],
    group_name="marts",
    owners=OWNERS,
    kinds={"python", "duckdb"},
    description="ARR movements by month (new, reactivation, expansion, contraction, churn, net new) with ending "
    "ARR, as a PNG in data/charts and in the materialisation.",
)
def arr_waterfall(config: ChartsConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as con:
        rows = charts.arr_waterfall_rows(con, months=config.months)
    return _chart_result("ARR waterfall", charts.render_arr_waterfall(rows),
                         _out_dir(config.out_dir, warehouse, "charts") / "arr_waterfall.png", charts.arr_summary(rows))


@dg.asset(
    key=dg.AssetKey(["charts", "recognition"]),
    deps=[dg.AssetKey(["marts", "fct_revenue_waterfall"])],
    group_name="recognition",
    owners=OWNERS,
    kinds={"python", "duckdb"},
    description="Recognised revenue (past and scheduled), billings and the deferred revenue balance by month "
    "around the as-of date, as a PNG in data/charts and in the materialisation.",
)
def recognition(config: RecognitionChartConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as con:
        rows = charts.recognition_rows(con, months=config.months, forward=config.forward)
    path = _out_dir(config.out_dir, warehouse, "charts") / "recognition.png"
    return _chart_result("Revenue recognition", charts.render_recognition(rows), path,
                         charts.recognition_summary(rows))


@dg.asset(
    key=dg.AssetKey(["finance", "revenue_exports"]),
    deps=[dg.AssetKey(["marts", relation.removeprefix("marts.")]) for relation, _ in exports.EXPORTS.values()],
    group_name="recognition",
    owners=OWNERS,
    kinds={"duckdb", "csv", "parquet"},
    description="The revenue schedule, recognition status, revenue waterfall and contract allocations as CSV "
    "and Parquet files for finance (data/exports).",
)
def revenue_exports(config: ExportsConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    out_dir = _out_dir(config.out_dir, warehouse, exports.DEFAULT_EXPORT_DIR.name)
    written = exports.export(warehouse.path, out_dir)
    # Counted from the Parquet footers: what the files hold, not what the warehouse holds a moment later.
    rows = {name: pq.read_metadata(out_dir / f"{name}.parquet").num_rows for name in exports.EXPORTS}
    return dg.MaterializeResult(metadata={
        "dagster/row_count": rows["revenue_schedule"],
        "rows_by_export": dg.MetadataValue.json(rows),
        "files": dg.MetadataValue.md("\n".join(
            f"- `{path.name}` ({path.stat().st_size:,} bytes)" for path in written)),
        "out_dir": dg.MetadataValue.path(str(out_dir)),
    })


def _chart_result(title: str, png: bytes, path: Path, summary: dict[str, object]) -> dg.MaterializeResult:
    _write_atomically(path, png)
    encoded = base64.b64encode(png).decode("ascii")
    return dg.MaterializeResult(metadata={
        "chart": dg.MetadataValue.md(f"![{title}](data:image/png;base64,{encoded})"),
        "path": dg.MetadataValue.path(str(path)),
        "png_bytes": len(png),
        **{name: _metadata_value(value) for name, value in summary.items() if value is not None},
    })


def _metadata_value(value: object) -> object:
    """Exact amounts become floats only here, for display; dates become ISO text."""
    if isinstance(value, Decimal):
        return dg.MetadataValue.float(float(value))
    if isinstance(value, date):
        return value.isoformat()
    return value


def _write_atomically(path: Path, data: bytes) -> None:
    """Next to the final name, then renamed: a reader never sees half a PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)


finance_assets = [arr_waterfall, recognition, revenue_exports]
