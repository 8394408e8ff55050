"""The real Dagster UI loads the code location: what `make dev` shows is checked over its own GraphQL API.

Definitions tests import ``defs`` in-process; this starts ``dagster-webserver`` on the workspace file, as a user
would, so a broken ``workspace.yaml``, a code-server import failure or a definition the UI rejects shows up here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
LOCATION = "salesforce_revenue"
STARTUP_SECONDS = 120

pytestmark = [pytest.mark.slow, pytest.mark.network]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        """POST a query; fail on transport or GraphQL errors, return ``data``."""
        response = requests.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                                 timeout=60)
        assert response.status_code == 200, f"HTTP {response.status_code}: {response.text[:2000]}"
        body = response.json()
        assert not body.get("errors"), f"GraphQL errors: {body['errors']}"
        return body["data"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no output)"


WORKSPACE = """
{
  workspaceOrError {
    __typename
    ... on PythonError { message }
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message stack }
          ... on RepositoryLocation { name repositories { name } }
        }
      }
    }
  }
}
"""


def _location_entry(server: Server) -> dict | None:
    workspace = server.graphql(WORKSPACE)["workspaceOrError"]
    assert workspace["__typename"] == "Workspace", workspace
    return next((e for e in workspace["locationEntries"] if e["name"] == LOCATION), None)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """One webserver for the module: it imports dbt's manifest, so starting it costs seconds."""
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    port = _free_port()
    log = home / "webserver.log"
    command = [str(Path(sys.executable).with_name("dagster-webserver")),
               "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]
    with log.open("wb") as sink:
        # A log file, not a pipe: nobody reads the pipe while tests run, and a full pipe would stall the server.
        # A session of its own, so the code server it spawns is in its process group and is stopped with it.
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "DAGSTER_HOME": str(home)},
                                   stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    running = Server(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        _wait_until_loaded(running)
        yield running
    finally:
        _stop(process)


def _wait_until_loaded(server: Server) -> None:
    """Poll /server_info, then the workspace, until the code location has finished loading (or failed to)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"dagster-webserver exited with {server.process.returncode}:\n{_tail(server.log)}")
        try:
            if requests.get(f"{server.url}/server_info", timeout=2).ok:
                entry = _location_entry(server)
                if entry is not None and entry["loadStatus"] == "LOADED":
                    return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"dagster-webserver not ready after {STARTUP_SECONDS}s:\n{_tail(server.log)}")


def _stop(process: subprocess.Popen) -> None:
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def test_server_answers_with_the_installed_dagster_version(server):
    import dagster

    info = requests.get(f"{server.url}/server_info", timeout=10).json()
    assert info["dagster_version"] == dagster.__version__


def test_code_location_loads_without_error(server):
    entry = _location_entry(server)
    assert entry is not None, f"no {LOCATION} location in the workspace"
    loaded = entry["locationOrLoadError"]
    assert loaded["__typename"] == "RepositoryLocation", f"{loaded.get('message')}\n{loaded.get('stack')}"
    assert entry["loadStatus"] == "LOADED"
    assert loaded["repositories"], "the location holds no repository"


REPOSITORIES = """
{
  repositoriesOrError {
    __typename
    ... on PythonError { message }
    ... on RepositoryConnection {
      nodes {
        name
        location { name }
        jobs { name }
        schedules { name defaultStatus scheduleState { status } }
      }
    }
  }
}
"""


@pytest.fixture(scope="module")
def repository(server) -> dict:
    result = server.graphql(REPOSITORIES)["repositoriesOrError"]
    assert result["__typename"] == "RepositoryConnection", result
    repositories = [r for r in result["nodes"] if r["location"]["name"] == LOCATION]
    assert len(repositories) == 1, repositories
    return repositories[0]


def test_repository_lists_the_jobs(repository):
    jobs = {job["name"] for job in repository["jobs"]}
    assert {"salesforce_incremental_sync", "salesforce_full_refresh", "revenue_refresh", "salesforce_write_back",
            "revenue_pipeline", "raw_freshness"} <= jobs


def test_schedules_are_listed_and_stopped_by_default(repository):
    schedules = {s["name"]: s for s in repository["schedules"]}
    assert {"hourly_incremental_sync", "nightly_full_reconciliation"} <= set(schedules)
    for name, schedule in schedules.items():
        # defaultStatus is the code's default; scheduleState is what this (fresh) instance would run.
        assert schedule["defaultStatus"] == "STOPPED", name
        assert schedule["scheduleState"]["status"] == "STOPPED", name


ASSET_NODES = """
query AssetNodes($keys: [AssetKeyInput!]) {
  assetNodes(assetKeys: $keys) {
    assetKey { path }
    groupName
    repository { name location { name } }
  }
}
"""


def test_asset_nodes_carry_their_groups(server):
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    wanted = [["raw", "opportunity"], ["marts", "fct_revenue_schedule"]]
    nodes = server.graphql(ASSET_NODES, {"keys": [{"path": path} for path in wanted]})["assetNodes"]
    groups = {"/".join(node["assetKey"]["path"]): node["groupName"] for node in nodes}
    assert set(groups) == {"raw/opportunity", "marts/fct_revenue_schedule"}
    assert groups["raw/opportunity"] == "salesforce_raw"
    for key in graph.get_all_asset_keys():
        if key.to_user_string() in groups:
            assert groups[key.to_user_string()] == graph.get(key).group_name
    assert all(node["repository"]["location"]["name"] == LOCATION for node in nodes)


def test_the_ui_shows_every_asset_of_the_definitions(server):
    from orchestration.definitions import defs

    nodes = server.graphql(ASSET_NODES)["assetNodes"]
    shown = {"/".join(node["assetKey"]["path"]) for node in nodes}
    assert shown == {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
