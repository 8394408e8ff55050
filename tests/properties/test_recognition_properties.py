"""Property-based tests of the recognition schedule: for any line hypothesis can think of, the periods tile
the line's dates with no negative or empty period, and every schedule sums exactly to its total, in the line's
currency and in the corporate one, under both rounding modes.

The SQL under test is the models' own (compiled by dbt, see tests/model_sandbox.py); only their input,
int_recognition__source_lines, is generated.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.model_sandbox import ModelSandbox

RANGE_TEMPLATES = {
    "Equal Split Days": "month",
    "Equal Split Months": "month",
    "Equal Split Months/PP": "month",
    "Equal Split Months/PP with Actual Days": "month",
    "Equal Split 445": "fiscal_445",
}
SINGLE_DATE_TEMPLATES = ("As Invoiced", "On Delivery", "Deliverable")
FINGERPRINTS, PERIODS, SCHEDULE = (
    "int_recognition__line_fingerprints", "int_recognition__range_periods", "int_recognition__schedule")
CORPORATE_DECIMALS = 2  # USD, the demo org's corporate currency

pytestmark = pytest.mark.slow


class Recognition:
    """The sandbox and the compiled SQL of both rounding modes (a short repr: hypothesis prints its arguments)."""

    def __init__(self, box: ModelSandbox, sql: dict[str, dict[str, str]]) -> None:
        self.box, self.sql = box, sql

    def __repr__(self) -> str:
        return "Recognition(sandbox)"


@pytest.fixture(scope="module")
def sandbox(refreshed_demo, tmp_path_factory):
    _, database, _ = refreshed_demo
    box = ModelSandbox(database, tmp_path_factory.mktemp("recognition-properties"))
    sql = {
        "cumulative": box.compile([FINGERPRINTS, PERIODS, SCHEDULE], '{recognition_rounding: "cumulative"}',
                                  "cumulative"),
        "last_remainder": box.compile([FINGERPRINTS, SCHEDULE], '{recognition_rounding: "last_remainder"}',
                                      "last_remainder"),
    }
    box.connect()
    yield Recognition(box, sql)
    box.close()


def money(max_units: int, places: int = 2):
    """Amounts in minor units from -max to +max, biased towards the edges hypothesis likes (0, ±1, huge)."""
    return st.integers(-max_units, max_units).map(lambda units: Decimal(units).scaleb(-places))


@st.composite
def source_lines(draw):
    """A handful of lines in range and single-date templates, any dates from 2000 to 2050, any sign."""
    count = draw(st.integers(1, 6))
    lines = []
    for number in range(count):
        template = draw(st.sampled_from([*RANGE_TEMPLATES, *SINGLE_DATE_TEMPLATES]))
        start = draw(st.dates(date(2000, 1, 2), date(2049, 12, 31)))
        length = draw(st.one_of(st.integers(0, 62), st.integers(0, 4000)))
        end = min(start + timedelta(days=length), date(2050, 12, 31))
        # Realistic amounts stay on the 64-bit path; the largest a DECIMAL(18,2) field holds take the 128-bit one.
        limit = draw(st.sampled_from([10**6, 10**11, 10**18 - 1]))
        lines.append({
            "source_object": "OrderItem",
            "source_id": f"802PROP{number:011d}",
            "template": template,
            "template_kind": "range" if template in RANGE_TEMPLATES else "single_date",
            "period_calendar": RANGE_TEMPLATES.get(template, "month"),
            "start_date": start,
            "end_date": end,
            "event_date": end,
            "is_delivered": draw(st.booleans()),
            "total_amount": draw(money(limit)),
            "total_cost": draw(money(min(limit, 10**12))),
            "currency_code": "USD",
            "decimal_places": draw(st.sampled_from([0, 2])),
            "conversion_rate": draw(st.decimals(Decimal("0.5"), Decimal("200"), places=6)),
        })
    return lines


def minor_units(amount: Decimal, places: int) -> int:
    return int(amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).scaleb(places))


def corporate_units(amount: Decimal, rate: Decimal) -> int:
    """The amount in the corporate currency's minor units: divided by the rate, rounded half away from zero."""
    return int((amount.scaleb(CORPORATE_DECIMALS) / rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def build(sandbox: Recognition, lines: list[dict], rounding: str) -> tuple[dict, dict]:
    box, sql = sandbox.box, sandbox.sql
    box.replace_rows("int_recognition__source_lines", lines)
    box.rebuild(FINGERPRINTS, sql[rounding][FINGERPRINTS])
    box.rebuild(PERIODS, sql["cumulative"][PERIODS])
    box.rebuild(SCHEDULE, sql[rounding][SCHEDULE])
    periods, schedule = defaultdict(list), defaultdict(list)
    for row in box.rows(f"select * from {box.qualified(PERIODS)} order by source_id, period_start"):
        periods[row["source_id"]].append(row)
    for row in box.rows(f"select * from {box.qualified(SCHEDULE)} order by source_id, period_start"):
        schedule[row["source_id"]].append(row)
    return periods, schedule


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(lines=source_lines(), rounding=st.sampled_from(["cumulative", "last_remainder"]))
def test_periods_tile_the_line_and_every_schedule_sums_to_its_total(sandbox, lines, rounding):
    periods, schedule = build(sandbox, lines, rounding)
    for line in lines:
        line_id, rows = line["source_id"], schedule[line["source_id"]]
        assert rows, f"{line_id} ({line['template']}) has no schedule"
        if line["template_kind"] == "range":
            tiles = periods[line_id]
            # No negative-day or empty period; consecutive periods, the first holding the start, the last the end.
            assert all(p["days_in_period"] >= 1 and p["period_start"] <= p["period_end"] for p in tiles)
            assert tiles[0]["period_start"] <= line["start_date"] <= tiles[0]["period_end"]
            assert tiles[-1]["period_start"] <= line["end_date"] <= tiles[-1]["period_end"]
            assert all(b["period_start"] == a["period_end"] + timedelta(days=1) for a, b in pairwise(tiles))
            assert sum(p["days_in_period"] for p in tiles) == (line["end_date"] - line["start_date"]).days + 1
            assert all(p["weight"] >= 0 for p in tiles) and tiles[-1]["cumulative_weight"] == tiles[0]["total_weight"]
            assert [r["period_start"] for r in rows] == [p["period_start"] for p in tiles]
        else:
            assert len(rows) == 1 and rows[0]["period_start"] <= line["event_date"] <= rows[0]["period_end"]
        expected = {
            "revenue_units": minor_units(line["total_amount"], line["decimal_places"]),
            "cost_units": minor_units(line["total_cost"], line["decimal_places"]),
            "revenue_corporate_units": corporate_units(line["total_amount"], line["conversion_rate"]),
            "cost_corporate_units": corporate_units(line["total_cost"], line["conversion_rate"]),
        }
        for column, total in expected.items():
            assert sum(r[column] for r in rows) == total, f"{line_id} {line['template']} {column}"


@PROPERTY_SETTINGS
@given(lines=source_lines())
def test_each_period_is_its_share_of_the_total_to_within_one_minor_unit_and_never_of_the_wrong_sign(sandbox, lines):
    """Rounding by the running total: no period is off its exact share by a whole unit, and a positive
    line never has a negative period (nor a negative line a positive one)."""
    periods, schedule = build(sandbox, lines, "cumulative")
    for line in (line for line in lines if line["template_kind"] == "range"):
        total = minor_units(line["total_amount"], line["decimal_places"])
        for tile, row in zip(periods[line["source_id"]], schedule[line["source_id"]], strict=True):
            exact = Decimal(total) * tile["weight"] / tile["total_weight"]
            assert abs(row["revenue_units"] - exact) < 1, (line["source_id"], line["template"], tile["period_start"])
            assert row["revenue_units"] * total >= 0
