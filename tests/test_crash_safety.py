"""Crash safety: a `revenue_refresh` killed mid-extract or mid-`dbt build`, then rerun, leaves exactly the tables
of a clean run.

Each run is a real child process in its own process group, killed with SIGKILL (the whole group: Dagster runs
dbt as a subprocess). Nothing gets to clean up, no ``except``, ``finally`` or ``atexit``, as when the OOM killer
strikes or the machine loses power. The kill waits for a stage the run announces on its output, and the test
then checks that the warehouse really was caught in that stage, so it cannot pass by killing too early or too
late. The rerun uses the same DuckDB file and Dagster home as the crashed run (it may be incremental) and
must match a clean run on a fresh file: every table and view of every schema row for row (run stamps aside,
as in tests/test_idempotency.py), and the CSV exports byte for byte.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.paths import DATABASE_ENV, DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.salesforce.catalog import OBJECTS
from orchestration.salesforce.scratch import PREFIX as SCRATCH_PREFIX
from tests.table_digests import table_digests

pytestmark = pytest.mark.slow

SCHEMAS = ("raw", "reference", "staging", "snapshots", "intermediate", "marts", "reverse_etl")
RUN_SECONDS = 600           # one full run takes about 2 minutes on 2 busy cores
AS_OF_DATE = "2026-10-31"   # fixed, so a run that crosses midnight still matches the clean one

# The child: the launchpad's run config (demo org, scale 1000, seed 11) on the DuckDB file given as argv[1].
CHILD = f"""
import sys
import dagster as dg
from tests.launchpad import run
with dg.DagsterInstance.get() as instance:
    result = run("revenue_refresh", instance, sys.argv[1],
                 {{"ops": {{"revenue_models": {{"config": {{"as_of_date": "{AS_OF_DATE}"}}}}}}}})
print("revenue_refresh", "succeeded" if result.success else "FAILED", flush=True)
sys.exit(0 if result.success else 1)
"""

# Stages the run announces: the sync asset's log line as an object's extract starts, and dbt's line for a model
# in the middle of the graph (after every staging model, before most marts).
EXTRACT_STARTED = re.compile(r"Opportunity: full extract of [\d,]+ rows")
DBT_MIDWAY = re.compile(r"OK created sql table model intermediate\.int_contracts ")


class Workspace:
    """One warehouse and the Dagster home its runs share, in a directory of their own."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.database = root / "warehouse" / "revenue.duckdb"
        self.home = root / "dagster_home"
        self.tmp = root / "tmp"
        self.dbt_target = root / "dbt_target"
        for folder in (self.home, self.tmp, self.dbt_target, self.database.parent):
            folder.mkdir(parents=True, exist_ok=True)
        (self.home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        # dbt's per-run folders go here rather than into the checkout; the parse cache keeps dbt quick.
        cache = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
        if cache.exists():
            shutil.copy(cache, self.dbt_target / cache.name)
        self.runs = 0

    def start(self) -> "Run":
        self.runs += 1
        log = self.root / f"run{self.runs}.log"
        env = {**os.environ, "DAGSTER_HOME": str(self.home), "TMPDIR": str(self.tmp),
               "DBT_TARGET_PATH": str(self.dbt_target), DATABASE_ENV: str(self.database),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
               "PYTHONUNBUFFERED": "1"}
        with log.open("wb") as out:
            process = subprocess.Popen([sys.executable, "-c", CHILD, str(self.database)], cwd=PROJECT_ROOT,
                                       env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return Run(process, log)


class Run:
    """A pipeline run in a child process, leader of its own process group."""

    def __init__(self, process: subprocess.Popen, log: Path) -> None:
        self.process, self.log = process, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def wait_for(self, pattern: re.Pattern, timeout: float = RUN_SECONDS) -> None:
        """Follow the run's output until a line matches ``pattern``; fail if the run ends or the deadline passes
        first."""
        deadline = time.monotonic() + timeout
        with self.log.open(errors="replace") as output:
            unfinished = ""
            while True:
                ended = self.process.poll() is not None  # before reading, so its last words are read too
                text = unfinished + output.read()
                if pattern.search(text):
                    return
                unfinished = text[text.rfind("\n") + 1:]
                if ended:
                    pytest.fail(f"the run ended (exit {self.process.returncode}) before {pattern.pattern!r}:\n"
                                f"{self.tail()}")
                if time.monotonic() > deadline:
                    self.kill()
                    pytest.fail(f"no {pattern.pattern!r} within {timeout:.0f}s:\n{self.tail()}")
                time.sleep(0.02)

    def group(self) -> dict[int, str]:
        """The live processes of the run's group (pid → command line), zombies left out."""
        return group_processes(self.process.pid)

    def kill(self) -> None:
        """SIGKILL the whole group and wait until no process of it is left."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)
        deadline = time.monotonic() + 60
        while self.group():
            assert time.monotonic() < deadline, f"processes outlived SIGKILL: {self.group()}"
            time.sleep(0.05)

    def finish(self, timeout: float = RUN_SECONDS) -> None:
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"the run did not finish within {timeout:.0f}s:\n{self.tail()}")
        assert self.process.returncode == 0, f"the run failed (exit {self.process.returncode}):\n{self.tail()}"


def group_processes(group: int) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # Fields after the command name (which may hold spaces and parentheses): state, ppid, pgrp, ...
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] not in ("Z", "X"):
            found[int(entry.name)] = command
    return found


def tables(database: Path) -> dict[str, set[str]]:
    """Relations per schema, of every schema in the file."""
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
    found: dict[str, set[str]] = {}
    for schema, table in rows:
        found.setdefault(schema, set()).add(table)
    return found


def digests(database: Path) -> dict[str, tuple[int, str]]:
    """Every table and view of every schema a run writes, compared as tests/test_idempotency.py compares."""
    return table_digests(database, SCHEMAS)


def sync_state(database: Path) -> dict[str, str]:
    """object → raw table, for every object whose load committed."""
    with duckdb.connect(str(database), read_only=True) as con:
        if not con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_schema = 'raw' AND table_name = '_sync_state'").fetchall()[0][0]:
            return {}
        return dict(con.execute("SELECT object, table_name FROM raw._sync_state").fetchall())


def assert_not_locked(database: Path) -> None:
    """A killed writer leaves no lock behind: the file opens for writing at once, without waiting."""
    with duckdb.connect(str(database)) as con:
        con.execute("SELECT 1").fetchall()


def dbt_leftovers(database: Path) -> list[str]:
    return sorted(f"{schema}.{name}" for schema, names in tables(database).items() for name in names
                  if "__dbt_tmp" in name or "__dbt_backup" in name)


def leftovers(workspace: "Workspace") -> list[str]:
    """Half-written files (``*.partial``) anywhere in the workspace, and extract scratch folders in its TMPDIR."""
    partial = [str(p.relative_to(workspace.root)) for p in workspace.root.rglob("*.partial")]
    return sorted(partial + [p.name for p in workspace.tmp.glob(f"{SCRATCH_PREFIX}*")])


def assert_same_tables(database: Path, clean: dict[str, tuple[int, str]]) -> None:
    after = digests(database)
    assert len(clean) > 70, sorted(clean)
    assert sorted(after) == sorted(clean)
    differing = {name: (after[name][0], clean[name][0]) for name in clean if after[name] != clean[name]}
    assert not differing, f"tables differ from the clean run (rows after the crash and rerun, rows clean): {differing}"


def assert_same_exports(workspace: "Workspace", clean: "Workspace") -> None:
    """The CSV files handed to finance, byte for byte."""
    expected = sorted((clean.database.parent / "exports").glob("*.csv"))
    assert expected
    for path in expected:
        assert (workspace.database.parent / "exports" / path.name).read_bytes() == path.read_bytes(), path.name


@dataclass
class AtKill:
    """What the crashed run left: observed after every process of it was gone, before the rerun started."""

    processes: dict[int, str]
    state: dict[str, str]
    tables: dict[str, set[str]]
    scratch: list[str]
    lock_error: str | None


class Scenario:
    """A run killed once ``stage`` shows in its output, then rerun on the same file and Dagster home.

    Driven from a thread, so the scenarios and the clean run overlap and the module takes less wall time.
    """

    def __init__(self, root: Path, stage: re.Pattern) -> None:
        self.workspace = Workspace(root)
        self.stage = stage
        self.crashed = self.workspace.start()
        self.at_kill: AtKill | None = None
        self.rerun: Run | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drive, name=f"scenario-{root.name}", daemon=True)
        self._thread.start()

    def _drive(self) -> None:
        try:
            self.crashed.wait_for(self.stage)
            processes = self.crashed.group()
            self.crashed.kill()
            assert self.crashed.process.returncode == -signal.SIGKILL, "the run ended before the kill"
            database = self.workspace.database
            try:
                assert_not_locked(database)
                lock_error = None
            except duckdb.Error as error:
                lock_error = str(error)
            self.at_kill = AtKill(processes, sync_state(database), tables(database),
                                  sorted(p.name for p in self.workspace.tmp.glob(f"{SCRATCH_PREFIX}*")), lock_error)
            self.rerun = self.workspace.start()
        except BaseException as error:  # handed to the test, which fails with it
            self._error = error

    def killed(self) -> AtKill:
        self._thread.join(RUN_SECONDS)
        if self._error is not None:
            raise self._error
        assert self.at_kill is not None, f"the scenario did not reach its kill:\n{self.crashed.tail()}"
        return self.at_kill

    def stop(self) -> None:
        for run in (self.crashed, self.rerun):
            if run is not None and run.process.poll() is None:
                run.kill()


class CleanRun:
    """One uninterrupted run on a fresh file, awaited when first compared."""

    def __init__(self, root: Path) -> None:
        self.workspace = Workspace(root)
        self.run = self.workspace.start()
        self._digests: dict[str, tuple[int, str]] | None = None

    def digests(self) -> dict[str, tuple[int, str]]:
        if self._digests is None:
            self.run.finish()
            self._digests = digests(self.workspace.database)
        return self._digests


STAGES = {"extract": EXTRACT_STARTED, "dbt_build": DBT_MIDWAY}


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """The clean run and the crash scenarios of the selected tests, started together; each in its own file and
    Dagster home."""
    selected = {item.name for item in request.session.items}
    clean = CleanRun(tmp_path_factory.mktemp("clean"))
    scenarios = {stage: Scenario(tmp_path_factory.mktemp(f"killed_mid_{stage}"), pattern)
                 for stage, pattern in STAGES.items()
                 if f"test_rerun_after_kill_mid_{stage}_matches_a_clean_run" in selected}
    try:
        yield clean, scenarios
    finally:
        for scenario in scenarios.values():
            scenario.stop()
        if clean.run.process.poll() is None:
            clean.run.kill()


def test_rerun_after_kill_mid_extract_matches_a_clean_run(runs):
    clean, scenarios = runs
    scenario = scenarios["extract"]
    at_kill = scenario.killed()

    # Caught mid-extract: some objects landed, not all, and no dbt model was built.
    assert 0 < len(at_kill.state) < len(OBJECTS), at_kill.state
    assert not at_kill.tables.keys() & {"staging", "intermediate", "marts"}, at_kill.tables
    # An object's table and its sync state commit together: no table without a watermark, and no watermark
    # (which would make the rerun skip rows) without its table.
    assert at_kill.tables["raw"] - {"_sync_state", "_load_issues"} == set(at_kill.state.values())
    if "Opportunity" not in at_kill.state:
        # Killed inside the Opportunity extract: its spool was left behind, for the rerun to sweep away.
        assert any(name.startswith(f"{SCRATCH_PREFIX}opportunity-") for name in at_kill.scratch), at_kill.scratch
    assert at_kill.lock_error is None

    scenario.rerun.finish()
    assert leftovers(scenario.workspace) == []
    assert dbt_leftovers(scenario.workspace.database) == []
    assert_same_tables(scenario.workspace.database, clean.digests())
    assert_same_exports(scenario.workspace, clean.workspace)


def test_rerun_after_kill_mid_dbt_build_matches_a_clean_run(runs):
    clean, scenarios = runs
    scenario = scenarios["dbt_build"]
    at_kill = scenario.killed()

    # Caught mid-build: dbt was running, extraction was complete, some intermediate tables were built.
    assert any(re.search(r"\bdbt\b.*\bbuild\b", command) for command in at_kill.processes.values()), \
        at_kill.processes
    assert len(at_kill.state) == len(OBJECTS), at_kill.state
    assert "int_contracts" in at_kill.tables.get("intermediate", set()), at_kill.tables
    assert at_kill.lock_error is None

    scenario.rerun.finish()
    assert leftovers(scenario.workspace) == []
    assert dbt_leftovers(scenario.workspace.database) == []
    expected = clean.digests()
    # ...and the marts were incomplete (as were the intermediate tables).
    for schema in ("intermediate", "marts"):
        built = {f"{schema}.{name}" for name in at_kill.tables.get(schema, ())}
        assert built < {name for name in expected if name.startswith(f"{schema}.")}, (schema, built)
    assert_same_tables(scenario.workspace.database, expected)
    assert_same_exports(scenario.workspace, clean.workspace)
