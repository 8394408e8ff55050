"""Chosen dbt models rebuilt from their compiled SQL, over inputs a test writes, in milliseconds.

A `dbt build` per generated example would take seconds; hypothesis needs hundreds of examples. So the
models under test are compiled once by dbt (the SQL analysts read, refs resolved) against a copy of a
really built warehouse, and each example replaces the rows of the models' inputs and re-creates the models
from that SQL in the same DuckDB file. Everything else the SQL reads (the fiscal calendar, currencies,
exchange rates) is what the real build produced.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.paths import DATABASE_ENV, DBT_PROJECT_DIR


def compile_models(database: Path, models: list[str], target: Path, dbt_vars: str = "{}") -> dict[str, str]:
    """Each model's compiled SELECT, as `dbt compile` renders it for this warehouse and these vars."""
    dbt = str(Path(sys.executable).parent / "dbt")
    completed = subprocess.run(
        # --full-refresh: a model built incrementally compiles to the SQL that builds it from scratch
        [dbt, "compile", "--quiet", "--full-refresh", "--select", *models, "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target), "--vars", dbt_vars],
        cwd=DBT_PROJECT_DIR, env={**os.environ, DATABASE_ENV: str(database)},
        capture_output=True, text=True, timeout=600)
    if completed.returncode != 0:
        raise RuntimeError(f"dbt compile failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    compiled = {}
    for model in models:
        (path,) = (target / "compiled").rglob(f"{model}.sql")
        compiled[model] = path.read_text()
    return compiled


class ModelSandbox:
    """A private copy of a built warehouse, its input tables overwritten and its models rebuilt on demand."""

    def __init__(self, built: Path, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        # The copy keeps the warehouse's file name: compiled refs name the catalog after it.
        self.database = workdir / built.name
        shutil.copy(built, self.database)
        if built.with_name(built.name + ".wal").exists():
            shutil.copy(built.with_name(built.name + ".wal"), self.database.with_name(built.name + ".wal"))
        self.workdir = workdir
        self.schemas: dict[str, str] = {}
        self._con: duckdb.DuckDBPyConnection | None = None

    def compile(self, models: list[str], dbt_vars: str = "{}", label: str = "default") -> dict[str, str]:
        """Compiled SQL of these models; dbt needs the file to itself, so this runs before `connect`."""
        assert self._con is None, "compile before connecting: dbt opens the file itself"
        return compile_models(self.database, models, self.workdir / f"target-{label}", dbt_vars)

    def connect(self) -> duckdb.DuckDBPyConnection:
        self._con = duckdb.connect(str(self.database))
        self.schemas = dict(self._con.execute(
            "select table_name, table_schema from information_schema.tables "
            "where table_schema in ('staging', 'intermediate', 'marts')").fetchall())
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        assert self._con is not None, "connect first"
        return self._con

    def qualified(self, model: str) -> str:
        return f'"{self.schemas[model]}"."{model}"'

    def replace_rows(self, model: str, rows: list[dict]) -> None:
        """The model's table now holds exactly these rows (columns not given are null)."""
        table = self.qualified(model)
        self.con.execute(f"delete from {table}")
        if rows:
            frame = pa.Table.from_pylist(rows)  # noqa: F841 - read by DuckDB below, by name
            self.con.execute(f"insert into {table} by name select * from frame")

    def rebuild(self, model: str, sql: str) -> None:
        """The model's table re-created from its compiled SQL over the current inputs."""
        self.con.execute(f"create or replace table {self.qualified(model)} as {sql}")

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
