"""Which fields to extract for an object: everything describe() offers that a query can return.

Compound fields (addresses, geolocations) are skipped because their components are fields of their own
and Bulk API 2.0 refuses them; base64 fields cannot be bulk-queried either. Configured extra fields,
such as parent relationship paths (``Account.Name``), are added after checking the org knows them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from orchestration.warehouse.casting import COMPOUND_TYPES, UNSUPPORTED_TYPES, duckdb_type


@dataclass(frozen=True)
class FieldSpec:
    path: str            # what goes in the SOQL select list: "Amount" or "Account.Name"
    column: str          # the DuckDB column: the API name, or the path with dots as underscores
    sf_type: str
    duckdb_type: str

    @property
    def is_relationship_path(self) -> bool:
        return "." in self.path


@dataclass(frozen=True)
class FieldPlan:
    fields: tuple[FieldSpec, ...]
    skipped: tuple[str, ...]          # human-readable reasons, one per field not extracted

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields)

    def field(self, column: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.column == column), None)


def column_name(path: str) -> str:
    return path.replace(".", "_")


def plan_fields(describe: dict, extra_fields: Sequence[str] = (),
                describe_object: Callable[[str], dict] | None = None) -> FieldPlan:
    """The fields to select, in describe order, then the configured extras that the org resolves."""
    sobject = describe["name"]
    fields: list[FieldSpec] = []
    skipped: list[str] = []
    for field in describe["fields"]:
        kind = field["type"]
        if kind in COMPOUND_TYPES:
            skipped.append(f"{sobject}.{field['name']}: compound field; its components are extracted instead")
            continue
        if kind in UNSUPPORTED_TYPES:
            skipped.append(f"{sobject}.{field['name']}: {kind} fields cannot be extracted in bulk")
            continue
        fields.append(_spec(field["name"], field))
    seen = {f.path.lower() for f in fields}
    for extra in _unique(extra_fields):
        if extra.lower() in seen:
            continue
        resolved, problem = _resolve_path(describe, extra, describe_object)
        if problem:
            skipped.append(f"{sobject}.{extra}: configured extra field skipped: {problem}")
            continue
        fields.append(_spec(extra, resolved))
        seen.add(extra.lower())
    return FieldPlan(tuple(fields), tuple(skipped))


def _spec(path: str, field: dict) -> FieldSpec:
    kind = field["type"]
    return FieldSpec(path, column_name(path), kind,
                     duckdb_type(kind, field.get("precision") or 0, field.get("scale") or 0))


def _resolve_path(describe: dict, path: str, describe_object: Callable[[str], dict] | None):
    """Follow ``Parent.Field`` hops through describe(); returns (leaf field describe, problem)."""
    current = describe
    hops = path.split(".")
    for hop in hops[:-1]:
        reference = next((f for f in current["fields"]
                          if (f.get("relationshipName") or "").lower() == hop.lower()), None)
        if reference is None or not reference.get("referenceTo"):
            return None, f"'{hop}' is not a relationship of {current['name']} in this org"
        if describe_object is None:
            return {"name": path, "type": "string"}, None
        current = describe_object(reference["referenceTo"][0])
    leaf = next((f for f in current["fields"] if f["name"].lower() == hops[-1].lower()), None)
    if leaf is None:
        return None, f"no field '{hops[-1]}' on {current['name']} in this org"
    if leaf["type"] in COMPOUND_TYPES | UNSUPPORTED_TYPES:
        return None, f"{leaf['type']} fields cannot be extracted"
    return leaf, None


def _unique(values: Iterable[str]) -> list[str]:
    out, seen = [], set()
    for value in values:
        value = value.strip()
        if value and value.lower() not in seen:
            seen.add(value.lower())
            out.append(value)
    return out
