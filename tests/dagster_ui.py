"""The real Dagster UI for tests: `dagster-webserver` on workspace.yaml, as `make dev` starts it, in a process
group of its own, and its GraphQL API."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
LOCATION = "salesforce_revenue"
STARTUP_SECONDS = 120


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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 40) -> str:
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


def location_entry(server: Server) -> dict | None:
    workspace = server.graphql(WORKSPACE)["workspaceOrError"]
    assert workspace["__typename"] == "Workspace", workspace
    return next((e for e in workspace["locationEntries"] if e["name"] == LOCATION), None)


@contextmanager
def webserver(home: Path, log: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """The UI with this Dagster home (and any extra environment, which the runs it launches inherit), up and
    with the code location loaded; stopped, code server and runs included, on exit."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("dagster-webserver")),
               "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]
    with log.open("wb") as sink:
        # A log file, not a pipe: nobody reads the pipe while tests run, and a full pipe would stall the server.
        # A session of its own, so the code server it spawns is in its process group and is stopped with it.
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "DAGSTER_HOME": str(home), **(env or {})},
                                   stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    running = Server(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        wait_until_loaded(running)
        yield running
    finally:
        stop(process)


def wait_until_loaded(server: Server) -> None:
    """Poll /server_info, then the workspace, until the code location has finished loading (or failed to)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"dagster-webserver exited with {server.process.returncode}:\n{tail(server.log)}")
        try:
            if requests.get(f"{server.url}/server_info", timeout=2).ok:
                entry = location_entry(server)
                if entry is not None and entry["loadStatus"] == "LOADED":
                    return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"dagster-webserver not ready after {STARTUP_SECONDS}s:\n{tail(server.log)}")


def stop(process: subprocess.Popen) -> None:
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
