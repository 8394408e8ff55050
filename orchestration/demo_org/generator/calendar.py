"""Vectorised date arithmetic on numpy datetime64[D] arrays, and money rounding per currency."""

from __future__ import annotations

import numpy as np

from orchestration.demo_org.schema import CURRENCIES, CURRENCY_DECIMALS

DAY = np.timedelta64(1, "D")
NO_DATE = np.datetime64("NaT", "D")
CURRENCY_DECIMAL_ARRAY = np.array([CURRENCY_DECIMALS[c] for c in CURRENCIES], dtype=np.int64)


def month_start(d: np.ndarray) -> np.ndarray:
    return d.astype("datetime64[M]").astype("datetime64[D]")


def month_end(d: np.ndarray) -> np.ndarray:
    return (d.astype("datetime64[M]") + 1).astype("datetime64[D]") - DAY


def add_months(d: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Same day-of-month ``months`` later, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29)."""
    month = d.astype("datetime64[M]")
    day = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months, dtype=np.int64)
    first = target.astype("datetime64[D]")
    length = ((target + 1).astype("datetime64[D]") - first).astype(np.int64)
    return first + np.minimum(day, length - 1)


def term_end(start: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Contract end for a term of whole months: 2024-01-15 + 12 months -> 2025-01-14."""
    return add_months(start, months) - DAY


def whole_months_between(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whole months from ``start`` up to ``end`` (a month counts once its anniversary day is reached)."""
    months = (end.astype("datetime64[M]") - start.astype("datetime64[M]")).astype(np.int64)
    return months - (add_months(start, months) > end)


def term_months(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Term in months per domain.md: whole months to end + 1 day, plus leftover days / days in that month."""
    after = end + DAY
    whole = whole_months_between(start, after)
    anchor = add_months(start, whole)
    month_length = (month_end(anchor) - month_start(anchor) + DAY).astype(np.int64)
    return whole + (after - anchor).astype(np.int64) / month_length


def years(d: np.ndarray) -> np.ndarray:
    return d.astype("datetime64[Y]").astype(np.int64) + 1970


def round_money(values: np.ndarray, currency: np.ndarray) -> np.ndarray:
    """Round half away from zero to each record's currency decimals (JPY has none); NaN stays NaN."""
    factor = 10.0 ** CURRENCY_DECIMAL_ARRAY[currency]
    scaled = np.asarray(values, dtype=np.float64) * factor
    return np.sign(scaled) * np.floor(np.abs(scaled) + 0.5 + 1e-7) / factor


def random_times(
    rng: np.random.Generator, days: np.ndarray, first_hour: int = 7, last_hour: int = 19
) -> np.ndarray:
    """Timestamps (datetime64[s]) at a business-hours second on each day."""
    seconds = rng.integers(first_hour * 3600, last_hour * 3600, size=len(days))
    return days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
