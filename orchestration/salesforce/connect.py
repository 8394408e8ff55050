"""Open a simple-salesforce connection for the configured org and transport.

The demo org is built once per process and shared, so every asset of a run reads (and writes back to)
the same org, exactly as they would share one real org.
"""

from __future__ import annotations

import threading
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce

from orchestration.demo_org.auth import DemoCredentials
from orchestration.salesforce.settings import ConnectionSettings

_demo_orgs: dict[tuple, object] = {}
_demo_lock = threading.Lock()


class TimeoutHTTPAdapter(HTTPAdapter):
    """simple-salesforce sets no timeouts; without one a stalled socket would hang a run forever."""

    def __init__(self, timeout: tuple[float, float], **kwargs) -> None:
        super().__init__(**kwargs)
        self._timeout = timeout

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        return super().send(request, stream=stream, timeout=timeout or self._timeout, verify=verify, cert=cert,
                            proxies=proxies)


def demo_org(settings: ConnectionSettings):
    """The process-wide demo org for these settings: from DEMO_ORG_DIR, or generated from a seed."""
    from orchestration.demo_org.org import DemoOrg

    if settings.demo_org_dir:
        key: tuple = ("dir", str(Path(settings.demo_org_dir).resolve()))
    else:
        key = ("generated", settings.demo_scale, settings.demo_seed)
    with _demo_lock:
        org = _demo_orgs.get(key)
        if org is None:
            if settings.demo_org_dir:
                org = DemoOrg.from_csv_dir(settings.demo_org_dir)
            else:
                org = DemoOrg.generate(scale=settings.demo_scale, seed=settings.demo_seed)
            _demo_orgs[key] = org
    return org


def forget_demo_orgs() -> None:
    """Drop cached demo orgs (tests that rewrite a CSV directory between runs call this)."""
    with _demo_lock:
        _demo_orgs.clear()


def build_session(settings: ConnectionSettings) -> requests.Session:
    from orchestration.demo_org.transport import InProcessAdapter, LoopbackAdapter

    timeout = (settings.connect_timeout_seconds, settings.read_timeout_seconds)
    session = requests.Session()
    transport = settings.resolved_transport()
    if transport == "in_process":
        adapter = InProcessAdapter(demo_org(settings))
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    elif transport == "loopback":
        if not settings.demo_server_url:
            raise ValueError("the loopback transport needs DEMO_ORG_URL (the demo org server's address)")
        session.mount("https://", LoopbackAdapter(settings.demo_server_url, timeout=timeout, max_retries=0))
    else:
        session.mount("https://", TimeoutHTTPAdapter(timeout, max_retries=0))
    return session


def open_salesforce(settings: ConnectionSettings, session: requests.Session) -> Salesforce:
    """Log in with the configured flow; numbers stay text so no money value passes through a float."""
    kind = settings.resolved_connection()
    common = {"version": settings.api_version, "session": session, "parse_float": str}
    if kind == "demo":
        demo = DemoCredentials()
        return Salesforce(username=demo.username, password=demo.password, security_token=demo.security_token,
                          domain="login", **common)
    if kind == "password":
        if not (settings.username and settings.password):
            raise ValueError("password login needs SALESFORCE_USERNAME and SALESFORCE_PASSWORD")
        return Salesforce(username=settings.username, password=settings.password,
                          security_token=settings.security_token or "", domain=settings.domain, **common)
    if not (settings.consumer_key and settings.consumer_secret):
        raise ValueError("client-credentials login needs SALESFORCE_CONSUMER_KEY and SALESFORCE_CONSUMER_SECRET")
    if settings.domain in ("login", "test"):
        raise ValueError("client-credentials login needs SALESFORCE_DOMAIN set to your My Domain, "
                         "e.g. 'acme.my' for acme.my.salesforce.com")
    return Salesforce(consumer_key=settings.consumer_key, consumer_secret=settings.consumer_secret,
                      domain=settings.domain, **common)
