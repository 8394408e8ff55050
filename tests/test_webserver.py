"""The real Dagster UI loads the code location: what `make dev` shows is checked over its own GraphQL API.

Definitions tests import ``defs`` in-process; this starts ``dagster-webserver`` on the workspace file, as a user
would, so a broken ``workspace.yaml``, a code-server import failure or a definition the UI rejects shows up here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.dagster_ui import LOCATION, Server, location_entry, webserver

pytestmark = [pytest.mark.slow, pytest.mark.network]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """One webserver for the module: it imports dbt's manifest, so starting it costs seconds."""
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with webserver(home, home / "webserver.log") as running:
        yield running


def test_server_answers_with_the_installed_dagster_version(server):
    import dagster

    info = requests.get(f"{server.url}/server_info", timeout=10).json()
    assert info["dagster_version"] == dagster.__version__


def test_code_location_loads_without_error(server):
    entry = location_entry(server)
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
