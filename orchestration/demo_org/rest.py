"""REST API resources: query/queryAll with cursors, describe, records, composite collections, limits."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from orchestration.demo_org import describe, records
from orchestration.demo_org.errors import ApiError, malformed_query, not_found
from orchestration.demo_org.protocol import Request, Response
from orchestration.demo_org.schema import SObject
from orchestration.demo_org.soql import compile_soql
from orchestration.demo_org.store import coerce_value
from orchestration.salesforce.ids import make_id

if TYPE_CHECKING:
    from orchestration.demo_org.org import DemoOrg

DEFAULT_BATCH_SIZE = 2000
MAX_COLLECTION_SIZE = 200
MAX_OPEN_CURSORS = 100


@dataclass
class Cursor:
    compiled: Any
    table: pa.Table
    batch_size: int
    include_deleted: bool


class QueryCursors:
    """Open query locators; they outlive sessions, so a client that logs in again can carry on."""

    def __init__(self) -> None:
        self._open: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()
        self._counter = 0

    def open(self, cursor: Cursor) -> str:
        with self._lock:
            self._counter += 1
            cursor_id = make_id("01g", self._counter)
            self._open[cursor_id] = cursor
            while len(self._open) > MAX_OPEN_CURSORS:
                self._open.popitem(last=False)
        return cursor_id

    def get(self, cursor_id: str) -> Cursor:
        with self._lock:
            cursor = self._open.get(cursor_id)
        if cursor is None:
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return cursor

    def close(self, cursor_id: str) -> None:
        with self._lock:
            self._open.pop(cursor_id, None)


class RestApi:
    def __init__(self, org: DemoOrg) -> None:
        self.org = org
        self.cursors = QueryCursors()

    # ------------------------------------------------------------------------------------------
    # Discovery
    # ------------------------------------------------------------------------------------------

    def versions(self, request: Request) -> Response:
        return Response.json(200, [
            {"label": f"Release {v}", "url": f"/services/data/v{v}", "version": v}
            for v in ("58.0", "59.0", "60.0", "61.0", "62.0")
        ])

    def resources(self, request: Request, version: str) -> Response:
        base = f"/services/data/v{version}"
        return Response.json(200, {name: f"{base}/{name}" for name in (
            "sobjects", "query", "queryAll", "limits", "composite", "jobs")})

    def limits(self, request: Request, version: str) -> Response:
        limits = self.org.limits
        return Response.json(200, {
            "DailyApiRequests": {"Max": limits.daily_limit, "Remaining": limits.remaining},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000 - self.org.bulk.jobs_created},
            "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
        })

    def describe_global(self, request: Request, version: str) -> Response:
        return Response.json(200, describe.describe_global(self.org.schema, version))

    def sobject_info(self, request: Request, version: str, name: str) -> Response:
        sobject = self._sobject(name)
        summary = describe.describe_global(self.org.schema, version)["sobjects"]
        return Response.json(200, {
            "objectDescribe": next(s for s in summary if s["name"] == sobject.name), "recentItems": [],
        })

    def describe_sobject(self, request: Request, version: str, name: str) -> Response:
        sobject = self._sobject(name)
        return Response.json(200, describe.describe_sobject(sobject, self.org.schema, version))

    # ------------------------------------------------------------------------------------------
    # Query
    # ------------------------------------------------------------------------------------------

    def query(self, request: Request, version: str, include_deleted: bool) -> Response:
        soql = request.param("q")
        if not soql:
            raise malformed_query("The query string parameter q is required")
        compiled = compile_soql(soql, self.org.schema, include_deleted=include_deleted)
        if compiled.is_count:
            total = int(self.org.store.scalar(compiled.sql, compiled.params))
            if compiled.limit is not None:
                total = min(total, compiled.limit)
            return Response.json(200, {"totalSize": total, "done": True, "records": []})
        table = self.org.store.query(compiled.sql, compiled.params)
        cursor = Cursor(compiled, table, self._batch_size(request), include_deleted)
        return self._page(cursor, None, 0, version)

    def query_more(self, request: Request, version: str, locator: str, include_deleted: bool) -> Response:
        cursor_id, _, offset = locator.partition("-")
        if not offset.isdigit():
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(self.cursors.get(cursor_id), cursor_id, int(offset), version)

    def _page(self, cursor: Cursor, cursor_id: str | None, offset: int, version: str) -> Response:
        end = offset + cursor.batch_size
        page = cursor.table.slice(offset, cursor.batch_size)
        payload: dict[str, Any] = {
            "totalSize": cursor.table.num_rows,
            "done": end >= cursor.table.num_rows,
            "records": records.json_records(cursor.compiled, page, version),
        }
        if not payload["done"]:
            cursor_id = cursor_id or self.cursors.open(cursor)
            endpoint = "queryAll" if cursor.include_deleted else "query"
            payload["nextRecordsUrl"] = f"/services/data/v{version}/{endpoint}/{cursor_id}-{end}"
        elif cursor_id:
            self.cursors.close(cursor_id)
        return Response.json(200, payload)

    @staticmethod
    def _batch_size(request: Request) -> int:
        options = request.header("sforce-query-options") or ""
        for option in options.split(","):
            key, _, value = option.strip().partition("=")
            if key.lower() == "batchsize" and value.isdigit():
                return max(200, min(2000, int(value)))
        return DEFAULT_BATCH_SIZE

    # ------------------------------------------------------------------------------------------
    # Single records
    # ------------------------------------------------------------------------------------------

    def get_record(self, request: Request, version: str, name: str, record_id: str) -> Response:
        sobject = self._sobject(name)
        row = self._existing(sobject, record_id)
        fields = [f for f in (request.param("fields") or "").split(",") if f.strip()]
        for field in fields:
            self._field(sobject, field.strip())
        return Response.json(200, records.single_record(sobject, row, version, [f.strip() for f in fields]))

    def get_by_external_id(self, request: Request, version: str, name: str, field: str, value: str) -> Response:
        sobject = self._sobject(name)
        external = self._external_id_field(sobject, field)
        ids = self.org.store.ids_by_field(sobject.name, external.name, value)
        if not ids:
            raise not_found()
        if len(ids) > 1:
            return Response.json(300, [records.record_url(sobject.name, i, version) for i in ids])
        row = self.org.store.get(sobject.name, ids[0])
        return Response.json(200, records.single_record(sobject, row, version))

    def create(self, request: Request, version: str, name: str) -> Response:
        sobject = self._sobject(name)
        values = self._prepare(sobject, request.json() or {}, creating=True)
        self._record_fault(request, sobject, None)
        record_id = self.org.store.insert(sobject.name, values, user_id=self.org.user_id)
        return Response.json(201, {"id": record_id, "success": True, "errors": []})

    def update(self, request: Request, version: str, name: str, record_id: str) -> Response:
        sobject = self._sobject(name)
        self._existing(sobject, record_id)
        values = self._prepare(sobject, request.json() or {}, creating=False)
        self._record_fault(request, sobject, record_id)
        self.org.store.update(sobject.name, record_id, values, user_id=self.org.user_id)
        return Response.empty(204)

    def upsert(self, request: Request, version: str, name: str, field: str, value: str) -> Response:
        sobject = self._sobject(name)
        result = self._upsert_one(request, sobject, field, value, request.json() or {})
        if not result["success"]:
            error = result["errors"][0]
            raise ApiError(400, error["statusCode"], error["message"], error.get("fields", []))
        return Response.json(201 if result["created"] else 200, result)

    def delete(self, request: Request, version: str, name: str, record_id: str) -> Response:
        sobject = self._sobject(name)
        self._existing(sobject, record_id)
        self.org.store.soft_delete(sobject.name, [record_id])
        return Response.empty(204)

    # ------------------------------------------------------------------------------------------
    # Composite sObject collections
    # ------------------------------------------------------------------------------------------

    def collection_write(self, request: Request, version: str) -> Response:
        """PATCH updates, POST creates: up to 200 records, one result per record."""
        body = request.json() or {}
        items = self._collection_items(body)
        creating = request.method == "POST"
        planned: list[tuple[SObject | None, str | None, dict | None, dict | None]] = []
        for item in items:
            planned.append(self._plan_collection_item(request, item, creating))
        return self._apply_collection(planned, bool(body.get("allOrNone")), creating)

    def collection_upsert(self, request: Request, version: str, name: str, field: str) -> Response:
        body = request.json() or {}
        items = self._collection_items(body)
        sobject = self._sobject(name)
        external = self._external_id_field(sobject, field)
        all_or_none = bool(body.get("allOrNone"))
        results = []
        for item in items:
            values = {k: v for k, v in item.items() if k != "attributes"}
            key = values.pop(external.name, None)
            if key is None:
                results.append(_failure("MISSING_ARGUMENT", f"{external.name} not specified", [external.name]))
                continue
            results.append(self._upsert_one(request, sobject, external.name, key, values, dry_run=all_or_none))
        if all_or_none:
            if any(not r["success"] for r in results):
                return Response.json(200, [_rolled_back(r) for r in results])
            results = [
                self._upsert_one(request, sobject, external.name,
                                 item.get(external.name), {k: v for k, v in item.items()
                                                           if k not in ("attributes", external.name)})
                for item in items
            ]
        return Response.json(200, results)

    def collection_get(self, request: Request, version: str, name: str) -> Response:
        sobject = self._sobject(name)
        ids = [i for i in (request.param("ids") or "").split(",") if i]
        fields = [f for f in (request.param("fields") or "").split(",") if f]
        if not ids or not fields:
            raise ApiError(400, "MISSING_ARGUMENT", "ids and fields are required")
        if len(ids) > 2000:
            raise ApiError(400, "EXCEEDED_ID_LIMIT", "Maximum number of ids allowed is 2000")
        for f in fields:
            self._field(sobject, f)
        out = []
        for record_id in ids:
            row = self.org.store.get(sobject.name, record_id)
            out.append(records.single_record(sobject, row, version, fields) if row else None)
        return Response.json(200, out)

    @staticmethod
    def _collection_items(body: dict) -> list[dict]:
        items = body.get("records")
        if not isinstance(items, list):
            raise ApiError(400, "JSON_PARSER_ERROR", "records is required and must be a list")
        if len(items) > MAX_COLLECTION_SIZE:
            raise ApiError(400, "EXCEEDED_ID_LIMIT",
                           f"Maximum number of records allowed in a single request: {MAX_COLLECTION_SIZE}")
        return items

    def _plan_collection_item(self, request: Request, item: dict, creating: bool):
        """Validate one record of a collection; returns (sobject, id, values, failure)."""
        record_id = item.get("id") or item.get("Id")
        try:
            type_name = (item.get("attributes") or {}).get("type")
            if not type_name:
                raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.")
            sobject = self._sobject(type_name)
            values = {k: v for k, v in item.items() if k not in ("attributes", "id", "Id")}
            if not creating:
                if not record_id:
                    raise ApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
                self._existing(sobject, record_id)
            typed = self._prepare(sobject, values, creating=creating)
            self._record_fault(request, sobject, record_id)
            return sobject, record_id, typed, None
        except ApiError as error:
            return None, record_id, None, _failure(error.error_code, error.message, error.fields, record_id)

    def _apply_collection(self, planned, all_or_none: bool, creating: bool) -> Response:
        if all_or_none and any(failure for *_, failure in planned):
            return Response.json(200, [
                failure or _rolled_back({"id": record_id}) for _, record_id, _, failure in planned
            ])
        results = []
        for sobject, record_id, values, failure in planned:
            if failure:
                results.append(failure)
            elif creating:
                new_id = self.org.store.insert(sobject.name, values, user_id=self.org.user_id)
                results.append({"id": new_id, "success": True, "errors": []})
            else:
                self.org.store.update(sobject.name, record_id, values, user_id=self.org.user_id)
                results.append({"id": record_id, "success": True, "errors": []})
        return Response.json(200, results)

    def _upsert_one(self, request: Request, sobject: SObject, field: str, key: Any, values: dict,
                    dry_run: bool = False) -> dict:
        try:
            external = self._external_id_field(sobject, field)
            matches = self.org.store.ids_by_field(sobject.name, external.name, key)
            if len(matches) > 1:
                raise ApiError(300, "DUPLICATE_EXTERNAL_ID",
                               f"{external.name}: more than one record found for external id field: {matches}")
            creating = not matches
            clean = {k: v for k, v in values.items() if k != "attributes"}
            typed = self._prepare(sobject, clean, creating=creating)
            record_id = matches[0] if matches else None
            self._record_fault(request, sobject, record_id)
            if dry_run:
                return {"id": record_id, "success": True, "errors": [], "created": creating}
            if creating:
                typed[external.name] = key
                record_id = self.org.store.insert(sobject.name, typed, user_id=self.org.user_id)
            else:
                self.org.store.update(sobject.name, record_id, typed, user_id=self.org.user_id)
            return {"id": record_id, "success": True, "errors": [], "created": creating}
        except ApiError as error:
            result = _failure(error.error_code, error.message, error.fields)
            result["created"] = False
            return result

    # ------------------------------------------------------------------------------------------
    # Validation shared by every write
    # ------------------------------------------------------------------------------------------

    def _prepare(self, sobject: SObject, values: dict, *, creating: bool) -> dict:
        """Check every field exists and may be written, and convert the JSON values, as Salesforce does."""
        typed: dict[str, Any] = {}
        refused = []
        for name, value in values.items():
            if name == "attributes":
                continue
            field = self._field(sobject, name)
            if field.calculated or not (field.createable if creating else field.updateable):
                refused.append(field.name)
                continue
            typed[field.name] = coerce_value(sobject, field, value)
        if refused:
            raise ApiError(
                400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(refused)}. Please check the security settings of "
                f"this field and verify that it is read/write for your profile or permission set.",
                refused,
            )
        return typed

    def _record_fault(self, request: Request, sobject: SObject, record_id: str | None) -> None:
        error = self.org.faults.record_error(request, sobject.name, record_id)
        if error is not None:
            raise error

    def _sobject(self, name: str) -> SObject:
        sobject = self.org.schema.get(name)
        if sobject is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return sobject

    @staticmethod
    def _field(sobject: SObject, name: str):
        field = sobject.field(name)
        if field is None:
            raise ApiError(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject.name}",
                           [name])
        return field

    def _external_id_field(self, sobject: SObject, name: str):
        field = self._field(sobject, name)
        if not (field.external_id or field.name == "Id"):
            raise ApiError(400, "INVALID_FIELD",
                           f"Field {field.name} is not an External ID or indexed field for {sobject.name}",
                           [field.name])
        return field

    def _existing(self, sobject: SObject, record_id: str) -> dict:
        row = self.org.store.get(sobject.name, record_id, include_deleted=True)
        if row is None:
            raise not_found()
        if row.get("IsDeleted"):
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        return row


def _failure(code: str, message: str, fields: list[str] | None = None, record_id: str | None = None) -> dict:
    result: dict[str, Any] = {"success": False,
                              "errors": [{"statusCode": code, "message": message, "fields": fields or []}]}
    if record_id:
        result["id"] = record_id
    return result


def _rolled_back(result: dict) -> dict:
    if not result.get("success", True) and result.get("errors"):
        return result
    out = _failure("ALL_OR_NONE_OPERATION_ROLLED_BACK",
                   "Record rolled back because not all records were valid and the request was using AllOrNone "
                   "header", [], result.get("id"))
    if "created" in result:
        out["created"] = False
    return out
