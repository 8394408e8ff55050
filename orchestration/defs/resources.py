"""Dagster resources: the Salesforce org, the DuckDB warehouse, extraction settings and the dbt CLI.

Nothing here reads secrets: the Salesforce resource resolves credentials from environment variables when
a run opens its connection, so they never enter run config, the run log or the UI.
"""


import sys
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from pydantic import PrivateAttr

from orchestration.paths import DBT_PROJECT_DIR, resolve_database
from orchestration.salesforce.client import ApiBudget, RetryPolicy, SalesforceClient
from orchestration.salesforce.settings import ConnectionSettings
from orchestration.salesforce.sync import SyncOptions
from orchestration.warehouse.connection import connection


class SalesforceResource(dg.ConfigurableResource):
    """The org to read from and write back to.

    ``connection`` "auto" uses a real org when SALESFORCE_USERNAME/SALESFORCE_PASSWORD (or
    SALESFORCE_CONSUMER_KEY/SALESFORCE_CONSUMER_SECRET) are set, otherwise the embedded demo org.
    Secrets are never config fields: they are read from the environment at connection time.
    """

    connection: str = "auto"
    username: str | None = None
    domain: str | None = None
    consumer_key: str | None = None
    api_version: str = "62.0"
    transport: str = "auto"
    demo_org_dir: str | None = None
    demo_server_url: str | None = None
    demo_scale: int | None = None
    demo_seed: int | None = None
    read_timeout_seconds: float = 120.0
    api_budget_share: float = 0.5
    max_api_calls_per_run: int | None = None
    retry_attempts: int = 6
    retry_base_delay_seconds: float = 0.5

    _client: SalesforceClient | None = PrivateAttr(default=None)

    def settings(self) -> ConnectionSettings:
        explicit = {
            name: value for name, value in {
                "connection": self.connection, "username": self.username, "domain": self.domain,
                "consumer_key": self.consumer_key, "api_version": self.api_version, "transport": self.transport,
                "demo_org_dir": self.demo_org_dir, "demo_server_url": self.demo_server_url,
                "demo_scale": self.demo_scale, "demo_seed": self.demo_seed,
                "read_timeout_seconds": self.read_timeout_seconds,
            }.items() if value is not None
        }
        return ConnectionSettings(**explicit).with_environment()

    def get_client(self) -> SalesforceClient:
        """One client per run, so the API budget and the login are shared by every asset of the run."""
        if self._client is None:
            self._client = SalesforceClient(
                self.settings(),
                retry=RetryPolicy(max_attempts=self.retry_attempts, base_delay_seconds=self.retry_base_delay_seconds),
                budget=ApiBudget(share_of_remaining=self.api_budget_share, max_calls=self.max_api_calls_per_run),
            )
        return self._client

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file every asset reads and writes (default data/revenue.duckdb, or $REVENUE_DUCKDB_PATH)."""

    database: str | None = None
    lock_wait_seconds: float = 600.0

    @property
    def path(self) -> Path:
        return resolve_database(self.database)

    @contextmanager
    def connect(self, read_only: bool = False):
        with connection(self.path, read_only=read_only, wait_seconds=self.lock_wait_seconds) as con:
            yield con


class ExtractionSettings(dg.ConfigurableResource):
    """How extraction behaves; per-object extra fields are API names or parent paths like Account.Name."""

    lookback_minutes: int = 15
    bulk_threshold: int = 10_000
    bulk_page_size: int = 50_000
    reconcile_every_hours: float = 24.0
    extra_fields: dict[str, list[str]] = {}

    def options(self, api_name: str, mode: str, reconcile: bool | None) -> SyncOptions:
        extras = next((v for k, v in self.extra_fields.items() if k.lower() == api_name.lower()), [])
        return SyncOptions(
            mode=mode, lookback_minutes=self.lookback_minutes, bulk_threshold=self.bulk_threshold,
            bulk_page_size=self.bulk_page_size, reconcile_every_hours=self.reconcile_every_hours,
            reconcile=reconcile, extra_fields=tuple(extras),
        )


def dbt_executable() -> str:
    """The dbt installed beside this Python, so runs work without the virtualenv on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def build_resources() -> dict[str, object]:
    return {
        "salesforce": SalesforceResource(),
        "warehouse": WarehouseResource(),
        "extraction": ExtractionSettings(),
        "dbt": DbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR),
                              dbt_executable=dbt_executable()),
    }
