"""Numpy arrays in, Arrow columns of the schema's storage types out.

The generator computes everything as numpy arrays (integer codes, float money, datetime64 dates) and only
turns them into Arrow at the end, building the buffers directly where pyarrow's own conversion would go
through Python objects: at a million opportunities that is the difference between seconds and minutes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo_org.schema import Field, SObject
from orchestration.salesforce.ids import make_ids

_ID_CHUNK = 500_000


def arrow_type(f: Field) -> pa.DataType:
    storage = f.storage_type()
    if storage == "VARCHAR":
        return pa.string()
    if storage == "BOOLEAN":
        return pa.bool_()
    if storage == "INTEGER":
        return pa.int32()
    if storage == "DATE":
        return pa.date32()
    if storage == "TIMESTAMP":
        return pa.timestamp("us")
    match = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", storage)
    if match:
        return pa.decimal128(int(match.group(1)), int(match.group(2)))
    raise ValueError(f"{f.name}: no Arrow type for {storage}")


# ---------------------------------------------------------------------------------------------
# Strings
# ---------------------------------------------------------------------------------------------


def id_array(key_prefix: str, count: int, start: int = 1) -> pa.Array:
    """Ids of records numbered ``start`` onwards; chunked so millions never sit in one Python list."""
    chunks = [
        pa.array(make_ids(key_prefix, first, min(_ID_CHUNK, start + count - first)), pa.string())
        for first in range(start, start + count, _ID_CHUNK)
    ]
    return pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())


def take(values: pa.Array | Sequence[str], index: np.ndarray) -> pa.Array:
    """``values[index]`` with index -1 meaning null: references and picklists from integer codes."""
    if not isinstance(values, pa.Array):
        values = pa.array(list(values), pa.string())
    index = np.asarray(index, dtype=np.int64)
    missing = index < 0
    positions = pa.array(np.where(missing, 0, index), mask=missing if missing.any() else None)
    return values.take(positions)


def sparse_strings(n: int, values: Mapping[int, str]) -> pa.Array:
    """A mostly-null string column with a handful of set rows."""
    codes = np.full(n, -1, dtype=np.int64)
    vocabulary = list(values.values())
    codes[list(values.keys())] = np.arange(len(vocabulary))
    return take(vocabulary, codes)


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and constants (a null part makes the result null)."""
    length = next(len(p) for p in parts if not isinstance(p, str))
    arrays = [pa.repeat(pa.scalar(p), length) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*arrays, "")


def numbered(prefix: str, width: int, numbers: np.ndarray) -> pa.Array:
    """Auto-number values such as INV-0000123."""
    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0")
    return join(prefix, digits) if prefix else digits


def int_strings(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64)).cast(pa.string())


# ---------------------------------------------------------------------------------------------
# Typed columns
# ---------------------------------------------------------------------------------------------


def _validity(valid: np.ndarray | None) -> tuple[pa.Buffer | None, int]:
    if valid is None or valid.all():
        return None, 0
    return pa.py_buffer(np.packbits(valid, bitorder="little")), int((~valid).sum())


def decimals(values: np.ndarray, dtype: pa.Decimal128Type) -> pa.Array:
    """Float values (NaN = null) rounded half away from zero to the column's scale, built buffer-first."""
    values = np.asarray(values, dtype=np.float64)
    valid = ~np.isnan(values)
    scaled = np.where(valid, values, 0.0) * 10.0**dtype.scale
    unscaled = (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int64)
    words = np.empty((len(values), 2), dtype=np.int64)
    words[:, 0] = unscaled
    words[:, 1] = unscaled >> 63
    bitmap, nulls = _validity(valid)
    return pa.Array.from_buffers(dtype, len(values), [bitmap, pa.py_buffer(words)], null_count=nulls)


def dates(values: np.ndarray) -> pa.Array:
    values = np.asarray(values, dtype="datetime64[D]")
    missing = np.isnat(values)
    days = values.astype(np.int64).astype(np.int32)
    return pa.array(days, mask=missing if missing.any() else None).view(pa.date32())


def timestamps(values: np.ndarray) -> pa.Array:
    values = np.asarray(values, dtype="datetime64[us]")
    missing = np.isnat(values)
    micros = values.astype(np.int64)
    return pa.array(micros, mask=missing if missing.any() else None).view(pa.timestamp("us"))


def integers(values: np.ndarray) -> pa.Array:
    values = np.asarray(values)
    if values.dtype.kind == "f":
        missing = np.isnan(values)
        return pa.array(
            np.where(missing, 0, values).astype(np.int32), mask=missing if missing.any() else None
        )
    return pa.array(values.astype(np.int32))


def empty(dtype: pa.DataType, n: int) -> pa.Array:
    """An all-null column on calloc'ed zero buffers, which take no memory until written.

    Columns the pipeline writes back later (ARR, recognised to date ...) are empty on millions of rows;
    pa.nulls would fill real memory with their zeros.
    """
    bitmap = pa.py_buffer(np.zeros((n + 7) // 8, dtype=np.uint8))
    if pa.types.is_string(dtype):
        return pa.Array.from_buffers(
            dtype, n, [bitmap, pa.py_buffer(np.zeros(n + 1, dtype=np.int32)), pa.py_buffer(b"")], null_count=n
        )
    width = dtype.bit_width // 8
    return pa.Array.from_buffers(
        dtype, n, [bitmap, pa.py_buffer(np.zeros(n * width, dtype=np.uint8))], null_count=n
    )


def to_arrow(f: Field, value: Any, n: int) -> pa.Array:
    """One column for field ``f``: None is all-null (all-false for booleans), scalars are repeated."""
    dtype = arrow_type(f)
    if value is None:
        return pa.repeat(pa.scalar(False), n) if dtype == pa.bool_() else empty(dtype, n)
    if isinstance(value, pa.ChunkedArray):
        value = value.combine_chunks()
    if isinstance(value, pa.Array):
        return value if value.type == dtype else value.cast(dtype)
    if not isinstance(value, np.ndarray):
        return pa.repeat(pa.scalar(value, dtype), n)
    if pa.types.is_decimal(dtype):
        return decimals(value, dtype)
    if dtype == pa.date32():
        return dates(value)
    if dtype == pa.timestamp("us"):
        return timestamps(value)
    if dtype == pa.int32():
        return integers(value)
    if dtype == pa.bool_():
        return pa.array(value.astype(bool))
    return pa.array(value, pa.string())


def build_table(sobject: SObject, n: int, values: dict[str, Any], billing: bool = True) -> pa.Table:
    """The table of ``sobject``'s stored fields in schema order; checks what the schema promises.

    Columns of the Billing package are dropped without complaint when the org lacks it, so the steps
    need not know which org they build; any other name the schema does not know is a bug and raises.
    """
    values = dict(values)
    columns = {}
    for f in sobject.stored_fields():
        array = to_arrow(f, values.pop(f.name, None), n)
        if len(array) != n:
            raise ValueError(f"{sobject.name}.{f.name}: {len(array)} values for {n} rows")
        if not f.nillable and array.null_count:
            raise ValueError(f"{sobject.name}.{f.name} is not nillable but has {array.null_count} nulls")
        columns[f.name] = array
    unknown = [name for name in values if billing or not name.startswith("blng__")]
    if unknown:
        raise ValueError(f"{sobject.name}: not stored fields: {unknown}")
    return pa.table(columns)
