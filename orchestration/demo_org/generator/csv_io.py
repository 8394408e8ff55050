"""CSV files in the format of a Salesforce data export, written without Python loops over rows.

Each batch of rows is formatted column by column with Arrow compute (dates, ISO timestamps with
milliseconds and Z, plain decimals, quoting only where a value needs it, as Python's csv module does),
joined into one string per row, and the joined buffer is written as is: millions of rows take seconds.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo_org.generator.model import GeneratedOrg

BATCH_ROWS = 100_000
_NEEDS_QUOTES = r'[",\r\n]'
# Arrow writes decimals in plain notation only while the adjusted exponent stays >= -6.
_ARROW_PLAIN_SCALE = 6


def _format_column(array: pa.Array) -> pa.Array:
    """The column's CSV text (still null where the value is null)."""
    dtype = array.type
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        if len(array) == 0 or not pc.any(pc.match_substring_regex(array, _NEEDS_QUOTES)).as_py():
            return array
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(array, '"', '""'), '"', "")
        return pc.if_else(pc.match_substring_regex(array, _NEEDS_QUOTES), quoted, array)
    if pa.types.is_timestamp(dtype):
        # Arrow prints "2024-01-02 03:04:05.000" for milliseconds; Salesforce writes ISO with a T and Z.
        # (pc.strftime gives the same text but is ten times slower.)
        text = array.cast(pa.timestamp("ms"), safe=False).cast(pa.string())  # tz-aware: UTC values
        return pc.binary_join_element_wise(pc.replace_substring(text, " ", "T", max_replacements=1), "Z", "")
    if pa.types.is_decimal(dtype) and dtype.scale > _ARROW_PLAIN_SCALE:
        return pa.array([None if v is None else f"{Decimal(v):f}" for v in array.to_pylist()], pa.string())
    if pa.types.is_null(dtype):
        return pa.nulls(len(array), pa.string())
    return array.cast(pa.string())


def _batch_bytes(batch: pa.RecordBatch) -> memoryview:
    columns = [_format_column(array) for array in batch.columns]
    newline = pa.repeat(pa.scalar("\n"), batch.num_rows)
    rows = pc.binary_join_element_wise(*columns, ",", null_handling="replace", null_replacement="")
    rows = pc.binary_join_element_wise(rows, newline, "")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)[rows.offset : rows.offset + len(rows) + 1]
    return memoryview(rows.buffers()[2])[int(offsets[0]) : int(offsets[-1])]


def write_table_csv(table: pa.Table, path: Path) -> Path:
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(table.column_names)
    with path.open("wb") as handle:
        handle.write(header.getvalue().encode("utf-8"))
        for batch in table.to_batches(max_chunksize=BATCH_ROWS):
            if batch.num_rows:
                handle.write(_batch_bytes(batch))
    return path


def write_tables_csv(tables: dict[str, pa.Table], out_dir: Path) -> list[Path]:
    """One ``<ApiName>.csv`` per table: header = column names, null = empty field, UTF-8, "\\n" line ends."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write_table_csv(table, out_dir / f"{name}.csv") for name, table in tables.items()]


def write_csv_dir(org: GeneratedOrg, out_dir: Path) -> list[Path]:
    """The org as a CSV directory DemoOrg.from_csv_dir can load, plus ``_manifest.json`` describing it."""
    out_dir = Path(out_dir)
    paths = write_tables_csv(org.tables, out_dir)
    manifest = {
        "seed": org.seed,
        "scale": org.scale,
        "reference_date": org.reference_date.isoformat(),
        "billing_package": "blng__Invoice__c" in org.tables,
        "row_counts": {name: table.num_rows for name, table in org.tables.items()},
        "planted": [asdict(issue) for issue in org.planted],
    }
    manifest_path = out_dir / "_manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return [*paths, manifest_path]
