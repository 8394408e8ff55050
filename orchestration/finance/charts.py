"""Finance charts as PNG bytes, so a picture of the marts can travel in asset metadata and files.

Rendering uses a bare matplotlib ``Figure`` on the Agg canvas: no pyplot global state, no display, safe in
threads. Amounts stay ``Decimal`` until they are handed to matplotlib, so the summaries are exact.
matplotlib is imported when a chart is drawn, not with the module: every run process and the code location
load these definitions, and most of them draw nothing (it was about 0.2 s of loading them).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ARR_MART = "marts.fct_arr_movements"
WATERFALL_MART = "marts.fct_revenue_waterfall"

SIZE_INCHES = (12.0, 7.5)
DPI = 100
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
# Colour-blind-safe (Okabe-Ito): gains in greens and blues, losses in orange and vermilion.
COLOURS = {
    "new": "#009E73", "reactivation": "#56B4E9", "expansion": "#0072B2",
    "contraction": "#E69F00", "churn": "#D55E00", "net": "#000000", "ending": "#CC79A7",
    "recognized": "#0072B2", "billed": "#E69F00", "deferred": "#009E73", "unbilled": "#D55E00",
}


@dataclass(frozen=True)
class ArrMonth:
    month_start: date
    starting_arr: Decimal
    new_arr: Decimal
    reactivation_arr: Decimal
    expansion_arr: Decimal
    contraction_arr: Decimal
    churned_arr: Decimal
    net_new_arr: Decimal
    ending_arr: Decimal
    currency_code: str


@dataclass(frozen=True)
class RecognitionMonth:
    month_start: date
    is_past_or_current: bool
    recognized_revenue: Decimal
    billed_revenue: Decimal
    recognized_to_date: Decimal
    billed_to_date: Decimal
    deferred_revenue_balance: Decimal
    currency_code: str


# --- reading ------------------------------------------------------------------------------------------------

def arr_waterfall_rows(con: duckdb.DuckDBPyConnection, months: int = 24) -> list[ArrMonth]:
    """The last ``months`` calendar months of ARR movements, ending at the latest month in the mart."""
    if months < 1:
        raise ValueError("months must be at least 1")
    rows = con.execute(f"""
        SELECT month_start, starting_arr, new_arr, reactivation_arr, expansion_arr, contraction_arr, churned_arr,
               net_new_arr, ending_arr, currency_code
        FROM {ARR_MART}
        WHERE month_start > (SELECT max(month_start) FROM {ARR_MART}) - to_months(?)
        ORDER BY month_start
    """, [months]).fetchall()
    _require(rows, f"{ARR_MART} has no rows to chart")
    return [ArrMonth(r[0], *(_amount(v) for v in r[1:9]), r[9]) for r in rows]


def recognition_rows(con: duckdb.DuckDBPyConnection, months: int = 36, forward: int = 12) -> list[RecognitionMonth]:
    """The company total ('ALL') around the as-of month: ``months - forward`` months up to it, ``forward`` after.

    Calendar months missing from the mart (nothing recognised or billed) are filled with zero flows and the
    balances carried forward, so bars sit on a true time axis and the balance line never jumps a gap.
    """
    if months < 1 or not 0 <= forward < months:
        raise ValueError("need months >= 1 and 0 <= forward < months")
    rows = con.execute(f"""
        WITH src AS (
            SELECT * FROM {WATERFALL_MART} WHERE account_id = 'ALL'
        ),
        anchor AS (
            SELECT coalesce(max(month_start) FILTER (WHERE is_past_or_current), min(month_start)) AS as_of
            FROM src
        ),
        spine AS (
            SELECT unnest(generate_series(min(month_start), max(month_start), INTERVAL 1 MONTH))::DATE AS month_start
            FROM src
        ),
        filled AS (
            SELECT
                spine.month_start,
                coalesce(src.is_past_or_current, spine.month_start <= anchor.as_of) AS is_past_or_current,
                coalesce(src.recognized_revenue, 0) AS recognized_revenue,
                coalesce(src.billed_revenue, 0) AS billed_revenue,
                coalesce(last_value(src.recognized_to_date IGNORE NULLS) OVER running, 0) AS recognized_to_date,
                coalesce(last_value(src.billed_to_date IGNORE NULLS) OVER running, 0) AS billed_to_date,
                coalesce(last_value(src.deferred_revenue_balance IGNORE NULLS) OVER running, 0)
                    AS deferred_revenue_balance,
                src.currency_code,
                anchor.as_of
            FROM spine
            CROSS JOIN anchor
            LEFT JOIN src USING (month_start)
            WINDOW running AS (ORDER BY spine.month_start ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        )
        SELECT month_start, is_past_or_current, recognized_revenue, billed_revenue, recognized_to_date,
               billed_to_date, deferred_revenue_balance,
               coalesce(currency_code, (SELECT min(currency_code) FROM src)) AS currency_code
        FROM filled
        WHERE month_start > as_of - to_months(?) AND month_start <= as_of + to_months(?)
        ORDER BY month_start
    """, [months - forward, forward]).fetchall()
    _require(rows, f"{WATERFALL_MART} has no account_id = 'ALL' rows to chart")
    return [RecognitionMonth(r[0], bool(r[1]), *(_amount(v) for v in r[2:7]), r[7]) for r in rows]


# --- summaries ----------------------------------------------------------------------------------------------

def arr_summary(rows: Sequence[ArrMonth]) -> dict[str, object]:
    """The headline numbers a reader checks the chart against."""
    _require(rows, f"{ARR_MART} has no rows to chart")
    last = rows[-1]
    return {
        "months_plotted": len(rows),
        "first_month": rows[0].month_start.isoformat(),
        "latest_month": last.month_start.isoformat(),
        "currency": _currency(rows, ARR_MART),
        "latest_ending_arr": last.ending_arr,
        "latest_net_new_arr": last.net_new_arr,
        "net_new_arr_in_window": sum((r.net_new_arr for r in rows), Decimal(0)),
    }


def recognition_summary(rows: Sequence[RecognitionMonth]) -> dict[str, object]:
    """Window totals split at the as-of month, plus the deferred balance there."""
    _require(rows, f"{WATERFALL_MART} has no account_id = 'ALL' rows to chart")
    past = [r for r in rows if r.is_past_or_current]
    as_of = past[-1] if past else None
    return {
        "months_plotted": len(rows),
        "first_month": rows[0].month_start.isoformat(),
        "last_month": rows[-1].month_start.isoformat(),
        "as_of_month": as_of.month_start.isoformat() if as_of else None,
        "currency": _currency(rows, WATERFALL_MART),
        "recognized_in_window": sum((r.recognized_revenue for r in past), Decimal(0)),
        "scheduled_after_as_of": sum((r.recognized_revenue for r in rows if not r.is_past_or_current), Decimal(0)),
        "billed_in_window": sum((r.billed_revenue for r in rows), Decimal(0)),
        "deferred_balance_at_as_of": as_of.deferred_revenue_balance if as_of else None,
    }


# --- rendering ----------------------------------------------------------------------------------------------

def render_arr_waterfall(rows: Sequence[ArrMonth]) -> bytes:
    """Gains stacked above zero and losses below, net new as a line; ending ARR in its own panel below."""
    _require(rows, f"{ARR_MART} has no rows to chart")
    currency = _currency(rows, ARR_MART)
    x = _month_positions([r.month_start for r in rows])
    fig = _figure()
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1.4])

    width = 0.7
    above = [0.0] * len(rows)
    for name, label, values in (
        ("new", "New", [r.new_arr for r in rows]),
        ("reactivation", "Reactivation", [r.reactivation_arr for r in rows]),
        ("expansion", "Expansion", [r.expansion_arr for r in rows]),
    ):
        heights = _floats(values)
        top.bar(x, heights, width, bottom=above, color=COLOURS[name], label=label)
        above = [a + h for a, h in zip(above, heights, strict=True)]
    below = [0.0] * len(rows)
    for name, label, values in (
        ("contraction", "Contraction", [r.contraction_arr for r in rows]),
        ("churn", "Churn", [r.churned_arr for r in rows]),
    ):
        heights = _floats(values)
        top.bar(x, heights, width, bottom=below, color=COLOURS[name], label=label)
        below = [b + h for b, h in zip(below, heights, strict=True)]
    top.plot(x, _floats(r.net_new_arr for r in rows), color=COLOURS["net"], marker="o", markersize=4,
             linewidth=1.6, label="Net new ARR")
    top.axhline(0, color="#555555", linewidth=0.8)
    top.set_title(f"ARR movements by month ({currency})", loc="left", fontsize=13, fontweight="bold")
    top.set_ylabel(f"Movement ({currency})")
    handles, labels = top.get_legend_handles_labels()
    order = [*range(1, len(handles)), 0]  # bars first, in stacking order, then the net line
    _legend(top, [handles[i] for i in order], [labels[i] for i in order])
    top.margins(y=0.1)

    ending = _floats(r.ending_arr for r in rows)
    bottom.plot(x, ending, color=COLOURS["ending"], marker="o", markersize=3, linewidth=2)
    bottom.fill_between(x, ending, color=COLOURS["ending"], alpha=0.15)
    bottom.set_ylabel(f"Ending ARR ({currency})")
    bottom.annotate(_money(ending[-1], currency), (x[-1], ending[-1]), xytext=(0, 6), textcoords="offset points",
                    ha="right", fontsize=9, fontweight="bold")
    bottom.set_ylim(bottom=0, top=max(max(ending), 1.0) * 1.2)

    for ax in (top, bottom):
        _style(ax, currency)
    _month_ticks(bottom, rows[0].month_start, x)
    return _png(fig)


def render_recognition(rows: Sequence[RecognitionMonth]) -> bytes:
    """Recognised and billed revenue per month, future schedule hatched; the deferred balance below."""
    from matplotlib.patches import Patch

    _require(rows, f"{WATERFALL_MART} has no account_id = 'ALL' rows to chart")
    currency = _currency(rows, WATERFALL_MART)
    x = _month_positions([r.month_start for r in rows])
    past = [r.is_past_or_current for r in rows]
    fig = _figure()
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1.6])

    width = 0.4
    recognized = _floats(r.recognized_revenue for r in rows)
    bars = top.bar([p - width / 2 for p in x], recognized, width, color=COLOURS["recognized"])
    for bar, is_past in zip(bars, past, strict=True):
        if not is_past:
            bar.set_alpha(0.35)
            bar.set_hatch("///")
            bar.set_edgecolor(COLOURS["recognized"])
    top.bar([p + width / 2 for p in x], _floats(r.billed_revenue for r in rows), width, color=COLOURS["billed"])
    top.axhline(0, color="#555555", linewidth=0.8)
    top.set_title(f"Revenue recognition by month ({currency})", loc="left", fontsize=13, fontweight="bold")
    top.set_ylabel(f"Per month ({currency})")
    _legend(top, [
        Patch(color=COLOURS["recognized"], label="Recognised"),
        Patch(facecolor=COLOURS["recognized"], alpha=0.35, hatch="///", edgecolor=COLOURS["recognized"],
              label="Scheduled (future)"),
        Patch(color=COLOURS["billed"], label="Billed"),
    ])
    top.margins(y=0.1)

    balance = _floats(r.deferred_revenue_balance for r in rows)
    split = sum(past)  # rows are ordered, so past/current months come first
    solid = slice(0, split)
    dashed = slice(max(split - 1, 0), len(rows))
    bottom.plot(x[solid], balance[solid], color=COLOURS["deferred"], linewidth=2, marker="o", markersize=3,
                label="Deferred revenue balance")
    if split < len(rows):
        bottom.plot(x[dashed], balance[dashed], color=COLOURS["deferred"], linewidth=2, linestyle="--",
                    label="Projected (no future billing)")
    bottom.fill_between(x, balance, where=[b >= 0 for b in balance], color=COLOURS["deferred"], alpha=0.12,
                        interpolate=True)
    if any(b < 0 for b in balance):
        bottom.fill_between(x, balance, where=[b < 0 for b in balance], color=COLOURS["unbilled"], alpha=0.15,
                            interpolate=True, label="Unbilled (recognised before billing)")
    bottom.axhline(0, color="#555555", linewidth=0.8)
    bottom.set_ylabel(f"Deferred ({currency})")
    _legend(bottom, *bottom.get_legend_handles_labels())
    bottom.margins(y=0.2)

    if split:
        as_of = x[split - 1]
        for ax in (top, bottom):
            ax.axvline(as_of + 0.5, color="#333333", linewidth=1, linestyle=":")
        top.annotate(f"as of {rows[split - 1].month_start:%b %Y}", (as_of + 0.5, 1), xycoords=("data", "axes fraction"),
                     xytext=(4, -12), textcoords="offset points", fontsize=9, color="#333333")
    for ax in (top, bottom):
        _style(ax, currency)
    _month_ticks(bottom, rows[0].month_start, x)
    return _png(fig)


# --- helpers ------------------------------------------------------------------------------------------------

def _require(rows: Sequence[object], message: str) -> None:
    if not rows:
        raise ValueError(message)


def _amount(value: Decimal | None) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


def _floats(values) -> list[float]:
    return [float(v) for v in values]


def _currency(rows: Sequence[ArrMonth | RecognitionMonth], mart: str) -> str:
    codes = {r.currency_code for r in rows if r.currency_code}
    if len(codes) > 1:
        raise ValueError(f"{mart} mixes currencies {sorted(codes)}: one chart cannot add them up")
    return codes.pop() if codes else "?"


def _month_index(month: date) -> int:
    return month.year * 12 + month.month - 1


def _month_positions(months: Sequence[date]) -> list[int]:
    """Months as integers from the first one, so a month missing from the data shows as a gap."""
    first = _month_index(months[0])
    return [_month_index(m) - first for m in months]


def _month_ticks(ax, first: date, positions: Sequence[int]) -> None:
    """A tick per month (every few when crowded), the year under each January and under the first tick."""
    start = _month_index(first)
    span = positions[-1] + 1
    step = 1 if span <= 40 else 3 if span <= 120 else 12
    ticks = list(range(0, span, step))
    labels = []
    for i, tick in enumerate(ticks):
        year, month = divmod(start + tick, 12)
        label = date(year, month + 1, 1).strftime("%b")
        january_next = month >= 12 - step  # the next tick is a January, with its year: two years would collide
        show_year = month < step or (i == 0 and not january_next)
        labels.append(f"{label}\n{year}" if show_year else label)
    ax.set_xticks(ticks, labels, fontsize=8)
    ax.set_xlim(-0.6, span - 0.4)


def _legend(ax, handles, labels=None) -> None:
    """Above the axes on the right, level with the title, so it never hides a bar."""
    labels = labels if labels is not None else [h.get_label() for h in handles]
    ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1, 1), ncols=len(handles), fontsize=9,
              frameon=False, borderaxespad=0.2)


def _money(value: float, currency: str) -> str:
    """1234567 -> "$1.2M" (or "1.2M CHF" where the currency has no common symbol)."""
    magnitude = abs(value)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if magnitude >= threshold:
            number = f"{magnitude / threshold:.1f}".removesuffix(".0") + suffix
            break
    else:
        number = f"{magnitude:.0f}"
    sign = "\N{MINUS SIGN}" if value < 0 else ""  # the typographic minus, as matplotlib draws it
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def _style(ax, currency: str) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: _money(value, currency)))
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _figure() -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")


def _png(fig: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer, metadata={"Software": None})
    return buffer.getvalue()
