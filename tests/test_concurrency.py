"""Concurrency: the Dagster UI, a running job and an analyst reading the DuckDB file, all at the same time.

Every party is a separate process, as in production: ``dagster-webserver`` on the workspace file (as `make dev`
starts the UI), the `revenue_refresh` job launched through the UI's own GraphQL API (the webserver's run launcher
runs it in a subprocess, which runs dbt in another), and an analyst session: a child process that opens the
analyst copy read-only once, as `make sql` or a BI tool would, and keeps querying the marts through that one
connection. DuckDB's locks are file locks between processes, so nothing less shows a conflict.

A first run builds the warehouse and publishes the analyst copy. The analyst session opens it, and a second run is
launched while the session stays open. Until that run ends, the UI must answer every GraphQL poll within
``UI_SECONDS`` and the analyst every query within ``ANALYST_SECONDS``, always with the same figures and never a
lock error, and the run must succeed. The overlap is checked from the run's own record, not assumed: answers fell
inside the run's STARTED interval, inside its dbt build (the step that rewrites the warehouse) and after the step
that republished the copy, whose file was replaced under the open session. Afterwards a new session sees the
second run's copy, and the warehouse itself opens read-only (no run left a lock behind).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest
import requests

from orchestration.paths import DATABASE_ENV, DBT_PROJECT_DIR
from orchestration.warehouse.analyst_copy import analyst_copy_path
from tests.dagster_ui import LOCATION, Server, tail, webserver
from tests.launchpad import launchpad_config

# Two runs at up to RUN_SECONDS each, plus the webserver start: past the suite default of 900s, so our own
# deadlines (with their messages) fire before pytest-timeout does.
pytestmark = [pytest.mark.slow, pytest.mark.network, pytest.mark.timeout(1500)]

JOB = "revenue_refresh"
RUN_SECONDS = 480       # 3-4 minutes from launch to success on 2 busy cores, about 1 of them starting the run process
UI_SECONDS = 30         # the longest the UI may take to answer while a run works
ANALYST_SECONDS = 30    # the longest an analyst may wait for an answer, or between two answers
PUBLISH_SECONDS = 60    # publishing copies some 30 MB: longer means it waited (for a lock?)
POLL_SECONDS = 1.0
DONE = {"SUCCESS", "FAILURE", "CANCELED"}

# The webserver launches runs at once. Its default coordinator queues them for the daemon, which `dagster dev`
# starts and dagster-webserver alone does not; the run launcher (a subprocess per run) is the default either way.
DAGSTER_YAML = """\
telemetry:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
"""

# The analyst: one read-only connection to the copy, opened at the start and held until stdin closes, querying
# the marts every quarter second. Each answer (or error) is one JSON line in the results file, with the wall
# clock times at which the query was sent and answered.
ANALYST = textwrap.dedent("""
    import json, sys, threading, time, duckdb
    path, results, once = sys.argv[1], sys.argv[2], sys.argv[3] == "once"
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    con = duckdb.connect(path, read_only=True)
    with open(results, "a") as out:
        while True:
            asked = time.time()
            try:
                contracts = con.execute(
                    "SELECT count(*), sum(arr_corporate)::VARCHAR FROM marts.fct_contracts").fetchone()
                months = con.execute(
                    "SELECT count(*), sum(arr)::VARCHAR, max(month_end)::VARCHAR FROM marts.fct_arr_monthly"
                ).fetchone()
                runs = [r for (r,) in con.execute(
                    "SELECT DISTINCT last_run_id FROM raw._sync_state ORDER BY 1").fetchall()]
                line = {"asked": asked, "answered": time.time(), "figures": [*contracts, *months], "runs": runs}
            except Exception as error:
                line = {"asked": asked, "answered": time.time(), "error": f"{type(error).__name__}: {error}"}
            out.write(json.dumps(line) + "\\n")
            out.flush()
            if once or stop.wait(0.25):
                break
    con.close()
""")

LAUNCH = """
mutation Launch($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on RunConfigValidationInvalid { errors { message reason } }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

RUN = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { runId status startTime endTime stepStats { stepKey status startTime endTime } }
    ... on PythonError { message }
    ... on RunNotFoundError { message }
  }
}
"""

# What a user with the UI open keeps asking for while a run works: the run, the runs list, asset pages.
PULSE = """
query Pulse($runId: ID!, $keys: [AssetKeyInput!]) {
  runOrError(runId: $runId) { __typename ... on Run { runId status } ... on PythonError { message } }
  runsOrError(limit: 10) { __typename ... on Runs { results { runId status } } ... on PythonError { message } }
  assetNodes(assetKeys: $keys) { assetKey { path } assetMaterializations(limit: 1) { runId timestamp } }
}
"""
PULSE_ASSETS = [["warehouse", "analyst_copy"], ["marts", "fct_contracts"], ["marts", "fct_arr_monthly"]]

EVENTS = """
query Events($runId: ID!, $after: String) {
  logsForRun(runId: $runId, afterCursor: $after, limit: 1000) {
    __typename
    ... on EventConnection {
      cursor
      hasMore
      events {
        __typename
        ... on MessageEvent { message level stepKey timestamp }
        ... on ErrorEvent { error { message causes { message } } }
        ... on MaterializationEvent { assetKey { path } }
      }
    }
    ... on PythonError { message }
  }
}
"""


@dataclass
class Observed:
    """One moment of the run as the UI reported it, with when the question was asked and answered."""

    asked: float
    answered: float
    status: str


@pytest.fixture(scope="module")
def ui(tmp_path_factory) -> Iterator[Server]:
    """dagster-webserver on the workspace file, with a Dagster home, dbt target folder and decoy warehouse path
    of its own (the runs it launches inherit its environment)."""
    root = tmp_path_factory.mktemp("concurrency_ui")
    home, dbt_target = root / "dagster_home", root / "dbt_target"
    for folder in (home, dbt_target):
        folder.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    cache = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
    if cache.exists():
        shutil.copy(cache, dbt_target / cache.name)
    # The decoy: if run config failed to reach a step, it would write here rather than into the checkout's data/.
    env = {"DBT_TARGET_PATH": str(dbt_target), DATABASE_ENV: str(root / "decoy" / "revenue.duckdb")}
    with webserver(home, root / "webserver.log", env) as server:
        yield server
    assert not (root / "decoy").exists(), "a step ignored the run config's warehouse and used $REVENUE_DUCKDB_PATH"


def ask(server: Server, query: str, variables: dict, timeout: float = UI_SECONDS) -> dict:
    """A GraphQL answer within ``timeout`` seconds, or the test fails saying what the UI did instead."""
    try:
        response = requests.post(f"{server.url}/graphql", json={"query": query, "variables": variables},
                                 timeout=timeout)
    except requests.RequestException as error:
        pytest.fail(f"the UI did not answer within {timeout}s ({type(error).__name__}: {error}):\n{tail(server.log)}")
    assert response.status_code == 200, f"HTTP {response.status_code}: {response.text[:2000]}"
    body = response.json()
    assert not body.get("errors"), f"GraphQL errors: {body['errors']}"
    return body["data"]


def launch(server: Server, database: Path) -> str:
    """Launch the job from the UI, as the launchpad does; returns the run id."""
    params = {"selector": {"repositoryLocationName": LOCATION, "repositoryName": "__repository__", "jobName": JOB},
              "runConfigData": launchpad_config(database)}
    result = ask(server, LAUNCH, {"executionParams": params}, timeout=120)["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", f"the UI did not launch {JOB}: {result}"
    return result["run"]["runId"]


def run_record(server: Server, run_id: str) -> dict:
    run = ask(server, RUN, {"runId": run_id})["runOrError"]
    assert run["__typename"] == "Run", run
    return run


def run_errors(server: Server, run_id: str) -> str:
    """The run's error messages from its event log, as the UI's run page shows them."""
    lines, cursor = [], None
    while True:
        found = ask(server, EVENTS, {"runId": run_id, "after": cursor}, timeout=120)["logsForRun"]
        if found["__typename"] != "EventConnection":
            return f"(no event log: {found})"
        for event in found["events"]:
            if event.get("level") in ("ERROR", "CRITICAL") or event.get("error"):
                causes = " / ".join(c["message"] for c in (event.get("error") or {}).get("causes") or [])
                error = (event.get("error") or {}).get("message", "")
                lines.append(f"[{event['__typename']} {event.get('stepKey')}] {event['message']} {error} {causes}")
        cursor = found["cursor"]
        if not found["hasMore"]:
            return "\n".join(lines) or "(no error events)"


def materialized_at(server: Server, run_id: str, asset: list[str]) -> float:
    """When the run recorded the asset's materialization (epoch seconds)."""
    cursor = None
    while True:
        found = ask(server, EVENTS, {"runId": run_id, "after": cursor}, timeout=120)["logsForRun"]
        assert found["__typename"] == "EventConnection", found
        for event in found["events"]:
            if event["__typename"] == "MaterializationEvent" and event["assetKey"]["path"] == asset:
                return int(event["timestamp"]) / 1000
        cursor = found["cursor"]
        if not found["hasMore"]:
            pytest.fail(f"run {run_id} recorded no materialization of {'/'.join(asset)}")


def watch(server: Server, run_id: str, analyst: Analyst | None = None) -> tuple[dict, list[Observed]]:
    """Poll the UI until the run ends (each poll must be answered within UI_SECONDS), checking on the analyst in
    between; returns the run's final record and what each poll saw. A failed run fails the test with its errors."""
    deadline = time.monotonic() + RUN_SECONDS
    keys = [{"path": path} for path in PULSE_ASSETS]
    seen: list[Observed] = []
    while True:
        asked = time.time()
        data = ask(server, PULSE, {"runId": run_id, "keys": keys})
        answered = time.time()
        run = data["runOrError"]
        assert run["__typename"] == "Run", run
        assert data["runsOrError"]["__typename"] == "Runs", data["runsOrError"]
        assert run_id in {r["runId"] for r in data["runsOrError"]["results"]}, data["runsOrError"]
        assert sorted(node["assetKey"]["path"] for node in data["assetNodes"]) == sorted(PULSE_ASSETS)
        seen.append(Observed(asked, answered, run["status"]))
        if analyst is not None:
            analyst.check()
        if run["status"] in DONE:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"run {run_id} still {run['status']} after {RUN_SECONDS}s:\n{run_errors(server, run_id)}")
        time.sleep(POLL_SECONDS)
    record = run_record(server, run_id)
    assert record["status"] == "SUCCESS", (
        f"run {run_id} of {JOB} ended {record['status']}:\n{run_errors(server, run_id)}")
    return record, seen


class Analyst:
    """An analyst session in a child process: one read-only connection to ``path`` for its whole life."""

    def __init__(self, path: Path, results: Path, once: bool = False) -> None:
        self.results, self.stderr = results, results.with_suffix(".stderr")
        with self.stderr.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-c", ANALYST, str(path), str(results), "once" if once else "loop"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=sink)

    def answers(self) -> list[dict]:
        """Every complete line written so far."""
        if not self.results.exists():
            return []
        text = self.results.read_text()
        return [json.loads(line) for line in text[:text.rfind("\n") + 1].splitlines()]

    def check(self) -> None:
        """Fail at once if the session died, a query failed or the analyst has been kept waiting."""
        if self.process.poll() is not None:
            pytest.fail(f"the analyst session ended (exit {self.process.returncode}):\n{self.stderr.read_text()}")
        answers = self.answers()
        errors = [a for a in answers if "error" in a]
        assert not errors, f"the analyst's queries failed while the job ran: {errors[:5]}"
        waited = time.time() - answers[-1]["answered"]
        assert waited < ANALYST_SECONDS, f"the analyst has had no answer for {waited:.0f}s"

    def wait_for_answer(self, after: float) -> dict:
        """The first answer to a query asked after ``after`` (epoch seconds)."""
        deadline = time.monotonic() + ANALYST_SECONDS * 2
        while True:
            found = [a for a in self.answers() if a["asked"] > after]
            if found:
                return found[0]
            if self.process.poll() is not None and not [a for a in self.answers() if a["asked"] > after]:
                pytest.fail(f"the analyst session ended (exit {self.process.returncode}) without answering:\n"
                            f"{self.stderr.read_text()}")
            assert time.monotonic() < deadline, f"the analyst got no answer within {ANALYST_SECONDS * 2}s"
            time.sleep(0.1)

    def close(self) -> int:
        if self.process.poll() is None:
            self.process.stdin.close()
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
            pytest.fail("the analyst session did not end when asked to")


@contextmanager
def analyst_session(path: Path, results: Path) -> Iterator[Analyst]:
    analyst = Analyst(path, results)
    try:
        yield analyst
    finally:
        if analyst.process.poll() is None:
            analyst.process.kill()
            analyst.process.wait(timeout=30)


def one_answer(path: Path, results: Path) -> dict:
    """A new session: open the file, ask once, close."""
    analyst = Analyst(path, results, once=True)
    assert analyst.close() == 0, analyst.stderr.read_text()
    (answer,) = analyst.answers()
    return answer


def within(answers: list[dict], start: float, end: float) -> list[dict]:
    """Answers to queries both asked and answered inside [start, end]."""
    return [a for a in answers if start <= a["asked"] and a["answered"] <= end]


def step(record: dict, name: str) -> dict:
    (found,) = [s for s in record["stepStats"] if s["stepKey"] == name]
    assert found["status"] == "SUCCESS" and found["startTime"] and found["endTime"], found
    return found


def test_ui_running_job_and_analyst_session_coexist(ui: Server, tmp_path: Path):
    warehouse = tmp_path / "warehouse" / "revenue.duckdb"
    copy = analyst_copy_path(warehouse)

    # Run 1, launched from the UI, builds the warehouse and publishes the first analyst copy.
    first_id = launch(ui, warehouse)
    watch(ui, first_id)
    assert copy.exists(), f"run {first_id} published no analyst copy beside {warehouse}"

    with analyst_session(copy, tmp_path / "analyst.jsonl") as analyst:
        baseline = analyst.wait_for_answer(after=0)
        assert "error" not in baseline, baseline
        contracts, arr, months, monthly_arr, _ = baseline["figures"]
        assert contracts > 0 and months > 0 and float(arr) > 0 and float(monthly_arr) > 0, baseline
        assert baseline["runs"] == [first_id], "the copy should hold what run 1 extracted"
        opened_inode = copy.stat().st_ino

        # Run 2, launched while the session is open; the UI and the analyst are asked throughout.
        second_id = launch(ui, warehouse)
        record, seen = watch(ui, second_id, analyst)
        # One answer to a query asked after the run ended: the session outlived the run.
        analyst.wait_for_answer(after=record["endTime"])
        answers = analyst.answers()
        assert analyst.close() == 0, analyst.stderr.read_text()

    # The analyst: never an error, the same figures and run throughout, never kept waiting.
    errors = [a for a in answers if "error" in a]
    assert not errors, f"the analyst's queries failed while the job ran: {errors[:5]}"
    changed = [a for a in answers if (a["figures"], a["runs"]) != (baseline["figures"], baseline["runs"])]
    assert not changed, f"an open session's answers changed under it: {changed[:3]} (first: {baseline})"
    slowest = max(a["answered"] - a["asked"] for a in answers)
    assert slowest < ANALYST_SECONDS, f"an analyst query took {slowest:.1f}s"
    gaps = [b["asked"] - a["answered"] for a, b in pairwise(answers)]
    assert max(gaps) < ANALYST_SECONDS, f"the analyst waited {max(gaps):.1f}s between two answers"

    # The overlap, from the run's own record: answers inside the run, its dbt build and after the republish.
    started, ended = record["startTime"], record["endTime"]
    assert started and ended and started < ended, record
    during_run = within(answers, started, ended)
    assert len(during_run) >= 20, f"only {len(during_run)} analyst answers inside the run ({started}..{ended})"
    dbt_build = step(record, "revenue_models")
    during_dbt = within(answers, dbt_build["startTime"], dbt_build["endTime"])
    assert len(during_dbt) >= 5, f"only {len(during_dbt)} analyst answers while dbt rebuilt the warehouse"
    publish = step(record, "warehouse__analyst_copy")
    # Publishing did not wait for the analyst: a wait for a lock would show here (the copy takes a second or two).
    assert publish["endTime"] - publish["startTime"] < PUBLISH_SECONDS, publish
    republished = materialized_at(ui, second_id, ["warehouse", "analyst_copy"])
    assert started < republished < ended
    after_republish = [a for a in answers if a["asked"] > republished]
    assert after_republish, "no analyst query after the copy was republished under the open session"
    assert copy.stat().st_ino != opened_inode, "the copy was not replaced while the session had it open"

    # The UI: answered every poll (ask() fails otherwise), many of them while the run worked; and the analyst got
    # answers between two polls that both said STARTED.
    polls_started = [x for x in seen if x.status == "STARTED"]
    assert len(polls_started) >= 10, f"the UI was polled only {len(polls_started)} times while the run worked"
    while_started = within(answers, polls_started[0].answered, polls_started[-1].asked)
    assert len(while_started) >= 20, f"only {len(while_started)} analyst answers while the UI said STARTED"
    slowest_ui = max(x.answered - x.asked for x in seen)
    assert slowest_ui < UI_SECONDS, slowest_ui

    # After the run: a new session sees the republished copy, and the warehouse opens read-only (no lock left).
    fresh = one_answer(copy, tmp_path / "fresh.jsonl")
    assert "error" not in fresh, fresh
    assert fresh["runs"] == [second_id], f"a new session should see run 2's copy: {fresh}"
    assert fresh["figures"][0] > 0 and fresh["figures"][2] > 0, fresh
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = [r for (r,) in con.execute("SELECT DISTINCT last_run_id FROM raw._sync_state").fetchall()]
    assert runs == [second_id], runs
