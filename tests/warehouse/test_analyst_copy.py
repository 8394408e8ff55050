"""Analysts and the pipeline never wait on each other: each side holds its file in another process.

Every "other side" here is a real separate process (a Python child holding a DuckDB connection, or the duckdb
CLI that `make sql` runs), because DuckDB's lock is a file lock between processes: one process holding the
file cannot show the conflict.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse.analyst_copy import analyst_copy_path, publish
from orchestration.warehouse.connection import connection

ROOT = Path(__file__).resolve().parents[2]

HOLDER = textwrap.dedent("""
    import sys, duckdb
    path, mode = sys.argv[1], sys.argv[2]
    con = duckdb.connect(path, read_only=(mode == "read"))
    if mode == "write":
        con.execute("INSERT INTO marts.arr VALUES (99)")
    print("holding", flush=True)
    for line in sys.stdin:  # each line: re-read the table through the connection opened at the start
        print(con.execute("SELECT sum(amount) FROM marts.arr").fetchall()[0][0], flush=True)
""")


@contextmanager
def holding(path: Path, mode: str) -> Iterator[subprocess.Popen]:
    """A separate process with ``path`` open (``read`` or ``write``) until the block ends."""
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), mode], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = child.stdout.readline().strip()
        assert first == "holding", f"the {mode} holder did not open {path}: {first} {child.stderr.read()}"
        yield child
    finally:
        child.stdin.close()
        child.wait(timeout=30)


def ask(child: subprocess.Popen) -> int:
    child.stdin.write("again\n")
    child.stdin.flush()
    return int(child.stdout.readline())


def make_warehouse(path: Path, amounts: list[int]) -> None:
    """Created as the pipeline creates it (in the storage format the duckdb CLI reads)."""
    with connection(path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE OR REPLACE TABLE marts.arr (amount INTEGER)")
        con.executemany("INSERT INTO marts.arr VALUES (?)", [(a,) for a in amounts])


def total(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT sum(amount) FROM marts.arr").fetchall()[0][0]


def make_sql(database: Path, query: str) -> subprocess.CompletedProcess:
    """What `make sql Q=...` runs."""
    return subprocess.run([sys.executable, "-m", "orchestration.sql", "--database", str(database), "-c", query],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "revenue.duckdb"
    make_warehouse(path, [1, 2, 3])
    return path


def test_the_copy_sits_beside_the_warehouse(warehouse: Path):
    assert analyst_copy_path(warehouse) == warehouse.parent / "revenue_analyst.duckdb"


def test_a_writer_on_the_warehouse_locks_out_direct_readers_which_is_why_the_copy_exists(warehouse: Path):
    with holding(warehouse, "write"), pytest.raises(duckdb.IOException, match="lock"):
        duckdb.connect(str(warehouse), read_only=True)


def test_make_sql_answers_while_a_job_writes_the_warehouse(warehouse: Path):
    publish(warehouse)
    with holding(warehouse, "write"):
        result = make_sql(warehouse, "SELECT sum(amount) AS total FROM marts.arr")
    assert result.returncode == 0, result.stderr
    assert "6" in result.stdout, result.stdout
    assert "read-only" in result.stderr


def test_make_sql_refuses_to_write(warehouse: Path):
    publish(warehouse)
    result = make_sql(warehouse, "INSERT INTO marts.arr VALUES (1000)")
    assert result.returncode != 0
    assert "read-only" in (result.stdout + result.stderr).lower()
    assert total(analyst_copy_path(warehouse)) == 6


def test_make_sql_publishes_the_first_copy_itself(warehouse: Path):
    result = make_sql(warehouse, "SELECT count(*) FROM marts.arr")
    assert result.returncode == 0, result.stderr
    assert analyst_copy_path(warehouse).exists()
    assert "publishing the first analyst copy" in result.stderr


def test_make_sql_without_a_warehouse_says_what_to_run(tmp_path: Path):
    result = make_sql(tmp_path / "missing.duckdb", "SELECT 1")
    assert result.returncode == 1
    assert "make demo" in result.stderr


def test_publishing_while_an_analyst_session_is_open_neither_waits_nor_disturbs_it(warehouse: Path):
    copy = publish(warehouse)
    with holding(copy, "read") as analyst:
        assert ask(analyst) == 6
        # The pipeline writes its own file and republishes, while the analyst keeps the copy open.
        make_warehouse(warehouse, [10, 20])
        publish(warehouse, wait_seconds=5)
        assert ask(analyst) == 6, "an open session keeps reading the copy it opened"
        assert total(copy) == 30, "a new session sees the new copy"


def test_the_pipeline_writes_its_file_while_an_analyst_session_is_open(warehouse: Path):
    copy = publish(warehouse)
    with holding(copy, "read"), duckdb.connect(str(warehouse)) as writer:
        writer.execute("INSERT INTO marts.arr VALUES (4)")
    assert total(warehouse) == 10


def test_the_copy_includes_changes_still_in_the_write_ahead_log(warehouse: Path):
    # A writer killed before its checkpoint leaves committed rows only in the .wal file.
    with holding(warehouse, "write") as writer:
        writer.kill()
        writer.wait(timeout=30)
    wal = warehouse.with_name(warehouse.name + ".wal")
    assert wal.exists(), "the killed writer left no write-ahead log; the test would prove nothing"
    copy = publish(warehouse)
    assert not copy.with_name(copy.name + ".wal").exists(), "the published copy must stand on its own"
    assert total(copy) == 105


def test_no_partial_file_is_left_behind(warehouse: Path):
    publish(warehouse)
    publish(warehouse)
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["revenue.duckdb", "revenue_analyst.duckdb"]


@pytest.mark.slow
def test_dbt_docs_build_their_catalog_from_the_copy_while_a_job_writes_the_warehouse(warehouse: Path, tmp_path: Path):
    """What `make docs` runs: the profile's read-only "docs" target on the analyst copy."""
    copy = publish(warehouse)
    target = tmp_path / "docs_target"
    env = {**os.environ, "REVENUE_DUCKDB_PATH": str(copy)}
    with holding(warehouse, "write"):
        result = subprocess.run(
            [str(Path(sys.executable).parent / "dbt"), "docs", "generate", "--profiles-dir", ".", "--target", "docs",
             "--target-path", str(target)],
            cwd=ROOT / "dbt_project", env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    catalog = json.loads((target / "catalog.json").read_text())
    assert "model.salesforce_revenue.fct_arr_monthly" in json.loads((target / "manifest.json").read_text())["nodes"]
    assert catalog["errors"] is None, catalog["errors"]
    assert total(warehouse) == 105, "the job's write went through while the docs were built"
