"""``make demo``: run the whole pipeline against the embedded demo org and say what landed.

Runs are recorded in $DAGSTER_HOME, so ``make dev`` afterwards shows them in the Dagster UI.
"""

from __future__ import annotations

import os
import sys
import time

from orchestration.paths import PROJECT_ROOT, resolve_database


def _summary(database) -> list[str]:
    from orchestration.salesforce.catalog import OBJECTS
    from orchestration.warehouse.connection import connection
    from orchestration.warehouse.raw_load import table_exists

    lines = [f"DuckDB file: {database}", "", f"  {'raw table':<30} {'rows':>10} {'deleted':>8} {'issues':>7}"]
    with connection(database, read_only=True) as con:
        for spec in OBJECTS:
            if not table_exists(con, spec.table):
                lines.append(f"  {spec.qualified_table:<30} {'missing':>10}")
                continue
            has_deleted = con.execute(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = ? "
                "AND column_name = 'IsDeleted'", [spec.table]).fetchall()[0][0]
            deleted = "coalesce(sum(CASE WHEN \"IsDeleted\" OR _hard_deleted THEN 1 ELSE 0 END), 0)" \
                if has_deleted else "coalesce(sum(CASE WHEN _hard_deleted THEN 1 ELSE 0 END), 0)"
            rows, removed = con.execute(f"SELECT count(*), {deleted} FROM {spec.qualified_table}").fetchall()[0]
            issues = con.execute("SELECT count(*) FROM raw._load_issues WHERE object = ?",
                                 [spec.api_name]).fetchall()[0][0]
            lines.append(f"  {spec.qualified_table:<30} {rows:>10,} {removed:>8,} {issues:>7,}")
    return lines


def _marts_summary(database) -> list[str]:
    """The headline numbers an analyst would check first."""
    from orchestration.warehouse.connection import connection

    queries = {
        "contracts (Booked / Lost / Forecast)": """
            select count(*) || ' (' || count(*) filter (where stage_category = 'Booked') || ' / '
                || count(*) filter (where stage_category = 'Lost') || ' / '
                || count(*) filter (where stage_category = 'Forecast') || ')' from marts.fct_contracts""",
        "active contracts": "select count(*) from marts.fct_contracts where status = 'active'",
        "renewal chains": "select count(*) from marts.fct_renewal_chains",
        "ARR at the last month end": """
            select currency_code || ' ' || format('{:,.2f}', ending_arr) || ' on ' || month_end
            from marts.fct_arr_movements order by month_end desc limit 1""",
        "NRR / GRR (trailing 12 months)": """
            select format('{:.1f}% / {:.1f}%', nrr * 100, grr * 100)
            from marts.fct_retention order by month_end desc limit 1""",
        "data issues (errors / warnings)": """
            select count(*) || ' (' || count(*) filter (where severity = 'error') || ' / '
                || count(*) filter (where severity = 'warning') || ')' from marts.fct_data_issues""",
    }
    lines = ["", "  marts"]
    with connection(database, read_only=True) as con:
        for label, sql in queries.items():
            try:
                value = con.execute(sql).fetchall()[0][0]
            except Exception as error:  # a mart that did not build: say so instead of failing the summary
                value = f"not available ({type(error).__name__})"
            lines.append(f"  {label:<38} {value}")
    return lines


def main() -> int:
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home"))
    os.makedirs(os.environ["DAGSTER_HOME"], exist_ok=True)

    import dagster as dg

    from orchestration.definitions import defs

    started = time.monotonic()
    job = defs.resolve_job_def("revenue_pipeline")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )
    elapsed = time.monotonic() - started
    failed = [event.step_key for event in result.all_events if event.event_type_value == "STEP_FAILURE"]
    print()
    print(f"Pipeline run {result.run_id} {'succeeded' if result.success else 'FAILED'} in {elapsed:.0f}s")
    if failed:
        print(f"Failed steps: {', '.join(failed)} (see `make dev` → Runs for the logs)")
    database = resolve_database()
    if database.exists():
        print("\n".join(_summary(database) + _marts_summary(database)))
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
