"""Finance exports: the revenue schedule and its companions as CSV and Parquet files.

    make export                      # data/exports/*.csv and *.parquet from data/revenue.duckdb
    python -m orchestration.exports --out somewhere/ --table revenue_schedule

Files are written next to their final name and renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.paths import DATA_DIR, resolve_database
from orchestration.warehouse.connection import connection

EXPORTS: dict[str, tuple[str, str]] = {
    # file stem: (relation, order)
    "revenue_schedule": ("marts.fct_revenue_schedule", "source_object, source_id, period_start"),
    "recognition_status": ("marts.fct_recognition_status", "source_object, source_id"),
    "revenue_waterfall": ("marts.fct_revenue_waterfall", "account_id, month_start"),
    "revenue_contract_allocations": ("marts.fct_revenue_contract_allocations", "order_id, order_item_id"),
}
DEFAULT_EXPORT_DIR = DATA_DIR / "exports"
# How the incremental schedule and waterfall keep track of their lines and accounts
# (dbt_project/macros/incremental_by_fingerprint.sql): build bookkeeping, not finance's data,
# and different on each build.
BUILD_COLUMNS = ("line_fingerprint", "account_fingerprint", "built_at")


def export(database: Path, out_dir: Path, names: list[str] | None = None) -> list[Path]:
    """Write each export as CSV and Parquet; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with connection(database, read_only=True) as con:
        for name in names or list(EXPORTS):
            relation, order = EXPORTS[name]
            schema, table = relation.split(".")
            columns = [column for (column,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position", [schema, table]).fetchall() if column not in BUILD_COLUMNS]
            selected = ", ".join(f'"{column}"' for column in columns)
            query = f"SELECT {selected} FROM {relation} ORDER BY {order}"
            for suffix, options in (("csv", "FORMAT csv, HEADER"), ("parquet", "FORMAT parquet, COMPRESSION zstd")):
                final = out_dir / f"{name}.{suffix}"
                partial = out_dir / f".{name}.{suffix}.partial"
                con.execute(f"COPY ({query}) TO '{partial}' ({options})")
                partial.replace(final)
                written.append(final)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.exports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_EXPORT_DIR, help="output folder (data/exports)")
    parser.add_argument("--table", action="append", choices=sorted(EXPORTS), help="export only these")
    parser.add_argument("--database", type=Path, default=None, help="DuckDB file (data/revenue.duckdb)")
    args = parser.parse_args(argv)
    database = resolve_database(str(args.database) if args.database else None)
    if not database.exists():
        print(f"no warehouse at {database}: run `make demo` (or the pipeline) first", file=sys.stderr)
        return 1
    for path in export(database, args.out, args.table):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
