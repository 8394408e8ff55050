"""The demo org's records, kept in an in-memory DuckDB database.

DuckDB lets the emulator answer SOQL over millions of rows as SQL instead of Python loops. Each sObject
is a table of its stored fields in schema ``data``; a view of the same name in ``main`` adds the
calculated (formula) fields, so queries see exactly the fields describe() reports.
"""

from __future__ import annotations

import csv
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from orchestration.demo_org.errors import ApiError
from orchestration.demo_org.schema import CORPORATE_CURRENCY, Field, OrgSchema, SObject, build_schema
from orchestration.salesforce.ids import make_ids
from orchestration.warehouse.casting import cast_text_sql

log = logging.getLogger(__name__)

# Records created through the API are numbered from here, far above anything the generator uses.
_FIRST_API_RECORD_NUMBER = 62**8


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def utc_now() -> datetime:
    """Salesforce timestamps have millisecond precision and are UTC."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class LoadIssue:
    """A value in a CSV directory that the org could not store: named so the user can fix the file."""

    sobject: str
    record_id: str | None
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.sobject} {self.record_id or '(no Id)'} field {self.field}: {self.message} ({self.value!r})"


class OrgStore:
    """Thread-safe record storage for one emulated org."""

    def __init__(self, schema: OrgSchema | None = None) -> None:
        self.schema = schema or build_schema()
        self._lock = threading.RLock()
        self._con = duckdb.connect(":memory:")
        self._con.execute("SET TimeZone = 'UTC'")
        self._con.execute("CREATE SCHEMA data")
        self._next_number: dict[str, int] = {}
        for sobject in self.schema:
            columns = ", ".join(f"{quote(f.name)} {f.storage_type()}" for f in sobject.stored_fields())
            self._con.execute(f"CREATE TABLE data.{quote(sobject.name)} ({columns}, PRIMARY KEY (\"Id\"))")
        self._create_views(list(self.schema))

    def _create_views(self, sobjects: list[SObject]) -> None:
        """One view per object; formulas read other objects' stored columns from ``data``, never views."""
        for sobject in sobjects:
            name = quote(sobject.name)
            formulas = "".join(f", ({f.formula}) AS {quote(f.name)}" for f in sobject.fields if f.calculated)
            self._con.execute(f"CREATE VIEW main.{name} AS SELECT {name}.*{formulas} FROM data.{name} AS {name}")

    # ------------------------------------------------------------------------------------------
    # Loading
    # ------------------------------------------------------------------------------------------

    def load_tables(self, tables: Mapping[str, pa.Table]) -> None:
        """Bulk-load generated Arrow tables (columns named after stored fields)."""
        with self._lock:
            for name, table in tables.items():
                sobject = self._require(name)
                self._con.register("_incoming", table)
                try:
                    self._con.execute(
                        f"INSERT INTO data.{quote(sobject.name)} BY NAME SELECT * FROM _incoming"
                    )
                finally:
                    self._con.unregister("_incoming")

    def load_csv_dir(self, directory: Path) -> list[LoadIssue]:
        """Load ``<ApiName>.csv`` files; values that do not fit their field are reported, not guessed.

        A bad cell loses only that cell: the record is kept with the field empty and the problem is
        returned (and logged) naming the object, the record Id and the field.
        """
        directory = Path(directory)
        if not directory.is_dir():
            raise FileNotFoundError(f"demo org directory not found: {directory}")
        files = {p.stem.lower(): p for p in directory.glob("*.csv") if not p.name.startswith("_")}
        issues: list[LoadIssue] = []
        for stem, path in sorted(files.items()):
            sobject = self.schema.get(stem)
            if sobject is None:
                log.warning("ignoring %s: no sObject named %s in the demo org", path.name, path.stem)
                continue
            issues.extend(self._load_csv(sobject, path))
        for issue in issues:
            log.warning("demo org data: %s", issue)
        return issues

    def _load_csv(self, sobject: SObject, path: Path) -> list[LoadIssue]:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
        known: dict[str, Field] = {}
        for column in header:
            field = sobject.field(column)
            if field is None:
                log.warning("%s: column %r is not a field of %s; ignored", path.name, column, sobject.name)
            elif field.stored:
                known[column] = field
        with self._lock:
            raw = self._con.sql(
                "SELECT * FROM read_csv(?, header = true, all_varchar = true, quote = '\"', escape = '\"')",
                params=[str(path)],
            ).to_arrow_table()
            if raw.num_rows == 0:
                return []
            self._con.register("_raw", raw)
            try:
                issues = self._csv_issues(sobject, known)
                columns, expressions = self._csv_projection(sobject, known, raw.num_rows)
                self._con.execute(
                    f"INSERT INTO data.{quote(sobject.name)} ({', '.join(map(quote, columns))}) "
                    f"SELECT {', '.join(expressions)} FROM (SELECT *, row_number() OVER () AS _row FROM _raw)"
                )
            finally:
                self._con.unregister("_raw")
        return issues

    def _csv_issues(self, sobject: SObject, known: dict[str, Field]) -> list[LoadIssue]:
        id_column = next((c for c, f in known.items() if f.name == "Id"), None)
        issues = []
        for column, field in known.items():
            if field.storage_type() == "VARCHAR":
                continue
            rows = self._con.execute(
                f"SELECT {quote(id_column) if id_column else 'NULL'}, {quote(column)} FROM _raw "
                f"WHERE {quote(column)} <> '' AND {cast_text_sql(quote(column), field.storage_type())} IS NULL"
            ).fetchall()
            issues.extend(
                LoadIssue(sobject.name, rid, field.name, value, f"not a valid {field.type}")
                for rid, value in rows
            )
        return issues

    def _csv_projection(self, sobject: SObject, known: dict[str, Field], row_count: int):
        """Column list and SQL expressions that turn CSV text into typed values, filling system fields."""
        by_field = {f.name: c for c, f in known.items()}
        now = utc_now().isoformat(sep=" ")
        columns, expressions = [], []
        for field in sobject.stored_fields():
            column = by_field.get(field.name)
            expression = f"{cast_text_sql(quote(column), field.storage_type())}" if column else "NULL"
            if field.name == "Id":
                first = self._reserve_numbers(sobject, row_count)
                prefix = sobject.key_prefix
                fallback = f"{_sql_id_expr(prefix, first)}"
                expression = f"coalesce(nullif({quote(column)}, ''), {fallback})" if column else fallback
            elif field.type == "boolean":
                expression = f"coalesce({expression}, false)"
            elif field.name in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
                expression = f"coalesce({expression}, TIMESTAMP '{now}')"
            columns.append(field.name)
            expressions.append(expression)
        return columns, expressions

    # ------------------------------------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------------------------------------

    def query(self, sql: str, params: Iterable[Any] = ()) -> pa.Table:
        with self._lock:
            return self._con.sql(sql, params=list(params) or None).to_arrow_table()

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        with self._lock:
            rows = self._con.execute(sql, list(params)).fetchall()
        return rows[0][0] if rows else None

    def get(self, sobject_name: str, record_id: str, *, include_deleted: bool = False) -> dict | None:
        """One record with every field (formula fields evaluated), or None."""
        sobject = self._require(sobject_name)
        deleted = "" if include_deleted or not sobject.has_is_deleted else ' AND NOT "IsDeleted"'
        rows = self.query(f"SELECT * FROM main.{quote(sobject.name)} WHERE \"Id\" = ?{deleted}", [record_id])
        return rows.to_pylist()[0] if rows.num_rows else None

    def ids_by_field(self, sobject_name: str, field_name: str, value: Any) -> list[str]:
        sobject = self._require(sobject_name)
        field = self._require_field(sobject, field_name)
        deleted = ' AND NOT "IsDeleted"' if sobject.has_is_deleted else ""
        rows = self.query(
            f"SELECT \"Id\" FROM data.{quote(sobject.name)} WHERE {quote(field.name)} = ?{deleted}", [value]
        )
        return rows.column("Id").to_pylist()

    def count(self, sobject_name: str, *, include_deleted: bool = False) -> int:
        sobject = self._require(sobject_name)
        where = "" if include_deleted or not sobject.has_is_deleted else ' WHERE NOT "IsDeleted"'
        return int(self.scalar(f"SELECT count(*) FROM data.{quote(sobject.name)}{where}"))

    def export_csv_dir(self, directory: Path) -> list[Path]:
        """Write every object as ``<ApiName>.csv`` in the format ``load_csv_dir`` reads back."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        with self._lock:
            for sobject in self.schema:
                path = directory / f"{sobject.name}.csv"
                self._con.execute(
                    f"COPY (SELECT * FROM data.{quote(sobject.name)} ORDER BY \"Id\") TO '{path}' "
                    "(HEADER, DELIMITER ',', QUOTE '\"', TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%S.%gZ', "
                    "DATEFORMAT '%Y-%m-%d')"
                )
                paths.append(path)
        return paths

    def table(self, sobject_name: str) -> pa.Table:
        """Every stored row of an object, deleted ones included (for tests and CSV export)."""
        sobject = self._require(sobject_name)
        return self.query(f"SELECT * FROM data.{quote(sobject.name)} ORDER BY \"Id\"")

    # ------------------------------------------------------------------------------------------
    # Writing
    # ------------------------------------------------------------------------------------------

    def insert(self, sobject_name: str, values: Mapping[str, Any], *, user_id: str | None = None) -> str:
        sobject = self._require(sobject_name)
        typed = {self._require_field(sobject, k).name: v for k, v in values.items()}
        # Salesforce fills these on create (defaultedOnCreate): the running user and the corporate currency.
        if sobject.field("OwnerId") is not None and user_id and typed.get("OwnerId") in (None, ""):
            typed["OwnerId"] = user_id
        if sobject.field("CurrencyIsoCode") is not None and sobject.field("CurrencyIsoCode").stored \
                and typed.get("CurrencyIsoCode") in (None, ""):
            typed["CurrencyIsoCode"] = CORPORATE_CURRENCY
        missing = [
            f.name for f in sobject.stored_fields()
            if not f.nillable and f.createable and f.type != "boolean" and typed.get(f.name) in (None, "")
        ]
        if missing:
            raise ApiError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]",
                           missing)
        with self._lock:
            record_id = make_ids(sobject.key_prefix, self._reserve_numbers(sobject, 1), 1)[0]
            now = utc_now()
            row: dict[str, Any] = {f.name: False for f in sobject.stored_fields() if f.type == "boolean"}
            row.update(typed)
            row.update({"Id": record_id, "CreatedDate": now, "LastModifiedDate": now, "SystemModstamp": now})
            if user_id:
                row.update({"CreatedById": user_id, "LastModifiedById": user_id})
            for field in sobject.stored_fields():
                if field.auto_number and field.name not in row:
                    row[field.name] = self._next_auto_number(sobject, field)
            row = {k: v for k, v in row.items() if sobject.field(k) is not None and sobject.field(k).stored}
            names = list(row)
            self._con.execute(
                f"INSERT INTO data.{quote(sobject.name)} ({', '.join(map(quote, names))}) "
                f"VALUES ({', '.join('?' for _ in names)})",
                [row[n] for n in names],
            )
        return record_id

    def update(self, sobject_name: str, record_id: str, values: Mapping[str, Any], *,
               user_id: str | None = None, touch: bool = True) -> None:
        """Write field values and, like Salesforce, move LastModifiedDate and SystemModstamp forward."""
        sobject = self._require(sobject_name)
        assignments = {self._require_field(sobject, k).name: v for k, v in values.items()}
        if touch:
            now = utc_now()
            assignments.update({"LastModifiedDate": now, "SystemModstamp": now})
            if user_id:
                assignments["LastModifiedById"] = user_id
        if not assignments:
            return
        sets = ", ".join(f"{quote(k)} = ?" for k in assignments)
        with self._lock:
            self._con.execute(
                f"UPDATE data.{quote(sobject.name)} SET {sets} WHERE \"Id\" = ?",
                [*assignments.values(), record_id],
            )

    def soft_delete(self, sobject_name: str, record_ids: Iterable[str]) -> int:
        """Move records to the recycle bin: queryAll still returns them with IsDeleted = true."""
        sobject = self._require(sobject_name)
        if not sobject.has_is_deleted:
            raise ApiError(400, "INVALID_OPERATION", f"{sobject.name} records cannot be deleted")
        ids = list(record_ids)
        now = utc_now()
        with self._lock:
            before = self.count(sobject.name)
            self._con.execute(
                f"UPDATE data.{quote(sobject.name)} SET \"IsDeleted\" = true, \"SystemModstamp\" = ?, "
                f"\"LastModifiedDate\" = ? WHERE \"Id\" IN (SELECT unnest(?::VARCHAR[])) AND NOT \"IsDeleted\"",
                [now, now, ids],
            )
            return before - self.count(sobject.name)

    def hard_delete(self, sobject_name: str, record_ids: Iterable[str]) -> int:
        """Purge records for good (emptied recycle bin): they vanish even from queryAll."""
        sobject = self._require(sobject_name)
        ids = list(record_ids)
        with self._lock:
            before = self.count(sobject.name, include_deleted=True)
            self._con.execute(
                f"DELETE FROM data.{quote(sobject.name)} WHERE \"Id\" IN (SELECT unnest(?::VARCHAR[]))", [ids]
            )
            return before - self.count(sobject.name, include_deleted=True)

    def touch(self, sobject_name: str, record_ids: Iterable[str], changes: Mapping[str, str] | None = None) -> None:
        """Bump SystemModstamp, as a trigger or workflow update would; with ``changes`` (field name → SQL
        expression over the record's fields, from our own code) also change those fields, as an edit would."""
        sobject = self._require(sobject_name)
        assignments = "".join(f", {quote(self._require_field(sobject, name).name)} = {expression}"
                              for name, expression in (changes or {}).items())
        now = utc_now()
        with self._lock:
            self._con.execute(
                f"UPDATE data.{quote(sobject.name)} SET \"SystemModstamp\" = ?{assignments} "
                f"WHERE \"Id\" IN (SELECT unnest(?::VARCHAR[]))",
                [now, list(record_ids)],
            )

    # ------------------------------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------------------------------

    def _require(self, name: str) -> SObject:
        sobject = self.schema.get(name)
        if sobject is None:
            raise ApiError(404, "NOT_FOUND", f"The requested resource does not exist: sObject type '{name}'")
        return sobject

    @staticmethod
    def _require_field(sobject: SObject, name: str) -> Field:
        field = sobject.field(name)
        if field is None:
            raise ApiError(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject.name}",
                           [name])
        return field

    def _reserve_numbers(self, sobject: SObject, count: int) -> int:
        first = self._next_number.get(sobject.name, _FIRST_API_RECORD_NUMBER)
        self._next_number[sobject.name] = first + count
        return first

    def _next_auto_number(self, sobject: SObject, field: Field) -> str:
        current = self.scalar(f"SELECT max({quote(field.name)}) FROM data.{quote(sobject.name)}")
        prefix = "".join(ch for ch in (current or "") if not ch.isdigit())
        digits = "".join(ch for ch in (current or "") if ch.isdigit()) or "0"
        return f"{prefix}{int(digits) + 1:0{max(len(digits), 8)}d}"


def _sql_id_expr(prefix: str, first_number: int) -> str:
    """Ids for CSV rows that arrive without one, in SQL so a large file needs no Python loop."""
    # Ids from this path are 15-character numbers padded with zeros; case-safe suffix 'AAA' is then exact.
    return f"'{prefix}Dm0' || lpad(CAST({first_number} + _row AS VARCHAR), 9, '0') || 'AAA'"


def coerce_value(sobject: SObject, field: Field, value: Any) -> Any:
    """Turn a JSON value from an API write into the stored Python value, or raise Salesforce's error."""
    if value is None or value == "":
        return None
    kind = field.type
    try:
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise ValueError
        if kind in ("currency", "double", "percent"):
            if isinstance(value, bool):
                raise ValueError
            number = Decimal(str(value))
            return number.quantize(Decimal(1).scaleb(-field.scale)) if field.scale else number.to_integral()
        if kind == "int":
            if isinstance(value, bool) or Decimal(str(value)) != int(Decimal(str(value))):
                raise ValueError
            return int(Decimal(str(value)))
        if kind == "date":
            return date.fromisoformat(str(value))
        if kind == "datetime":
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(UTC).replace(tzinfo=None)
            return parsed
    except (ValueError, InvalidOperation, TypeError):
        raise ApiError(
            400, "JSON_PARSER_ERROR",
            f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} or request may be "
            f"missing a required field",
        ) from None
    text = str(value)
    if field.length and len(text) > field.length:
        raise ApiError(400, "STRING_TOO_LONG",
                       f"{field.label}: data value too large: {text[:40]} (max length={field.length})",
                       [field.name])
    return text
