"""Record serialisation: query results as REST JSON records and as Bulk API 2.0 CSV.

Salesforce renders dates as ``2024-01-15``, datetimes as ``2024-01-15T10:20:30.000+0000`` in JSON and
``...000Z`` in bulk CSV, numbers as JSON numbers, and parent fields as nested objects (REST) or dotted
column headers (bulk). Conversion is column-wise with Arrow so a 50,000-row page stays cheap.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from orchestration.demo_org.schema import SObject


def record_url(sobject_name: str, record_id: str | None, version: str) -> str:
    return f"/services/data/v{version}/sobjects/{sobject_name}/{record_id}" if record_id else ""


def _json_column(array: pa.ChunkedArray | pa.Array, field_type: str) -> list[Any]:
    kind = array.type
    if pa.types.is_timestamp(kind):
        text = pc.strftime(array.cast(pa.timestamp("ms")), format="%Y-%m-%dT%H:%M:%S+0000")
        return text.to_pylist()
    if pa.types.is_date(kind):
        return array.cast(pa.string()).to_pylist()
    if pa.types.is_decimal(kind):
        values = array.cast(pa.float64()).to_pylist()
        if field_type == "int":
            return [None if v is None else int(v) for v in values]
        return values
    if pa.types.is_struct(kind):
        return [
            None if v is None or all(x is None for x in v.values())
            else {**v, "geocodeAccuracy": None, "latitude": None, "longitude": None}
            for v in array.to_pylist()
        ]
    return array.to_pylist()


def json_scalar(value: Any) -> Any:
    """One stored value as Salesforce writes it in JSON (for single-record GETs)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def single_record(sobject: SObject, row: dict, version: str, fields: Sequence[str] | None = None) -> dict:
    names = [sobject.field(f).name for f in fields] if fields else [f.name for f in sobject.fields]
    record: dict[str, Any] = {"attributes": {"type": sobject.name,
                                             "url": record_url(sobject.name, row.get("Id"), version)}}
    for name in names:
        field = sobject.field(name)
        if field.is_compound:
            parts = {p: row.get(p) for p in field.compound_of}
            record[name] = None if all(v is None for v in parts.values()) else {
                "street": parts[field.compound_of[0]], "city": parts[field.compound_of[1]],
                "state": parts[field.compound_of[2]], "postalCode": parts[field.compound_of[3]],
                "country": parts[field.compound_of[4]],
                "geocodeAccuracy": None, "latitude": None, "longitude": None,
            }
        else:
            record[name] = json_scalar(row.get(name))
    return record


def json_records(compiled, table: pa.Table, version: str) -> list[dict]:
    """REST query records: attributes first, parent relationships nested, in select-list order."""
    columns = [_json_column(table.column(f.alias), f.field.type) for f in compiled.fields]
    parent_ids = {prefix: table.column(alias).to_pylist() for prefix, alias in compiled.parent_ids}
    parent_types = {f.path[:depth]: f.owners[depth].name
                    for f in compiled.fields for depth in range(1, len(f.path))}
    root = compiled.sobject.name
    id_column = next((i for i, f in enumerate(compiled.fields) if f.path == ("Id",)), None)
    records = []
    for row in range(table.num_rows):
        record_id = columns[id_column][row] if id_column is not None else None
        record: dict[str, Any] = {"attributes": {"type": root, "url": record_url(root, record_id, version)}}
        for selected, values in zip(compiled.fields, columns, strict=True):
            target = record
            for depth in range(1, len(selected.path)):
                prefix = selected.path[:depth]
                hop = prefix[-1]
                if hop not in target:
                    parent_id = parent_ids[prefix][row]
                    target[hop] = None if parent_id is None else {"attributes": {
                        "type": parent_types[prefix], "url": record_url(parent_types[prefix], parent_id, version)}}
                target = target[hop]
                if target is None:
                    break
            if target is not None:
                target[selected.path[-1]] = values[row]
        records.append(record)
    return records


def _csv_column(array: pa.ChunkedArray | pa.Array) -> pa.Array:
    kind = array.type
    if pa.types.is_timestamp(kind):
        return pc.strftime(array.cast(pa.timestamp("ms")), format="%Y-%m-%dT%H:%M:%SZ")
    return array.cast(pa.string())


def csv_page(compiled, table: pa.Table) -> bytes:
    """Bulk API 2.0 CSV: dotted headers for parent fields, every value quoted, nulls empty."""
    text_table = pa.table(
        {f.label: _csv_column(table.column(f.alias)) for f in compiled.fields},
    )
    buffer = io.BytesIO()
    pacsv.write_csv(text_table, buffer, pacsv.WriteOptions(quoting_style="all_valid"))
    return buffer.getvalue()
