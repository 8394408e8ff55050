"""Salesforce field types as DuckDB column types, and the SQL that turns API text into them.

Extraction keeps every value as text until it reaches DuckDB, then casts with TRY_CAST so a value that
does not fit becomes NULL in that one cell and is reported, instead of failing the whole load.
"""

from __future__ import annotations

TEXT_TYPES = frozenset({
    "id", "reference", "string", "textarea", "picklist", "multipicklist", "combobox", "email", "phone", "url",
    "encryptedstring", "anyType",
})
NUMBER_TYPES = frozenset({"currency", "double", "percent"})
COMPOUND_TYPES = frozenset({"address", "location"})
UNSUPPORTED_TYPES = frozenset({"base64"})


def duckdb_type(sf_type: str, precision: int = 0, scale: int = 0) -> str:
    """The DuckDB type for a Salesforce field; money and quantities stay exact as DECIMAL."""
    if sf_type == "boolean":
        return "BOOLEAN"
    if sf_type == "int":
        return "BIGINT"
    if sf_type in NUMBER_TYPES:
        if 0 < precision <= 38 and 0 <= scale <= precision:
            return f"DECIMAL({precision},{scale})"
        return "DOUBLE"
    if sf_type == "date":
        return "DATE"
    if sf_type == "datetime":
        return "TIMESTAMP"
    if sf_type == "time":
        return "TIME"
    return "VARCHAR"


def cast_text_sql(column_sql: str, target_type: str) -> str:
    """SQL turning text into ``target_type``; NULL when the text is empty or does not fit."""
    if target_type == "VARCHAR":
        return f"nullif({column_sql}, '')"
    text = f"nullif(trim({column_sql}), '')"
    if target_type == "TIMESTAMP":
        # Salesforce writes +0000 in JSON and Z in bulk CSV; both are UTC, stored without a zone.
        return f"(try_cast({text} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"
    return f"try_cast({text} AS {target_type})"
