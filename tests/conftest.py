"""Shared fixtures: small demo orgs, simple-salesforce clients over both transports, warehouses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from hypothesis import settings
from simple_salesforce import Salesforce

from orchestration.demo_org.auth import DemoCredentials
from orchestration.demo_org.org import DemoOrg
from orchestration.demo_org.server import DemoOrgServer
from orchestration.demo_org.store import OrgStore
from orchestration.demo_org.transport import LoopbackAdapter, in_process_session

# Property tests draw the same examples on every run by default, so CI is repeatable and a failure can be
# rerun as it happened; HYPOTHESIS_PROFILE=explore draws new ones (and ten times as many) to look for more.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", max_examples=600, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def build_tiny_org(accounts: int = 4500) -> DemoOrg:
    """A hand-made org: enough accounts to need three REST pages, a few related records to join."""
    import pyarrow as pa

    from orchestration.salesforce.ids import make_ids

    store = OrgStore()
    org = DemoOrg(store)
    user = org.user_id
    ids = make_ids("001", 1, accounts)
    base = datetime(2026, 10, 1, 12, 0, 0)
    # One hour apart, newest first: an incremental window after the first load holds only record 0.
    stamps = pa.array([base - timedelta(hours=i) for i in range(accounts)], pa.timestamp("us"))
    store.load_tables({"Account": pa.table({
        "Id": ids,
        "Name": [f"Account {i:05d}" for i in range(accounts)],
        "ParentId": [ids[0] if i % 10 == 1 else None for i in range(accounts)],
        "BillingCity": ["Lisbon" if i % 2 else None for i in range(accounts)],
        "AnnualRevenue": pa.array([None if i % 7 == 0 else i * 1000 + 0.5 for i in range(accounts)],
                                  pa.float64()).cast(pa.decimal128(18, 2)),
        "OwnerId": [user] * accounts,
        "CurrencyIsoCode": ["USD" if i % 3 else "EUR" for i in range(accounts)],
        "External_Id__c": [f"ACC-{i:05d}" for i in range(accounts)],
        "IsDeleted": [False] * accounts,
        "CreatedDate": stamps,
        "CreatedById": [user] * accounts,
        "LastModifiedDate": stamps,
        "LastModifiedById": [user] * accounts,
        "SystemModstamp": stamps,
    })})
    for i in range(3):
        store.insert("Opportunity", {
            "Name": f"Deal {i}", "AccountId": ids[i], "StageName": "Closed Won", "CloseDate": date(2026, 1, i + 1),
            "Amount": 12000 * (i + 1), "OwnerId": user, "CurrencyIsoCode": "USD", "External_Id__c": f"OPP-{i}",
        })
    return org


@pytest.fixture
def tiny_org() -> DemoOrg:
    return build_tiny_org()


@pytest.fixture
def demo_server(tiny_org) -> Iterator[DemoOrgServer]:
    with DemoOrgServer(tiny_org, stall_seconds=1.5) as server:
        yield server


def login(org: DemoOrg, transport: str, server: DemoOrgServer | None = None, **kwargs) -> Salesforce:
    """simple-salesforce logged in to the demo org over the chosen transport."""
    if transport == "in_process":
        session = in_process_session(org)
    else:
        import requests

        session = requests.Session()
        session.mount("https://", LoopbackAdapter(server.url, timeout=(2, 1.0), max_retries=0))
    creds = DemoCredentials()
    return Salesforce(username=creds.username, password=creds.password, security_token=creds.security_token,
                      session=session, **kwargs)


@pytest.fixture(params=["in_process", pytest.param("http", marks=pytest.mark.network)])
def sf(request, tiny_org) -> Iterator[Salesforce]:
    """A logged-in client over each transport; tests using it run twice."""
    if request.param == "in_process":
        yield login(tiny_org, "in_process")
        return
    with DemoOrgServer(tiny_org, stall_seconds=1.5) as server:
        yield login(tiny_org, "http", server)


@pytest.fixture(scope="session")
def refreshed_demo(tmp_path_factory):
    """One `revenue_refresh` run of the demo org, shared by the tests that read a fully built warehouse."""
    import dagster as dg

    from orchestration.salesforce import connect
    from tests.launchpad import run

    connect.forget_demo_orgs()
    database = tmp_path_factory.mktemp("operations") / "revenue.duckdb"
    with dg.instance_for_test() as instance:
        result = run("revenue_refresh", instance, database)
        yield instance, database, result
    connect.forget_demo_orgs()
