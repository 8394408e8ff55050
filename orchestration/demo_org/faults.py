"""Fault injection: the failures a real org and network produce, switched on by tests.

A fault matches requests by method and a regular expression on the path, lets ``after`` of them through,
then fires on the next ``times`` (0 means until cleared). Request-level faults replace the response;
record-level faults (lock errors, validation rules) fail chosen records inside a write and let the
others through, as Salesforce does with allOrNone=false.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from orchestration.demo_org.errors import (
    ApiError,
    internal_error,
    invalid_session,
    request_limit_exceeded,
    server_unavailable,
    unable_to_lock_row,
)
from orchestration.demo_org.protocol import Request, Response

REQUEST_KINDS = ("status", "timeout", "drop", "request_limit", "invalid_session")
RECORD_KINDS = ("lock_row", "validation_rule")


@dataclass
class Fault:
    kind: str
    path: str = ""
    method: str | None = None
    after: int = 0
    times: int = 1
    status: int = 503
    record_ids: frozenset[str] = frozenset()
    message: str = ""
    bytes_before_drop: int = 0
    seen: int = 0
    fired: int = 0
    fired_per_record: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in REQUEST_KINDS + RECORD_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {REQUEST_KINDS + RECORD_KINDS}")
        self.record_ids = frozenset(self.record_ids)
        self._pattern = re.compile(self.path)

    def matches(self, request: Request) -> bool:
        if self.method and self.method.upper() != request.method:
            return False
        return bool(self._pattern.search(request.path))

    @property
    def exhausted(self) -> bool:
        return self.times > 0 and self.fired >= self.times


class FaultPlan:
    """The faults currently switched on for one org."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, kind: str, **options) -> Fault:
        fault = Fault(kind, **options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def request_fault(self, request: Request) -> Fault | None:
        """The request-level fault that fires on this request, if any (counting it as seen)."""
        with self._lock:
            for fault in self._faults:
                if fault.kind not in REQUEST_KINDS or fault.exhausted or not fault.matches(request):
                    continue
                fault.seen += 1
                if fault.seen > fault.after:
                    fault.fired += 1
                    return fault
        return None

    def record_error(self, request: Request, sobject: str, record_id: str | None) -> ApiError | None:
        """The error a write of this record fails with, if a record-level fault targets it."""
        with self._lock:
            for fault in self._faults:
                if fault.kind not in RECORD_KINDS or not fault.matches(request):
                    continue
                if fault.record_ids and record_id not in fault.record_ids:
                    continue
                key = record_id or ""
                count = fault.fired_per_record.get(key, 0)
                if fault.times > 0 and count >= fault.times:
                    continue
                fault.fired_per_record[key] = count + 1
                fault.fired += 1
                if fault.kind == "lock_row":
                    return unable_to_lock_row()
                return ApiError(
                    400,
                    "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    fault.message or f"{sobject} {record_id} was rejected by a validation rule",
                )
        return None


def response_for(fault: Fault, limit_used: int, limit_total: int) -> Response:
    """What the org sends back when a request-level fault fires."""
    if fault.kind == "timeout":
        return Response(504, b"", failure="timeout")
    if fault.kind == "drop":
        return Response(200, b"", failure="drop", bytes_before_drop=fault.bytes_before_drop)
    if fault.kind == "request_limit":
        error = request_limit_exceeded(limit_used, limit_total)
    elif fault.kind == "invalid_session":
        error = invalid_session()
    elif fault.status == 503:
        error = server_unavailable()
    elif fault.status in (502, 504):
        # Load balancers in front of Salesforce answer gateway errors with HTML, not JSON.
        return Response(fault.status, b"<html><body><h1>Bad Gateway</h1></body></html>",
                        {"Content-Type": "text/html"})
    else:
        error = internal_error()
        error.status = fault.status
    return Response.json(error.status, error.body())
