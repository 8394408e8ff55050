"""Great Expectations suites as Dagster asset checks, one per suite file in expectations/.

A check reads its suite's rows from DuckDB, validates them with GX, and reports pass/fail with the
failing count and a sample of failing record Ids, plus a link to the GX Data Docs page it wrote under
data/quality_docs/. Suites marked blocking guard the write-back: when one fails, the push does not run.
"""

import dagster as dg

from orchestration.defs.resources import WarehouseResource
from orchestration.quality.gx_validation import (
    DEFAULT_DOCS_DIR_NAME,
    SuiteFile,
    SuiteOutcome,
    load_suites,
    read_frame,
    validate,
    write_index,
)


def _metadata(suite: SuiteFile, outcome: SuiteOutcome) -> dict:
    lines = ["| expectation | column | result | failing | of | mostly | sample failing Ids |",
             "|---|---|---|---|---|---|---|"]
    for e in outcome.expectations:
        lines.append(f"| {e.expectation} | {e.column} | {'pass' if e.success else 'FAIL'} | {e.unexpected_count} "
                     f"| {e.element_count} | {e.mostly if e.mostly is not None else ''} "
                     f"| {', '.join(e.sample_ids[:5])} |")
    metadata: dict = {
        "suite": suite.name,
        "suite_file": str(suite.path.name),
        "rows_validated": outcome.rows,
        "failing_count": outcome.failing_count,
        "sample_failing_ids": ", ".join(outcome.sample_failing_ids) or "none",
        "expectations": dg.MetadataValue.md("\n".join(lines)),
    }
    if outcome.docs_page is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(outcome.docs_page))
    return metadata



def build_gx_check(suite: SuiteFile) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset)),
        name=f"gx_{suite.name}",
        blocking=suite.blocking,
        description=suite.description,
        metadata={"suite_file": f"expectations/{suite.path.name}"},
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            frame = read_frame(con, suite)
        # Beside the warehouse (data/quality_docs by default), so a run on another file keeps its docs apart.
        docs_dir = warehouse.path.parent / DEFAULT_DOCS_DIR_NAME
        outcome = validate(frame, suite, docs_dir)
        write_index(docs_dir, [outcome])
        if not outcome.success:
            context.log.error(f"quality gate {suite.name} failed: {outcome.failing_count} failing values, e.g. "
                              f"{', '.join(outcome.sample_failing_ids[:5])}")
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
            metadata=_metadata(suite, outcome),
        )

    return _check


# Without GX (see gx_validation._gx): a check validates its suite's expectations when it runs.
gx_checks = [build_gx_check(suite) for suite in load_suites(check_expectations=False)]
