"""Pull one object's records into a Parquet spool file, through REST pages or Bulk API 2.0.

Values stay text end to end (numbers arrive as their JSON text because the client parses floats as
strings) so nothing is rounded on the way; DuckDB casts them once, when loading. Pages are written to
the spool as they arrive, so memory stays flat however large the object is, and nothing reaches the
warehouse until the whole extract has succeeded.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from orchestration.salesforce.client import SalesforceClient
from orchestration.salesforce.fields import FieldSpec

T = TypeVar("T")


@dataclass(frozen=True)
class ExtractStats:
    rows: int
    pages: int
    method: str          # "rest" or "bulk"
    path: Path


def soql_datetime(value: datetime) -> str:
    """A SOQL datetime literal (UTC)."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def build_soql(api_name: str, paths: Sequence[str], since: datetime | None = None) -> str:
    """SELECT … FROM … [WHERE SystemModstamp >= since]. ``since`` is a datetime, never user text."""
    soql = f"SELECT {', '.join(paths)} FROM {api_name}"
    if since is not None:
        soql += f" WHERE SystemModstamp >= {soql_datetime(since)}"
    return soql


def count_soql(api_name: str, since: datetime | None = None) -> str:
    soql = f"SELECT COUNT() FROM {api_name}"
    if since is not None:
        soql += f" WHERE SystemModstamp >= {soql_datetime(since)}"
    return soql


def _value_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lookup(record: dict, path: str):
    value = record
    for hop in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(hop)
    return value


def rest_page_to_arrow(records: Iterable[dict], fields: Sequence[FieldSpec]) -> pa.Table:
    """JSON records (with nested parent objects) as an all-text Arrow table, one column per field."""
    records = list(records)
    columns = {}
    for field in fields:
        if field.is_relationship_path:
            values = [_value_text(_lookup(r, field.path)) for r in records]
        else:
            name = field.path
            values = [_value_text(r.get(name)) for r in records]
        columns[field.column] = pa.array(values, pa.string())
    return pa.table(columns)


def bulk_page_to_arrow(csv_text: str, fields: Sequence[FieldSpec]) -> pa.Table:
    """A Bulk API 2.0 CSV page as an all-text Arrow table; headers are field paths like ``Account.Name``."""
    data = csv_text.encode("utf-8")
    if not data.strip():
        return pa.table({f.column: pa.array([], pa.string()) for f in fields})
    read = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(block_size=64 << 20),
        convert_options=pacsv.ConvertOptions(
            column_types={f.path: pa.string() for f in fields},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    by_header = {name.lower(): name for name in read.column_names}
    columns = {}
    for field in fields:
        header = by_header.get(field.path.lower())
        columns[field.column] = (read.column(header) if header is not None
                                 else pa.nulls(read.num_rows, pa.string()))
    return pa.table(columns)


class SpoolWriter:
    """Append Arrow pages to one Parquet file; the file exists only once the extract is complete."""

    def __init__(self, path: Path, fields: Sequence[FieldSpec]) -> None:
        self.path = path
        self.schema = pa.schema([(f.column, pa.string()) for f in fields])
        self._partial = path.with_suffix(".partial")
        # Snappy: the spool lives for one load, so writing and reading it fast matters more than its size.
        self._writer = pq.ParquetWriter(self._partial, self.schema, compression="snappy")
        self.rows = 0
        self.pages = 0

    def write(self, page: pa.Table) -> None:
        if page.num_rows:
            self._writer.write_table(page.select(self.schema.names).cast(self.schema))
        self.rows += page.num_rows
        self.pages += 1

    def commit(self) -> Path:
        self._writer.close()
        self._partial.replace(self.path)
        return self.path

    def abort(self) -> None:
        self._writer.close()
        self._partial.unlink(missing_ok=True)


_DONE = object()


def prefetched(pages: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield ``pages`` while the next ones are already being fetched on a background thread.

    Requests are sequential (each page's locator comes with the one before), so without this the org
    renders a page while we wait, then waits while we parse it. Overlapping the two nearly halves the time
    of a large extract. Errors from the fetching side are raised here, in order, after the pages before them.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def fetch() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        buffer.put((page, None), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put((_DONE, None))
        except BaseException as error:  # handed to the consumer, which re-raises it
            buffer.put((_DONE, error))

    worker = threading.Thread(target=fetch, name="extract-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            page, error = buffer.get()
            if error is not None:
                raise error
            if page is _DONE:
                return
            yield page
    finally:
        stop.set()
        worker.join(timeout=30)
        close = getattr(pages, "close", None)
        if close is not None and not worker.is_alive():
            close()


def extract_to_spool(client: SalesforceClient, api_name: str, soql: str, fields: Sequence[FieldSpec],
                     path: Path, *, use_bulk: bool, include_deleted: bool = True,
                     progress: Callable[[int], None] | None = None, bulk_page_size: int = 50_000) -> ExtractStats:
    spool = SpoolWriter(path, fields)
    label = f"extract {api_name}"
    try:
        if use_bulk:
            for csv_text in prefetched(client.bulk_query_pages(soql, include_deleted=include_deleted,
                                                               label=label, page_size=bulk_page_size)):
                spool.write(bulk_page_to_arrow(csv_text, fields))
                if progress:
                    progress(spool.rows)
        else:
            for records in prefetched(client.query_pages(soql, include_deleted=include_deleted, label=label)):
                spool.write(rest_page_to_arrow(records, fields))
                if progress:
                    progress(spool.rows)
    except BaseException:
        spool.abort()
        raise
    return ExtractStats(spool.rows, spool.pages, "bulk" if use_bulk else "rest", spool.commit())
