"""Credentials come from environment variables only and never land anywhere: a planted secret is searched
for in every DuckDB table, every file the run wrote, Dagster's run storage and every log line.

The demo org is served over loopback HTTP with planted credentials, and the pipeline logs in to it as it
would to a real org (SALESFORCE_CONNECTION=password), through simple-salesforce's SOAP login.
"""

import logging
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._serdes import serialize_value

from orchestration.definitions import defs
from orchestration.demo_org.auth import DemoCredentials
from orchestration.demo_org.org import DemoOrg
from orchestration.demo_org.server import DemoOrgServer
from tests.launchpad import SCALE, SEED

PLANTED = {
    "password": f"planted-password-{uuid.uuid4().hex}",
    "security_token": f"planted-token-{uuid.uuid4().hex}",
    "consumer_secret": f"planted-consumer-secret-{uuid.uuid4().hex}",
}


@pytest.fixture(scope="module")
def planted_org():
    credentials = DemoCredentials(username="integration@planted.example", password=PLANTED["password"],
                                  security_token=PLANTED["security_token"], consumer_key="planted-key",
                                  consumer_secret=PLANTED["consumer_secret"])
    org = DemoOrg.generate(scale=SCALE, seed=SEED, credentials=credentials)
    with DemoOrgServer(org) as server:
        yield org, server, credentials


def _login_environment(monkeypatch, server, credentials, password: str) -> None:
    monkeypatch.setenv("SALESFORCE_CONNECTION", "password")
    monkeypatch.setenv("SALESFORCE_USERNAME", credentials.username)
    monkeypatch.setenv("SALESFORCE_PASSWORD", password)
    monkeypatch.setenv("SALESFORCE_SECURITY_TOKEN", credentials.security_token)
    monkeypatch.setenv("SALESFORCE_TRANSPORT", "loopback")
    monkeypatch.setenv("DEMO_ORG_URL", server.url)


def _run(job_name: str, database: Path, home: Path) -> tuple[dg.ExecuteInProcessResult, str]:
    run_config = {"resources": {"salesforce": {"config": {"retry_base_delay_seconds": 0.01, "retry_attempts": 2}},
                                "warehouse": {"config": {"database": str(database)}}}}
    home.mkdir(parents=True, exist_ok=True)
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        result = defs.resolve_job_def(job_name).execute_in_process(instance=instance, run_config=run_config,
                                                                   raise_on_error=False)
        records = instance.all_logs(result.run_id)
        run = instance.get_run_by_id(result.run_id)
        stored = "\n".join(serialize_value(record) for record in records) + serialize_value(run)
    return result, stored


def _table_hits(database: Path, secret: str) -> list[str]:
    hits = []
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
        for schema, table in tables:
            count = con.execute(f'SELECT count(*) FROM "{schema}"."{table}" AS t WHERE contains(CAST(t AS VARCHAR), ?)',
                                [secret]).fetchall()[0][0]
            if count:
                hits.append(f"{schema}.{table}")
    return hits


def _file_hits(root: Path, secret: str) -> list[str]:
    needle = secret.encode()
    return [str(path) for path in root.rglob("*") if path.is_file() and needle in path.read_bytes()]


def test_a_planted_secret_appears_in_no_table_file_run_record_or_log(planted_org, monkeypatch, tmp_path, caplog,
                                                                     capfd):
    _, server, credentials = planted_org
    _login_environment(monkeypatch, server, credentials, credentials.password)
    database = tmp_path / "warehouse" / "revenue.duckdb"
    caplog.set_level(logging.DEBUG)

    result, stored = _run("revenue_pipeline", database, tmp_path / "dagster_home")

    assert result.success, "the pipeline should log in with the planted credentials and run through"
    assert server.org.sessions.logins > 0
    captured = capfd.readouterr()
    texts = {"python logs": caplog.text, "stdout": captured.out, "stderr": captured.err, "run storage": stored}
    for name, secret in PLANTED.items():
        for where, text in texts.items():
            assert secret not in text, f"{name} found in {where}"
        assert not _table_hits(database, secret), f"{name} stored in DuckDB"
        assert not _table_hits(database.with_name("revenue_analyst.duckdb"), secret)
        assert not _file_hits(tmp_path, secret), f"{name} written to a file"


def test_a_failed_login_names_the_problem_but_not_the_password(planted_org, monkeypatch, tmp_path, caplog, capfd):
    _, server, credentials = planted_org
    wrong = f"wrong-password-{uuid.uuid4().hex}"
    _login_environment(monkeypatch, server, credentials, wrong)
    caplog.set_level(logging.DEBUG)

    result, stored = _run("salesforce_incremental_sync", tmp_path / "revenue.duckdb", tmp_path / "dagster_home")

    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    message = " ".join(e.step_failure_data.error.to_string() for e in failures)
    assert "INVALID_LOGIN" in message or "Invalid username, password" in message, message
    captured = capfd.readouterr()
    for where, text in {"python logs": caplog.text, "stdout": captured.out, "stderr": captured.err,
                        "run storage": stored}.items():
        assert wrong not in text, f"the wrong password is in {where}"
        assert PLANTED["security_token"] not in text, f"the security token is in {where}"
    assert not _file_hits(tmp_path, wrong)


def test_run_config_has_no_place_for_a_secret():
    """The Salesforce resource takes no password, token or secret: they can only come from the environment."""
    from orchestration.defs.resources import SalesforceResource

    names = set(SalesforceResource.model_fields)
    assert not names & {"password", "security_token", "consumer_secret", "access_token", "session_id"}
