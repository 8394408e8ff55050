"""Where the project keeps its files, independent of the directory a command is started from."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DEFAULT_DATABASE = DATA_DIR / "revenue.duckdb"
DATABASE_ENV = "REVENUE_DUCKDB_PATH"


def resolve_database(configured: str | None = None) -> Path:
    """The DuckDB file: explicit config, else $REVENUE_DUCKDB_PATH, else data/revenue.duckdb.

    Relative paths are taken from the project root so the UI, the CLI and dbt all open the same file.
    """
    value = configured or os.environ.get(DATABASE_ENV) or str(DEFAULT_DATABASE)
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path
