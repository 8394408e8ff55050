"""Bulk API 2.0 query jobs: create, poll, page through CSV results with locators, abort, delete.

The query runs when the job is created (DuckDB answers in seconds even at millions of rows); the first
poll reports JobComplete. Results are sliced per request by ``maxRecords`` and an opaque locator, as
Salesforce does, so a client needs one request per page rather than one per 2,000 rows.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from orchestration.demo_org import records
from orchestration.demo_org.errors import ApiError
from orchestration.demo_org.protocol import Request, Response
from orchestration.demo_org.soql import compile_soql
from orchestration.salesforce.ids import make_id

if TYPE_CHECKING:
    from orchestration.demo_org.org import DemoOrg

DEFAULT_MAX_RECORDS = 50_000
DELIMITERS = {"COMMA": ","}


@dataclass
class QueryJob:
    id: str
    operation: str
    sobject: str
    query: str
    compiled: Any
    table: pa.Table
    created: str
    state: str = "UploadComplete"
    polls: int = 0
    extra: dict = field(default_factory=dict)

    def info(self, user_id: str, version: str) -> dict:
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.sobject,
            "createdById": user_id,
            "createdDate": self.created,
            "systemModstamp": self.created,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(version),
            "jobType": "V2Query",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
            "numberRecordsProcessed": self.table.num_rows if self.state == "JobComplete" else 0,
            "retries": 0,
            "totalProcessingTime": 42,
        }


def _encode_locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _decode_locator(locator: str) -> int:
    try:
        padded = locator + "=" * (-len(locator) % 4)
        return int(base64.b64decode(padded).decode())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None


class BulkApi:
    def __init__(self, org: DemoOrg) -> None:
        self.org = org
        self._jobs: dict[str, QueryJob] = {}
        self._lock = threading.Lock()
        self.jobs_created = 0

    def create_job(self, request: Request, version: str) -> Response:
        body = request.json() or {}
        operation = body.get("operation")
        if operation not in ("query", "queryAll"):
            raise ApiError(400, "INVALIDJOB", f"Invalid operation: {operation}")
        if body.get("columnDelimiter", "COMMA") != "COMMA" or body.get("lineEnding", "LF") != "LF":
            raise ApiError(400, "FEATURENOTENABLED", "The demo org returns COMMA-delimited, LF-terminated CSV only")
        soql = body.get("query") or ""
        compiled = compile_soql(soql, self.org.schema, include_deleted=operation == "queryAll")
        if compiled.is_count:
            raise ApiError(400, "INVALIDJOB", "Aggregate queries are not supported by Bulk API 2.0")
        if compiled.offset is not None:
            raise ApiError(400, "INVALIDJOB", "OFFSET is not supported by Bulk API 2.0")
        compound = [f.label for f in compiled.fields if f.field.is_compound]
        if compound:
            raise ApiError(400, "INVALIDJOB",
                           f"FUNCTIONALITY_NOT_ENABLED: Selecting compound data not supported in Bulk Query: "
                           f"{', '.join(compound)}")
        table = self.org.store.query(compiled.sql, compiled.params)
        with self._lock:
            self.jobs_created += 1
            job = QueryJob(
                id=make_id("750", self.jobs_created), operation=operation, sobject=compiled.sobject.name,
                query=soql, compiled=compiled, table=table,
                created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            )
            self._jobs[job.id] = job
        return Response.json(200, job.info(self.org.user_id, version))

    def get_job(self, request: Request, version: str, job_id: str) -> Response:
        job = self._job(job_id)
        job.polls += 1
        if job.state in ("UploadComplete", "InProgress"):
            job.state = "JobComplete"
        return Response.json(200, job.info(self.org.user_id, version))

    def list_jobs(self, request: Request, version: str) -> Response:
        with self._lock:
            jobs = list(self._jobs.values())
        return Response.json(200, {"done": True, "records": [j.info(self.org.user_id, version) for j in jobs],
                                   "nextRecordsUrl": None})

    def results(self, request: Request, version: str, job_id: str) -> Response:
        job = self._job(job_id)
        if job.state != "JobComplete":
            raise ApiError(400, "INVALIDJOBSTATE", "Job state must be JobComplete to retrieve results")
        max_records = request.param("maxRecords")
        size = int(max_records) if max_records and max_records.isdigit() else DEFAULT_MAX_RECORDS
        locator = request.param("locator")
        offset = _decode_locator(locator) if locator else 0
        page = job.table.slice(offset, size)
        end = offset + page.num_rows
        next_locator = _encode_locator(end) if end < job.table.num_rows else "null"
        return Response(200, records.csv_page(job.compiled, page), {
            "Content-Type": "text/csv",
            "Sforce-Locator": next_locator,
            "Sforce-NumberOfRecords": str(page.num_rows),
        })

    def abort(self, request: Request, version: str, job_id: str) -> Response:
        job = self._job(job_id)
        state = (request.json() or {}).get("state")
        if state != "Aborted":
            raise ApiError(400, "INVALIDJOBSTATE", f"Invalid state: {state}")
        if job.state != "JobComplete":
            job.state = "Aborted"
        return Response.json(200, job.info(self.org.user_id, version))

    def delete(self, request: Request, version: str, job_id: str) -> Response:
        self._job(job_id)
        with self._lock:
            self._jobs.pop(job_id, None)
        return Response.empty(204)

    def _job(self, job_id: str) -> QueryJob:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise ApiError(404, "NOT_FOUND", f"Job {job_id} not found")
        return job
