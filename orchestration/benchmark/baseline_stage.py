"""The pandas baseline in its own process (``python -m orchestration.benchmark.baseline_stage DB``).

Kept apart from the harness so its memory is measured alone and a pandas failure cannot lose the results.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from orchestration.warehouse.connection import connection


def main(argv: list[str] | None = None) -> int:
    from orchestration.benchmark import pandas_baseline

    database = Path((argv or sys.argv[1:])[0])
    with connection(database, read_only=True) as con:
        report = pandas_baseline.compare(con)
    report["templates"] = list(pandas_baseline.TEMPLATES)
    print(json.dumps(report, default=str))
    return 0 if report.get("equal") else 1


if __name__ == "__main__":
    sys.exit(main())
