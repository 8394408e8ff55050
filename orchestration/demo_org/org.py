"""The demo org: routing, authentication, API limits and faults in front of the record store.

``DemoOrg.handle`` takes a transport-neutral request and returns a response; the in-process transport and
the loopback HTTP server both call it, so the same bytes reach simple-salesforce either way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path

from orchestration.demo_org import auth
from orchestration.demo_org.bulk import BulkApi
from orchestration.demo_org.errors import ApiError, internal_error
from orchestration.demo_org.faults import FaultPlan, response_for
from orchestration.demo_org.limits import ApiLimits
from orchestration.demo_org.protocol import Request, Response
from orchestration.demo_org.rest import RestApi
from orchestration.demo_org.schema import build_schema
from orchestration.demo_org.store import LoadIssue, OrgStore

log = logging.getLogger(__name__)

INSTANCE_HOST = "northwind-demo.my.salesforce.com"
DEFAULT_DAILY_API_LIMIT = 100_000
_VERSION = r"/services/data/v(?P<version>\d+\.\d)"
_NAME = r"(?P<name>[A-Za-z][A-Za-z0-9_]*)"
_RECORD_ID = r"(?P<record_id>[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?)"

Handler = Callable[..., Response]


class DemoOrg:
    """An in-memory Salesforce org speaking the REST, SOAP-login, OAuth and Bulk API 2.0 protocols."""

    def __init__(self, store: OrgStore, *, credentials: auth.DemoCredentials | None = None,
                 daily_api_limit: int = DEFAULT_DAILY_API_LIMIT, instance_host: str = INSTANCE_HOST,
                 load_issues: list[LoadIssue] | None = None) -> None:
        self.store = store
        self.schema = store.schema
        self.credentials = credentials or auth.DemoCredentials()
        self.limits = ApiLimits(daily_api_limit)
        self.faults = FaultPlan()
        self.sessions = auth.Sessions()
        self.instance_url = f"https://{instance_host}"
        self.load_issues = load_issues or []
        self.rest = RestApi(self)
        self.bulk = BulkApi(self)
        self.user_id = self._integration_user()
        self.requests_seen = 0
        self._routes = self._build_routes()

    # ------------------------------------------------------------------------------------------
    # Construction
    # ------------------------------------------------------------------------------------------

    @classmethod
    def generate(cls, scale: int = 2000, seed: int = 7, reference_date: date | None = None,
                 billing_package: bool = True, **options) -> DemoOrg:
        """A seeded org: the same arguments always give the same records."""
        from orchestration.demo_org.generator import generate_org

        kwargs = {"scale": scale, "seed": seed, "billing_package": billing_package}
        if reference_date is not None:
            kwargs["reference_date"] = reference_date
        generated = generate_org(**kwargs)
        store = OrgStore(build_schema(billing_package))
        store.load_tables(generated.tables)
        org = cls(store, **options)
        org.generated = generated
        return org

    @classmethod
    def from_csv_dir(cls, directory: Path | str, **options) -> DemoOrg:
        """An org loaded from ``<ApiName>.csv`` files; without blng__ files it has no Billing package."""
        directory = Path(directory)
        stems = {p.stem.lower() for p in directory.glob("*.csv")}
        billing = any(stem.startswith("blng__") for stem in stems)
        store = OrgStore(build_schema(billing_package=billing))
        issues = store.load_csv_dir(directory)
        return cls(store, load_issues=issues, **options)

    def _integration_user(self) -> str:
        wanted = self.store.query('SELECT "Id" FROM "User" WHERE "Username" = ?', [self.credentials.username])
        if wanted.num_rows:
            return wanted.column("Id")[0].as_py()
        return self.store.insert("User", {
            "Name": "Integration User", "Username": self.credentials.username,
            "Email": self.credentials.username, "IsActive": True,
        })

    # ------------------------------------------------------------------------------------------
    # Request handling
    # ------------------------------------------------------------------------------------------

    def _build_routes(self) -> list[tuple[str, re.Pattern, Handler, bool]]:
        rest, bulk = self.rest, self.bulk
        table: list[tuple[str, str, Handler, bool]] = [
            # (method, path pattern, handler, needs a session)
            ("POST", r"/services/Soap/u/(?P<version>\d+\.\d)(?:/.*)?", self._soap_login, False),
            ("POST", r"/services/oauth2/token", self._oauth_token, False),
            ("GET", r"/services/data", rest.versions, False),
            ("GET", _VERSION, rest.resources, True),
            ("GET", _VERSION + r"/limits", rest.limits, True),
            ("GET", _VERSION + r"/sobjects", rest.describe_global, True),
            ("GET", _VERSION + rf"/sobjects/{_NAME}", rest.sobject_info, True),
            ("POST", _VERSION + rf"/sobjects/{_NAME}", rest.create, True),
            ("GET", _VERSION + rf"/sobjects/{_NAME}/describe", rest.describe_sobject, True),
            ("GET", _VERSION + rf"/sobjects/{_NAME}/{_RECORD_ID}", rest.get_record, True),
            ("PATCH", _VERSION + rf"/sobjects/{_NAME}/{_RECORD_ID}", rest.update, True),
            ("DELETE", _VERSION + rf"/sobjects/{_NAME}/{_RECORD_ID}", rest.delete, True),
            ("GET", _VERSION + rf"/sobjects/{_NAME}/(?P<field>\w+)/(?P<value>[^/]+)",
             rest.get_by_external_id, True),
            ("PATCH", _VERSION + rf"/sobjects/{_NAME}/(?P<field>\w+)/(?P<value>[^/]+)", rest.upsert, True),
            ("GET", _VERSION + r"/query", lambda r, version: rest.query(r, version, False), True),
            ("GET", _VERSION + r"/queryAll", lambda r, version: rest.query(r, version, True), True),
            ("GET", _VERSION + r"/query/(?P<locator>[\w-]+)",
             lambda r, version, locator: rest.query_more(r, version, locator, False), True),
            ("GET", _VERSION + r"/queryAll/(?P<locator>[\w-]+)",
             lambda r, version, locator: rest.query_more(r, version, locator, True), True),
            ("PATCH", _VERSION + r"/composite/sobjects", rest.collection_write, True),
            ("POST", _VERSION + r"/composite/sobjects", rest.collection_write, True),
            ("GET", _VERSION + rf"/composite/sobjects/{_NAME}", rest.collection_get, True),
            ("PATCH", _VERSION + rf"/composite/sobjects/{_NAME}/(?P<field>\w+)", rest.collection_upsert, True),
            ("POST", _VERSION + r"/jobs/query", bulk.create_job, True),
            ("GET", _VERSION + r"/jobs/query", bulk.list_jobs, True),
            ("GET", _VERSION + r"/jobs/query/(?P<job_id>\w+)", bulk.get_job, True),
            ("PATCH", _VERSION + r"/jobs/query/(?P<job_id>\w+)", bulk.abort, True),
            ("DELETE", _VERSION + r"/jobs/query/(?P<job_id>\w+)", bulk.delete, True),
            ("GET", _VERSION + r"/jobs/query/(?P<job_id>\w+)/results", bulk.results, True),
            ("GET", r"/_demo/health", self._health, False),
            ("POST", r"/_demo/faults", self._add_fault, False),
            ("DELETE", r"/_demo/faults", self._clear_faults, False),
        ]
        return [(m, re.compile(f"^{p}/?$"), h, s) for m, p, h, s in table]

    def handle(self, request: Request) -> Response:
        self.requests_seen += 1
        route = self._route(request)
        if route is None:
            return Response.json(404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
        handler, params, needs_session = route
        cut_after = 0
        try:
            fault = None if request.path.startswith("/_demo/") else self.faults.request_fault(request)
            if fault is not None and fault.kind == "drop" and fault.bytes_before_drop:
                # The org does the work; the connection breaks while the answer is on its way back.
                cut_after = fault.bytes_before_drop
            elif fault is not None:
                if fault.kind == "invalid_session":
                    self.sessions.invalidate_all()
                return response_for(fault, self.limits.used, self.limits.daily_limit)
            if needs_session:
                self.sessions.check(request)
                self.limits.charge()
            response = handler(request, **params)
        except ApiError as error:
            response = Response.json(error.status, error.body())
        except Exception:  # an emulator bug must look like a Salesforce 500, not kill the server thread
            log.exception("demo org failed on %s %s", request.method, request.path)
            error = internal_error()
            response = Response.json(error.status, error.body())
        if needs_session:
            response.headers["Sforce-Limit-Info"] = self.limits.header()
        if cut_after:
            response.failure, response.bytes_before_drop = "drop", cut_after
        return response

    def _route(self, request: Request):
        method_matched = False
        for method, pattern, handler, needs_session in self._routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            method_matched = True
            if method == request.method:
                return handler, match.groupdict(), needs_session
        if method_matched:
            return (lambda r, **_: Response.json(405, [{"errorCode": "METHOD_NOT_ALLOWED",
                                                        "message": f"HTTP Method '{r.method}' not allowed."}]),
                    {}, False)
        return None

    def _soap_login(self, request: Request, version: str) -> Response:
        return auth.soap_login(request, self.credentials, self.sessions, self.instance_url, self.user_id, version)

    def _oauth_token(self, request: Request) -> Response:
        return auth.oauth_token(request, self.credentials, self.sessions, self.instance_url, self.user_id)

    def _health(self, request: Request) -> Response:
        return Response.json(200, {"status": "ok", "apiUsage": self.limits.header(),
                                   "faults": [asdict(f) | {"record_ids": sorted(f.record_ids)}
                                              for f in self.faults.active]})

    def _add_fault(self, request: Request) -> Response:
        options = request.json() or {}
        kind = options.pop("kind", None)
        try:
            fault = self.faults.add(kind, **options)
        except (TypeError, ValueError) as error:
            return Response.json(400, [{"errorCode": "INVALID_FAULT", "message": str(error)}])
        return Response.json(201, {"kind": fault.kind, "path": fault.path})

    def _clear_faults(self, request: Request) -> Response:
        self.faults.clear()
        return Response.empty(204)
