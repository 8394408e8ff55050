"""Each dbt run hands its parse on to the next, so a scheduled run does not parse the whole project again.

dagster-dbt starts every invocation from the ``partial_parse.msgpack`` in the dbt target folder. That file
comes from ``dbt parse`` (``make``), run with the default warehouse path. dbt throws a partial parse away
when the profile's connection details differ from the ones it was made with, and the path to the DuckDB
file is one of them, so every run against another file (a deployment's warehouse, the benchmark's) parsed
all 700 nodes again: about 8 s of each `dbt build` at any scale. Once a run has parsed, its file replaces
the one in the target folder, and the next run against the same warehouse reparses only the files that
changed (dbt checks every file's hash, the vars and the profile itself).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def keep_partial_parse(run_target_dir: Path, target_dir: Path) -> bool:
    """Make the run's partial parse the one the next run starts from; False when the run left none.

    Copied beside the target file, then renamed over it: a run starting meanwhile reads the old file or
    the new one, never half of one.
    """
    produced = Path(run_target_dir) / PARTIAL_PARSE_FILE
    if not produced.is_file():
        return False
    destination = Path(target_dir) / PARTIAL_PARSE_FILE
    staging = destination.with_name(f".{PARTIAL_PARSE_FILE}.{os.getpid()}")
    shutil.copyfile(produced, staging)
    os.replace(staging, destination)
    return True
