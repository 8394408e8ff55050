"""How to reach an org: the demo org (in-process or over loopback HTTP) or a real one.

Secrets come from environment variables at the moment a connection is opened, never from files or run
config, so they cannot end up in Dagster's run storage, logs or DuckDB. ``describe()`` is the only text
form, and it names the variables rather than their values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

CONNECTIONS = ("auto", "demo", "password", "client_credentials")
TRANSPORTS = ("auto", "in_process", "loopback", "network")

# Environment variables a user sets to connect a real org (see README "Connect your org").
ENV = {
    "connection": "SALESFORCE_CONNECTION",
    "username": "SALESFORCE_USERNAME",
    "password": "SALESFORCE_PASSWORD",
    "security_token": "SALESFORCE_SECURITY_TOKEN",
    "domain": "SALESFORCE_DOMAIN",
    "consumer_key": "SALESFORCE_CONSUMER_KEY",
    "consumer_secret": "SALESFORCE_CONSUMER_SECRET",
    "api_version": "SALESFORCE_API_VERSION",
    "transport": "SALESFORCE_TRANSPORT",
    "demo_org_dir": "DEMO_ORG_DIR",
    "demo_server_url": "DEMO_ORG_URL",
    "demo_scale": "DEMO_ORG_SCALE",
    "demo_seed": "DEMO_ORG_SEED",
}
SECRET_FIELDS = frozenset({"password", "security_token", "consumer_secret"})


@dataclass(frozen=True)
class ConnectionSettings:
    connection: str = "auto"
    username: str | None = None
    password: str | None = None
    security_token: str | None = None
    domain: str = "login"
    consumer_key: str | None = None
    consumer_secret: str | None = None
    api_version: str = "62.0"
    transport: str = "auto"
    demo_org_dir: str | None = None
    demo_server_url: str | None = None
    demo_scale: int = 2000
    demo_seed: int = 7
    connect_timeout_seconds: float = 10.0
    read_timeout_seconds: float = 120.0

    def with_environment(self) -> ConnectionSettings:
        """Fill every unset field from its environment variable; explicit values win."""
        updates: dict = {}
        defaults = ConnectionSettings()
        for name, variable in ENV.items():
            value = os.environ.get(variable)
            if value in (None, ""):
                continue
            current = getattr(self, name)
            if current not in (None, "") and current != getattr(defaults, name):
                continue
            updates[name] = int(value) if name in ("demo_scale", "demo_seed") else value
        return replace(self, **updates)

    def resolved_connection(self) -> str:
        """'auto' means: a real org when credentials are present, else the demo org."""
        if self.connection not in CONNECTIONS:
            raise ValueError(f"SALESFORCE_CONNECTION must be one of {CONNECTIONS}, not {self.connection!r}")
        if self.connection != "auto":
            return self.connection
        if self.username and self.password:
            return "password"
        if self.consumer_key and self.consumer_secret:
            return "client_credentials"
        return "demo"

    def resolved_transport(self) -> str:
        """How requests travel: to the in-process demo org, to its loopback server, or to Salesforce."""
        if self.transport not in TRANSPORTS:
            raise ValueError(f"SALESFORCE_TRANSPORT must be one of {TRANSPORTS}, not {self.transport!r}")
        if self.transport != "auto":
            return self.transport
        if self.demo_server_url:
            return "loopback"
        return "in_process" if self.resolved_connection() == "demo" else "network"

    def describe(self) -> str:
        """A log-safe description: which org and how, never a secret."""
        kind = self.resolved_connection()
        if kind == "demo":
            where = self.demo_server_url or (f"CSV directory {self.demo_org_dir}" if self.demo_org_dir
                                            else f"generated org (scale {self.demo_scale}, seed {self.demo_seed})")
            return f"demo org: {where}"
        if kind == "password":
            return f"Salesforce {self.domain}.salesforce.com as {self.username} (password from ${ENV['password']})"
        return f"Salesforce {self.domain}.salesforce.com with OAuth client credentials (${ENV['consumer_key']})"

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={'***' if name in SECRET_FIELDS and value else value!r}"
            for name, value in self.__dict__.items()
        )
        return f"ConnectionSettings({shown})"

    __str__ = __repr__
