"""Old dbt run folders are removed, so a scheduled pipeline does not fill its disk with them.

dagster-dbt gives every dbt invocation a folder of its own under the dbt target path (its manifest, run
results and compiled SQL: about 30 MB for this project), and never removes one. An hourly schedule would
leave 700 MB a day. The most recent folders are kept, for anyone reading a run's artifacts afterwards, and
a folder younger than an hour is never touched: it may belong to a run still going.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

KEEP_RUNS = 10
MIN_AGE_SECONDS = 3600


def prune_run_folders(target_dir: Path, prefix: str, keep: int = KEEP_RUNS,
                      min_age_seconds: float = MIN_AGE_SECONDS) -> list[Path]:
    """Remove all but the ``keep`` newest ``<prefix>-*`` folders that are old enough; returns the removed."""
    folders = sorted((p for p in Path(target_dir).glob(f"{prefix}-*") if p.is_dir()),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    cutoff = time.time() - min_age_seconds
    removed = []
    for folder in folders[keep:]:
        if folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
