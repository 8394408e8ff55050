"""A pandas baseline for the revenue recognition schedule, to measure the dbt SQL model against.

The claim worth benchmarking is not "SQL is fast" but "the SQL model beats what an analyst would otherwise
write", so this is the straightforward vectorised pandas version of int_recognition__schedule for the
daily-rate and per-month Equal Split templates — and it must produce the same cents, or the timing means
nothing. Everything is integer minor units (no float ever touches an amount), rounded by the running total
half away from zero, exactly as the SQL and spec §1.2-1.3 / Appendix A prescribe.

    python -m orchestration.benchmark.pandas_baseline [path/to/revenue.duckdb]
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Only templates whose SQL weights are reproduced here and proven equal on a built warehouse. The Months/PP
# variants need per-line first/last-period shape and 445 needs the fiscal calendar; they would make the
# baseline less "straightforward" without changing what the benchmark shows.
TEMPLATES: tuple[str, ...] = ("Equal Split Days", "Equal Split Months")

ROUNDING_MODES: tuple[str, ...] = ("cumulative", "last_remainder")

KEYS: list[str] = ["source_object", "source_id", "period_start", "period_end"]
AMOUNTS: list[str] = ["revenue_units", "cost_units", "revenue_corporate_units", "cost_corporate_units"]

SOURCE_LINES = "intermediate.int_recognition__source_lines"
SQL_SCHEDULE = "intermediate.int_recognition__schedule"


def _half_up_div(numerator: np.ndarray, denominator: np.ndarray | int) -> np.ndarray:
    """round(n / d) half away from zero in integers, the SQL half_up_div macro: a float division would
    misround exact halves (and lose cents on large totals)."""
    return np.sign(numerator) * ((2 * np.abs(numerator) + denominator) // (2 * denominator))


def _scaled_int(column: pa.ChunkedArray, scale: int) -> pa.ChunkedArray:
    """A DECIMAL column as an exact int64 of 10**-scale units: multiplying the decimal in Arrow keeps it
    exact, where pandas would hand back Python Decimal objects (slow) or floats (inexact)."""
    return pc.multiply(column, pa.scalar(10**scale, pa.int64())).cast(pa.int64())


def _to_units(cents: np.ndarray, decimal_places: np.ndarray) -> np.ndarray:
    """Cents to the currency's minor units as the to_minor_units macro does (0 and 1 decimals rounded half
    up, anything else kept as cents), so a JPY 364.50 is 365 here as it is in SQL."""
    return np.select(
        [decimal_places == 0, decimal_places == 1],
        [_half_up_div(cents, 100), _half_up_div(cents, 10)],
        cents,
    )


def load_inputs(con: Any) -> pd.DataFrame:
    """The lines the SQL schedule starts from, taken from the very table it reads, so a mismatch can only
    come from the schedule logic. Amounts arrive as integer cents and the rate as integer millionths
    (nullable Int64: a line without an FX rate has no corporate amounts), dates as datetime64."""
    templates = ", ".join("'" + template.replace("'", "''") + "'" for template in TEMPLATES)
    table = con.sql(
        f"""
        select source_object, source_id, template, start_date, end_date,
               total_amount, total_cost, decimal_places, conversion_rate
        from {SOURCE_LINES}
        where exclusion_reason is null and template in ({templates})
        """
    ).to_arrow_table()
    table = pa.table({
        "source_object": table["source_object"],
        "source_id": table["source_id"],
        "template": table["template"],
        "start_date": table["start_date"],
        "end_date": table["end_date"],
        "total_cents": _scaled_int(table["total_amount"], 2),
        "cost_cents": _scaled_int(table["total_cost"], 2),
        "decimal_places": table["decimal_places"],
        "rate_micros": _scaled_int(table["conversion_rate"], 6),
    })
    return table.to_pandas(date_as_object=False, types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def schedule(lines: pd.DataFrame, *, rounding: str = "cumulative", corporate_decimals: int = 2) -> pd.DataFrame:
    """One row per line and calendar month it touches, with revenue and cost in the line's minor units and
    in the corporate currency's (amount = units / 10**decimal places), like int_recognition__schedule.

    ``lines`` has the columns load_inputs returns. Each month's weight is the line's days in it (Equal Split
    Days) or 1 (Equal Split Months); a period gets round(total * weight through it / total weight) minus the
    same through the previous period, so the periods always add up to the total. ``rounding`` and
    ``corporate_decimals`` mirror the dbt vars recognition_rounding and the corporate currency's decimals.
    """
    if rounding not in ROUNDING_MODES:
        raise ValueError(f"rounding must be one of {ROUNDING_MODES}, not {rounding!r}")
    unknown = set(lines["template"].unique()) - set(TEMPLATES)
    if unknown:
        raise ValueError(f"the pandas baseline only covers {TEMPLATES}, not {sorted(unknown)}")

    start = lines["start_date"].to_numpy("datetime64[D]")
    end = lines["end_date"].to_numpy("datetime64[D]")
    first_month = start.astype("datetime64[M]")
    months = (end.astype("datetime64[M]") - first_month).astype(np.int64) + 1
    by_days = (lines["template"] == "Equal Split Days").to_numpy()
    line_days = (end - start).astype(np.int64) + 1
    total_weight = np.where(by_days, line_days, months)

    decimal_places = lines["decimal_places"].to_numpy(np.int64)
    cents = lines["total_cents"].to_numpy(np.int64)
    cost_cents = lines["cost_cents"].to_numpy(np.int64)
    rate = lines["rate_micros"].astype("Int64")
    # A rate of 0 divides by zero, which DuckDB answers with NULL: no corporate amounts, as for no rate.
    has_rate = (rate.notna() & (rate != 0)).to_numpy(bool)
    rate = rate.where(has_rate, 1).to_numpy(np.int64)
    scale = {0: 10**4, 1: 10**5}.get(corporate_decimals, 10**6)
    # int64 instead of DuckDB's HUGEINT: fine for real totals, but say so rather than wrap around silently.
    if (np.abs(cents) > 2**61 // scale).any() or (np.abs(cost_cents) > 2**61 // scale).any():
        raise OverflowError("a total too large to convert in int64; use the SQL model")
    totals = {
        "revenue_units": _to_units(cents, decimal_places),
        "cost_units": _to_units(cost_cents, decimal_places),
        "revenue_corporate_units": np.where(has_rate, _half_up_div(cents * scale, rate), 0),
        "cost_corporate_units": np.where(has_rate, _half_up_div(cost_cents * scale, rate), 0),
    }
    limit = 2**61 // total_weight
    for name, total in totals.items():
        if (np.abs(total) > limit).any():
            raise OverflowError(f"{name} times the weight does not fit in int64 for some line; use the SQL model")

    # One row per line and month: repeat each line once per month it touches, then number its months.
    rows = pd.DataFrame({"line": np.repeat(np.arange(len(lines)), months)})
    month_number = rows.groupby("line", sort=False).cumcount().to_numpy()
    line = rows["line"].to_numpy()
    month = first_month[line] + month_number
    period_start = month.astype("datetime64[D]")
    period_end = (month + 1).astype("datetime64[D]") - 1
    days = (np.minimum(end[line], period_end) - np.maximum(start[line], period_start)).astype(np.int64) + 1
    rows["weight"] = np.where(by_days[line], days, 1)
    cumulative = rows.groupby("line", sort=False)["weight"].cumsum().to_numpy()
    weight = rows["weight"].to_numpy()
    denominator = total_weight[line]
    is_last = month_number == months[line] - 1

    out = pd.DataFrame({
        "source_object": lines["source_object"].array.take(line),
        "source_id": lines["source_id"].array.take(line),
        "period_start": period_start.astype("datetime64[ms]"),
        "period_end": period_end.astype("datetime64[ms]"),
    })
    for name, per_line in totals.items():
        total = per_line[line]
        if rounding == "cumulative":
            # Rows are in line and month order, so the previous row's running total is the line's own.
            through = _half_up_div(total * cumulative, denominator)
            units = through - np.where(month_number == 0, 0, np.roll(through, 1))
        else:
            own = _half_up_div(total * weight, denominator)
            before = pd.Series(own).groupby(line, sort=False).cumsum().to_numpy() - own
            units = np.where(is_last, total - before, own)
        missing = ~has_rate[line] if "corporate" in name else np.zeros(len(line), bool)
        out[name] = pd.arrays.IntegerArray(units.astype(np.int64), missing)
    return out


def sql_schedule(con: Any, lines: pd.DataFrame) -> pd.DataFrame:
    """The dbt schedule for the same lines, in the same columns and units as schedule().

    It reads int_recognition__schedule rather than marts.fct_revenue_schedule because that is the one
    computation both sides perform: the mart is int_recognition__schedule_adjusted, which once any period is
    closed (the recognition_closed_through var or the closed-periods ledger) freezes closed rows at what they
    held when they closed and folds the difference into the first open period — state pandas cannot derive
    from today's lines. The mart also returns DECIMAL amounts converted from these same integer units, so
    comparing the units is the same check to the cent without a decimal round trip.
    """
    keys = pa.table({
        "source_object": pa.array(lines["source_object"].to_numpy(object), pa.string()),
        "source_id": pa.array(lines["source_id"].to_numpy(object), pa.string()),
    })
    view = f"pandas_baseline_keys_{uuid.uuid4().hex}"
    con.register(view, keys)
    try:
        table = con.sql(
            f"""
            select s.source_object, s.source_id, s.period_start, s.period_end,
                   {", ".join(f"cast(s.{name} as bigint) as {name}" for name in AMOUNTS)}
            from {SQL_SCHEDULE} as s
            inner join (select distinct source_object, source_id from {view}) as k
                on k.source_object = s.source_object and k.source_id = s.source_id
            """
        ).to_arrow_table()
    finally:
        con.unregister(view)
    frame = table.to_pandas(date_as_object=False, types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    for name in ("period_start", "period_end"):
        frame[name] = frame[name].astype("datetime64[ms]")
    return frame


def _plain(value: Any) -> Any:
    """JSON-friendly values for the mismatch sample, which is meant to be printed."""
    if value is pd.NA or value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, np.integer):
        return int(value)
    return value


def compare(con: Any, *, sample: int = 10) -> dict[str, Any]:
    """Both schedules for the same lines, matched on line and period and compared in minor units (to the
    cent; to the yen for JPY). Only schedule() is timed: loading and the SQL read are the same I/O either way.
    """
    lines = load_inputs(con)
    started = time.perf_counter()
    ours = schedule(lines)
    pandas_seconds = time.perf_counter() - started
    theirs = sql_schedule(con, lines)

    duplicates = int(ours.duplicated(KEYS).sum() + theirs.duplicated(KEYS).sum())
    merged = ours.sort_values(KEYS).merge(theirs.sort_values(KEYS), on=KEYS, how="outer",
                                          suffixes=("_pandas", "_sql"), indicator=True)
    different = merged["_merge"] != "both"
    for name in AMOUNTS:
        left, right = merged[f"{name}_pandas"], merged[f"{name}_sql"]
        different |= ~((left == right).fillna(False) | (left.isna() & right.isna()))
    wrong = merged.loc[different].rename(columns={"_merge": "found_in"})
    wrong["found_in"] = wrong["found_in"].astype(str).replace({"left_only": "pandas", "right_only": "sql"})
    mismatches = int(different.sum()) + duplicates
    return {
        "lines": len(lines),
        "rows": len(ours),
        "pandas_seconds": round(pandas_seconds, 3),
        "equal": mismatches == 0 and len(ours) == len(theirs),
        "mismatches": mismatches,
        "sample_mismatches": [
            {column: _plain(value) for column, value in row.items()}
            for row in wrong.head(sample).to_dict("records")
        ],
    }


if __name__ == "__main__":
    import duckdb

    from orchestration.paths import resolve_database

    database = resolve_database(sys.argv[1] if len(sys.argv) > 1 else None)
    connection = duckdb.connect(str(database), read_only=True)
    try:
        print(json.dumps(compare(connection), indent=2))
    finally:
        connection.close()
