"""Opening the DuckDB file while other processes may hold it.

DuckDB allows one writing process per file. Dagster steps, the UI and analysts can collide on it, so a
writer waits (with backoff) for the lock instead of failing at the first conflict.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

LOCK_MESSAGES = ("Could not set lock", "Conflicting lock", "lock on file")
# Files are created in a storage format that DuckDB 1.4+ clients (the duckdb CLI, BI tools) can open.
STORAGE_COMPATIBILITY = "v1.4.0"


def is_lock_error(error: BaseException) -> bool:
    return isinstance(error, duckdb.IOException | duckdb.ConnectionException) and any(
        m in str(error) for m in LOCK_MESSAGES
    )


def connect(path: str | Path, *, read_only: bool = False, wait_seconds: float = 600.0) -> duckdb.DuckDBPyConnection:
    """A connection to the database file, waiting up to ``wait_seconds`` for another process's lock."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            config = {} if path.exists() else {"storage_compatibility_version": STORAGE_COMPATIBILITY}
            con = duckdb.connect(str(path), read_only=read_only, config=config)
            con.execute("SET TimeZone = 'UTC'")
            return con
        except (duckdb.IOException, duckdb.ConnectionException) as error:
            if not is_lock_error(error) or time.monotonic() >= deadline:
                raise
            log.info("waiting for the lock on %s (held by another process)", path)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


@contextmanager
def connection(path: str | Path, *, read_only: bool = False, wait_seconds: float = 600.0
               ) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only, wait_seconds=wait_seconds)
    try:
        yield con
    finally:
        con.close()
