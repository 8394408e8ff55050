"""``make sql``: a DuckDB shell on the analyst copy of the warehouse, read-only.

    make sql                                          # interactive shell
    make sql Q="select * from marts.fct_arr_movements order by month_end desc limit 12"
    python -m orchestration.sql --copy-path          # publish the copy if missing, print its path (make docs)

It opens ``data/revenue_analyst.duckdb``, which every pipeline run republishes, never the pipeline's own
file, so an open shell cannot hold up a run and a running job cannot lock the shell out
(see orchestration/warehouse/analyst_copy.py). When no copy exists yet it publishes one first.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from orchestration.paths import resolve_database
from orchestration.warehouse.analyst_copy import analyst_copy_path, describe, publish


def duckdb_shell() -> str:
    """The duckdb CLI installed beside this Python (the duckdb-cli package), else the one on PATH."""
    beside = Path(sys.executable).parent / "duckdb"
    found = str(beside) if beside.exists() else shutil.which("duckdb")
    if not found:
        raise SystemExit("the duckdb command-line shell is not installed: run `make install`")
    return found


def shell_command(copy: Path, query: str | None) -> list[str]:
    command = [duckdb_shell(), "-readonly", str(copy)]
    return [*command, "-c", query] if query else command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.sql", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--query", help="run this SQL and exit instead of opening a shell")
    parser.add_argument("--database", help="the pipeline's DuckDB file (default data/revenue.duckdb)")
    parser.add_argument("--copy-path", action="store_true",
                        help="print the analyst copy's path (publishing it first if missing) and exit")
    args = parser.parse_args(argv)
    database = resolve_database(args.database)
    copy = analyst_copy_path(database)
    if not copy.exists():
        if not database.exists():
            print(f"no warehouse at {database}: run `make demo` (or the pipeline) first", file=sys.stderr)
            return 1
        print(f"publishing the first analyst copy of {database} …", file=sys.stderr)
        publish(database)
    if args.copy_path:
        print(copy)
        return 0
    print(f"read-only: {describe(copy)}", file=sys.stderr)
    command = shell_command(copy, args.query)
    sys.stdout.flush()
    os.execv(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
