"""A read-only copy of the warehouse for people and BI tools, published at the end of every run.

DuckDB lets one process write a file, and any process holding the file open, even read-only, keeps a
writer out. If analysts opened ``data/revenue.duckdb`` itself, a SQL session left open over lunch would
stall the next scheduled run, and a long run would lock the analysts out. So the pipeline keeps its file
to itself and publishes a copy beside it (``data/revenue_analyst.duckdb``). The copy is written under a
temporary name and renamed into place: a session already open keeps reading the copy it opened (its
file lives on until closed), and the next session sees the new one. Nobody ever waits on anybody.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.warehouse.connection import connection


def analyst_copy_path(database: Path) -> Path:
    return database.with_name(f"{database.stem}_analyst{database.suffix}")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def publish(database: Path, target: Path | None = None, wait_seconds: float = 600.0) -> Path:
    """Copy ``database`` to ``target`` (default: the analyst copy) atomically; returns the target."""
    target = target or analyst_copy_path(database)
    partial = target.with_name(f".{target.name}.partial")
    for leftover in (partial, _wal(partial)):
        leftover.unlink(missing_ok=True)
    # A read-only connection holds DuckDB's shared lock, so no writer can change the file mid-copy.
    with connection(database, read_only=True, wait_seconds=wait_seconds):
        shutil.copyfile(database, partial)
        has_wal = _wal(database).exists()
        if has_wal:
            shutil.copyfile(_wal(database), _wal(partial))
    if has_wal:
        # Fold the write-ahead log into the copy, so the published file stands on its own.
        with duckdb.connect(str(partial)) as con:
            con.execute("CHECKPOINT")
    _wal(target).unlink(missing_ok=True)
    partial.replace(target)
    return target


def describe(copy: Path) -> str:
    """One line for a banner: which copy, and how old it is."""
    published = datetime.fromtimestamp(copy.stat().st_mtime, UTC)
    age_minutes = (datetime.now(UTC) - published).total_seconds() / 60
    return f"{copy} (published {published:%Y-%m-%d %H:%M} UTC, {age_minutes:.0f} minutes ago)"
