"""simple-salesforce with the habits a long-running connector needs.

Every API call goes through ``call``: transient failures (5xx, timeouts, dropped connections, record
locks) are retried with exponential backoff, an expired session is replaced by a fresh login, and the
run stops cleanly, before the call, when its share of the org's daily API allowance is spent. Calls are
counted from the HTTP responses themselves, so simple-salesforce's own re-login retries count too.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from orchestration.salesforce.connect import build_session, open_salesforce
from orchestration.salesforce.settings import ConnectionSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

TRANSIENT_NETWORK_ERRORS = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
)
RETRYABLE_ERROR_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"})


class ApiBudgetExhausted(RuntimeError):
    """This run has used the share of the daily API allowance it was given; nothing more was sent."""


class OrgApiLimitReached(RuntimeError):
    """Salesforce refused the request: the org's daily API allowance is spent (REQUEST_LIMIT_EXCEEDED)."""


class SalesforceCallFailed(RuntimeError):
    """A call that still failed after every retry, with what was tried."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 30.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter, so parallel runs do not retry in lockstep."""
        ceiling = min(self.max_delay_seconds, self.base_delay_seconds * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)


@dataclass
class ApiBudget:
    """How many API calls one run may make: a share of what the org has left today, or a fixed cap."""

    share_of_remaining: float = 0.5
    max_calls: int | None = None
    allowed: int | None = None

    def settle(self, remaining_today: int | None) -> None:
        caps = [c for c in (self.max_calls,) if c is not None]
        if remaining_today is not None:
            caps.append(int(remaining_today * self.share_of_remaining))
        self.allowed = min(caps) if caps else None


def error_code(error: SalesforceError) -> str | None:
    content = error.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return content[0].get("errorCode")
    if isinstance(content, dict):
        return content.get("errorCode")
    return None


def classify(error: BaseException) -> str:
    """'retry', 'login', 'org_limit' or 'fatal' — what to do about a failed call."""
    if isinstance(error, TRANSIENT_NETWORK_ERRORS):
        return "retry"
    if isinstance(error, SalesforceExpiredSession):
        return "login"
    if isinstance(error, SalesforceRefusedRequest) and error_code(error) == "REQUEST_LIMIT_EXCEEDED":
        return "org_limit"
    if isinstance(error, SalesforceMalformedRequest) and error_code(error) in RETRYABLE_ERROR_CODES:
        return "retry"
    if isinstance(error, SalesforceGeneralError) and (error.status >= 500 or error_code(error) in
                                                      RETRYABLE_ERROR_CODES):
        return "retry"
    return "fatal"


class SalesforceClient:
    def __init__(self, settings: ConnectionSettings, *, retry: RetryPolicy | None = None,
                 budget: ApiBudget | None = None, sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self.budget = budget or ApiBudget()
        self._sleep = sleep
        self._on_retry = on_retry or (lambda message: log.warning(message))
        self._sf: Salesforce | None = None
        self.calls_used = 0
        self.logins = 0
        self.retries = 0
        self.org_usage: tuple[int, int] | None = None
        self._budget_settled = False

    # ------------------------------------------------------------------------------------------
    # Connection
    # ------------------------------------------------------------------------------------------

    @property
    def sf(self) -> Salesforce:
        if self._sf is None:
            self._login()
        return self._sf

    def _login(self) -> None:
        session = build_session(self.settings)
        session.hooks["response"].append(self._count_response)
        self._sf = open_salesforce(self.settings, session)
        self.logins += 1

    def _count_response(self, response: requests.Response, *args, **kwargs) -> None:
        if "/services/data/" in response.url:
            self.calls_used += 1
        usage = response.headers.get("Sforce-Limit-Info", "")
        if usage.startswith("api-usage="):
            used, _, total = usage.removeprefix("api-usage=").split(";")[0].partition("/")
            if used.isdigit() and total.isdigit():
                self.org_usage = (int(used), int(total))

    @property
    def api_remaining(self) -> int | None:
        return None if self.org_usage is None else max(0, self.org_usage[1] - self.org_usage[0])

    # ------------------------------------------------------------------------------------------
    # The one way calls are made
    # ------------------------------------------------------------------------------------------

    def call(self, description: str, operation: Callable[[Salesforce], T]) -> T:
        attempt = 0
        while True:
            attempt += 1
            self._check_budget(description)
            try:
                return operation(self.sf)
            except (SalesforceError, *TRANSIENT_NETWORK_ERRORS) as error:
                action = classify(error)
                if action == "org_limit":
                    raise OrgApiLimitReached(
                        f"{description}: Salesforce refused the call because the org's daily API limit is "
                        f"reached (REQUEST_LIMIT_EXCEEDED). Previous data is kept; rerun after the limit resets."
                    ) from error
                if action == "fatal":
                    raise
                if attempt >= self.retry.max_attempts:
                    raise SalesforceCallFailed(
                        f"{description}: still failing after {attempt} attempts: {_summary(error)}"
                    ) from error
                self.retries += 1
                if action == "login":
                    self._on_retry(f"{description}: session expired, logging in again (attempt {attempt})")
                    self._sf = None
                    continue
                delay = self.retry.delay(attempt)
                self._on_retry(f"{description}: {_summary(error)}; retrying in {delay:.1f}s (attempt {attempt})")
                self._sleep(delay)

    def _check_budget(self, description: str) -> None:
        if not self._budget_settled:
            self._budget_settled = True
            self.budget.settle(self._remaining_today())
        if self.budget.allowed is not None and self.calls_used >= self.budget.allowed:
            raise ApiBudgetExhausted(
                f"{description}: this run has used its API budget ({self.calls_used} of {self.budget.allowed} "
                f"calls allowed). Stopping before the next call; previous data is kept."
            )

    def _remaining_today(self) -> int | None:
        try:
            limits = self.sf.limits()
        except (SalesforceError, *TRANSIENT_NETWORK_ERRORS) as error:
            log.warning("could not read the org's API limits (%s); budget uses max_calls only", _summary(error))
            return None
        daily = limits.get("DailyApiRequests", {})
        return int(daily["Remaining"]) if "Remaining" in daily else None

    # ------------------------------------------------------------------------------------------
    # API operations used by the pipeline
    # ------------------------------------------------------------------------------------------

    def describe_global(self) -> dict:
        return self.call("describe global", lambda sf: sf.describe())

    def describe(self, sobject: str) -> dict:
        return self.call(f"describe {sobject}", lambda sf: getattr(sf, sobject).describe())

    def count(self, soql: str, *, include_deleted: bool) -> int:
        result = self.call(f"count: {soql}", lambda sf: sf.query(soql, include_deleted=include_deleted))
        return int(result["totalSize"])

    def query_pages(self, soql: str, *, include_deleted: bool, label: str) -> Iterator[list[dict]]:
        """REST query, one page (up to 2,000 records) at a time, each page retried on its own."""
        page = self.call(f"{label}: query", lambda sf: sf.query(soql, include_deleted=include_deleted))
        while True:
            yield page["records"]
            next_url = page.get("nextRecordsUrl")
            if page.get("done") or not next_url:
                return
            page = self.call(f"{label}: next page", lambda sf, url=next_url: sf.query_more(
                url, identifier_is_url=True, include_deleted=include_deleted))

    def bulk_query_pages(self, soql: str, *, include_deleted: bool, label: str,
                         page_size: int = 50_000, poll_seconds: float = 0.5) -> Iterator[str]:
        """Bulk API 2.0 query: one job, then CSV pages by locator, each page retried on its own."""
        operation = "queryAll" if include_deleted else "query"

        def client(sf: Salesforce):
            return sf.bulk2.Query._client

        job = self.call(f"{label}: create bulk job", lambda sf: client(sf).create_job(operation, soql))
        job_id = job["id"]
        self.call(f"{label}: wait for bulk job {job_id}",
                  lambda sf: client(sf).wait_for_job(job_id, True, poll_seconds))
        locator = ""
        while True:
            result = self.call(f"{label}: bulk results {job_id}",
                               lambda sf, loc=locator: client(sf).get_query_results(job_id, loc, page_size))
            yield result["records"]
            locator = result["locator"]
            if not locator:
                break
        # Salesforce keeps a finished job's results for days; deleting them once read frees the org's storage.
        # (Through restful: simple-salesforce's delete_job parses the 204 No Content reply as JSON and fails.)
        try:
            self.call(f"{label}: delete bulk job {job_id}",
                      lambda sf: sf.restful(f"jobs/query/{job_id}", method="DELETE"))
        except (SalesforceError, SalesforceCallFailed, *TRANSIENT_NETWORK_ERRORS) as error:
            log.warning("%s: could not delete bulk job %s (%s); Salesforce removes it after 7 days",
                        label, job_id, _summary(error))

    def update_records(self, records: list[dict], *, label: str) -> list[dict]:
        """Composite sObject collection update (at most 200 records), allOrNone false."""
        return self.call(label, lambda sf: sf.restful(
            "composite/sobjects", method="PATCH", json={"allOrNone": False, "records": records}))

    def upsert_records(self, sobject: str, external_id_field: str, records: list[dict], *,
                       label: str) -> list[dict]:
        return self.call(label, lambda sf: sf.restful(
            f"composite/sobjects/{sobject}/{external_id_field}", method="PATCH",
            json={"allOrNone": False, "records": records}))

    def close(self) -> None:
        if self._sf is not None:
            self._sf.session.close()
            self._sf = None


def _summary(error: BaseException) -> str:
    if isinstance(error, SalesforceError):
        code = error_code(error)
        return f"HTTP {error.status}{' ' + code if code else ''}"
    return f"{type(error).__name__}: {str(error)[:200]}"


def describe_error(error: BaseException) -> str:
    """A one-line description safe for logs and run metadata (no URLs with tokens, no bodies)."""
    return _summary(error)
