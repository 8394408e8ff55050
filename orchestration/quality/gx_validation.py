"""Great Expectations 1.x validations of DuckDB data, through pandas.

GX's SQL datasource returns empty results over duckdb-engine (GX issue 11579), so validations do not go
through SQLAlchemy: each suite's query runs in DuckDB, the result crosses to pandas through Arrow (columnar,
no per-row Python), and GX validates the DataFrame with its pandas execution engine. Every suite lives in a
reviewable JSON file in expectations/: the GX suite (name, expectations) plus, in ``meta``, the asset it
guards, the query that produces the rows to validate, the columns that identify a failing row, and whether
a failure blocks what is downstream.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from orchestration.paths import DATA_DIR, EXPECTATIONS_DIR

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import ModuleType

    import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

log = logging.getLogger(__name__)


@functools.cache
def _gx() -> ModuleType:
    """Great Expectations, imported and configured on first use instead of with this module.

    Every Dagster run process imports this module, through the asset checks' definitions, and importing GX
    (with the pandas it validates) takes 5-7 s on a 2-core machine; only the processes that run a validation
    should pay that. So nothing here imports GX at module level: the functions that validate call this first,
    then import what they use from GX. tests/test_definitions.py fails if loading the definitions imports GX.
    """
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every DataFrame under 1 GB it is given by hashing all of its values, for batch markers
    # that nothing here reads (each validation gets a fresh ephemeral context). On the 1M-opportunity benchmark
    # that hash was most of the validation time: the schedule suite's 2.9M rows took 2.3 s with it, 0.2 s
    # without. A threshold of 0 skips it; tests/quality/test_gx_validation.py fails if a GX upgrade renames
    # the setting.
    pandas_execution_engine.HASH_THRESHOLD = 0
    return gx


DEFAULT_DOCS_DIR_NAME = "quality_docs"
DEFAULT_DOCS_DIR = DATA_DIR / DEFAULT_DOCS_DIR_NAME
SAMPLE_SIZE = 20


class SuiteError(ValueError):
    """A suite file is not valid; the message names the file and the problem."""


@dataclass(frozen=True)
class SuiteFile:
    name: str
    path: Path
    description: str
    asset: tuple[str, ...]
    query: str
    id_columns: tuple[str, ...]
    blocking: bool
    expectations: tuple[dict, ...]


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str
    success: bool
    element_count: int
    unexpected_count: int
    unexpected_percent: float
    mostly: float | None
    sample_ids: list[str] = field(default_factory=list)


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    rows: int
    expectations: list[ExpectationOutcome]
    docs_page: Path | None = None

    @property
    def failing_count(self) -> int:
        return sum(e.unexpected_count for e in self.expectations if not e.success)

    @property
    def sample_failing_ids(self) -> list[str]:
        ids: list[str] = []
        for outcome in self.expectations:
            if not outcome.success:
                ids += [i for i in outcome.sample_ids if i not in ids]
        return ids[:SAMPLE_SIZE]


def load_suite(path: Path, *, check_expectations: bool = True) -> SuiteFile:
    """Read a suite file. ``check_expectations=False`` leaves checking that GX accepts each expectation to
    ``validate``, which raises the same SuiteError: the Dagster definitions load suites that way, without GX."""
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise SuiteError(f"{path}: not valid JSON: {error}") from None
    meta = document.get("meta") or {}
    missing = [key for key in ("asset", "query", "id_columns") if not meta.get(key)]
    if missing or not document.get("name") or not document.get("expectations"):
        raise SuiteError(f"{path}: needs name, expectations and meta.asset/query/id_columns (missing: "
                         f"{', '.join(missing) or 'name or expectations'})")
    if check_expectations:
        _expectations(path, document["expectations"])
    return SuiteFile(
        name=document["name"], path=path, description=meta.get("description", ""), asset=tuple(meta["asset"]),
        query=meta["query"], id_columns=tuple(meta["id_columns"]), blocking=bool(meta.get("blocking", True)),
        expectations=tuple(document["expectations"]),
    )


def load_suites(directory: Path = EXPECTATIONS_DIR, *, check_expectations: bool = True) -> list[SuiteFile]:
    return [load_suite(path, check_expectations=check_expectations)
            for path in sorted(Path(directory).glob("*.json"))]


def _expectations(path: Path, items: Sequence[dict]) -> list:
    """The suite file's expectations as GX objects; one GX does not accept is a SuiteError naming the file."""
    _gx()
    from great_expectations.expectations.registry import get_expectation_impl

    expectations = []
    for item in items:
        try:
            expectations.append(get_expectation_impl(item["type"])(**item.get("kwargs", {})))
        except Exception as error:  # GX raises several types for a bad expectation; all mean the same here
            raise SuiteError(f"{path}: expectation {item.get('type')!r} is not valid: {error}") from None
    return expectations


def read_frame(con: duckdb.DuckDBPyConnection, suite: SuiteFile) -> pd.DataFrame:
    """The rows to validate, DuckDB → Arrow → pandas, in column types pandas handles natively.

    Left to the defaults, DECIMAL and DATE columns become Python objects, one per value, which makes a
    million-row suite several times slower and larger. Dates become datetime64 and decimals float64; a suite
    that compares money exactly casts it in its own query.
    """
    table = con.sql(suite.query).to_arrow_table()
    for index, column in enumerate(table.schema):
        if pa.types.is_decimal(column.type):
            table = table.set_column(index, column.name, table.column(index).cast(pa.float64()))
    return table.to_pandas(date_as_object=False)


def _context(docs_dir: Path | None):
    """An in-memory context whose only docs site is ours. The ephemeral context's default site lives in a
    temporary folder that GX never removes: left in place, every validation would leave one behind."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    for site in list(context.list_data_docs_sites()):
        context.delete_data_docs_site(site)
    if docs_dir is not None:
        context.add_data_docs_site(site_name="quality", site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
    return context


def validate(frame: pd.DataFrame, suite: SuiteFile, docs_dir: Path | None = DEFAULT_DOCS_DIR) -> SuiteOutcome:
    """Run the suite on the frame; failing rows are named by the suite's id columns."""
    gx = _gx()
    site_dir = docs_dir / suite.name if docs_dir is not None else None
    context = _context(site_dir)
    batch = (context.data_sources.add_pandas("warehouse").add_dataframe_asset(suite.name)
             .add_batch_definition_whole_dataframe("all rows"))
    expectations = _expectations(suite.path, suite.expectations)
    gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name, expectations=expectations,
                                                       meta={"description": suite.description}))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite.name} on {'.'.join(suite.asset)}", data=batch, suite=gx_suite))
    actions = [gx.checkpoint.UpdateDataDocsAction(name="data docs")] if site_dir is not None else []
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name=suite.name, validation_definitions=[definition], actions=actions,
        # SUMMARY still names the first failing rows by their ids; COMPLETE would list every failing row,
        # which costs seconds when a systematic fault fails hundreds of thousands of them.
        result_format={"result_format": "SUMMARY", "unexpected_index_column_names": list(suite.id_columns),
                       "partial_unexpected_count": SAMPLE_SIZE},
    ))
    run = checkpoint.run(batch_parameters={"dataframe": frame})
    validation = next(iter(run.run_results.values()))
    outcomes = [_outcome(result, suite) for result in validation.results]
    page = None
    if site_dir is not None:
        pages = sorted((site_dir / "validations").rglob("*.html"), key=lambda p: p.stat().st_mtime)
        page = pages[-1] if pages else None
    return SuiteOutcome(suite.name, bool(validation.success), len(frame), outcomes, page)


def _outcome(result, suite: SuiteFile) -> ExpectationOutcome:
    config = result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column") or ", ".join(kwargs.get("column_list") or
                                                [kwargs.get("column_A", ""), kwargs.get("column_B", "")])
    details = result.result or {}
    samples = []
    for entry in details.get("partial_unexpected_index_list") or []:
        if isinstance(entry, dict):
            samples.append(" / ".join(_id_text(entry.get(c)) for c in suite.id_columns))
        if len(samples) >= SAMPLE_SIZE:
            break
    return ExpectationOutcome(
        expectation=config.type, column=column, success=bool(result.success),
        element_count=int(details.get("element_count") or 0),
        unexpected_count=int(details.get("unexpected_count") or 0),
        unexpected_percent=round(float(details.get("unexpected_percent") or 0.0), 4),
        mostly=kwargs.get("mostly"), sample_ids=samples,
    )


def _id_text(value) -> str:
    """A failing row's id as the report shows it: a missing id is "null", not pandas' "nan" or "<NA>"."""
    import pandas as pd

    return "null" if pd.isna(value) else str(value)


def write_index(docs_dir: Path, outcomes: list[SuiteOutcome]) -> Path:
    """data/quality_docs/index.html: one line per suite with its latest result and its GX Data Docs page.

    Each suite's latest result is kept as ``<suite>/latest.json`` in the docs folder and the index is rebuilt
    from all of them, because the checks run in separate processes (Dagster's multiprocess executor) and each
    knows only its own outcome.
    """
    docs_dir.mkdir(parents=True, exist_ok=True)
    for outcome in outcomes:
        link = outcome.docs_page.relative_to(docs_dir).as_posix() if outcome.docs_page else ""
        latest = docs_dir / outcome.suite / "latest.json"
        latest.parent.mkdir(parents=True, exist_ok=True)
        latest.write_text(json.dumps({"suite": outcome.suite, "success": outcome.success, "rows": outcome.rows,
                                      "failing_count": outcome.failing_count, "link": link}))
    rows = []
    for path in sorted(docs_dir.glob("*/latest.json")):
        entry = json.loads(path.read_text())
        status = "passed" if entry["success"] else "FAILED"
        rows.append(f"<tr><td><a href='{html.escape(entry['link'])}'>{html.escape(entry['suite'])}</a></td>"
                    f"<td>{status}</td><td>{entry['rows']:,}</td><td>{entry['failing_count']:,}</td></tr>")
    index = docs_dir / "index.html"
    partial = index.with_name(".index.html.partial")
    partial.write_text(
        "<!doctype html><meta charset='utf-8'><title>Quality gate</title>"
        "<h1>Quality gate: latest validations</h1><table border=1 cellpadding=4>"
        "<tr><th>suite</th><th>result</th><th>rows</th><th>failing values</th></tr>"
        + "".join(rows) + "</table>"
    )
    partial.replace(index)
    return index
