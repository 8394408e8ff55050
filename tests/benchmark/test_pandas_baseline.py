"""The pandas baseline must match the SQL schedule to the cent, or its timing says nothing about the model."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.benchmark.pandas_baseline import AMOUNTS, compare, schedule

DAYS, MONTHS = "Equal Split Days", "Equal Split Months"


def make_lines(*rows: tuple) -> pd.DataFrame:
    """Lines in load_inputs' shape: amounts in cents, the FX rate in millionths (None: no rate)."""
    columns = ["source_object", "source_id", "template", "start_date", "end_date", "total_cents", "cost_cents",
               "decimal_places", "rate_micros"]
    frame = pd.DataFrame(rows, columns=columns)
    for name in ("start_date", "end_date"):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ms]")
    for name in ("total_cents", "cost_cents", "rate_micros"):
        frame[name] = frame[name].astype("Int64")
    frame["decimal_places"] = frame["decimal_places"].astype("int32")
    return frame


def by_line(result: pd.DataFrame, source_id: str) -> dict[str, list]:
    rows = result[result["source_id"] == source_id].sort_values("period_start")
    out = {name: [None if pd.isna(v) else int(v) for v in rows[name]] for name in AMOUNTS}
    out["periods"] = [(s.date(), e.date()) for s, e in zip(rows["period_start"], rows["period_end"], strict=True)]
    return out


def months(*pairs: tuple[str, str]) -> list[tuple[date, date]]:
    return [(date.fromisoformat(s), date.fromisoformat(e)) for s, e in pairs]


def test_schedule_by_hand() -> None:
    lines = make_lines(
        # EUR 10,000.00, cost 500.00, 2024-02-10..2024-05-20: 20 (with 29 Feb) / 31 / 30 / 20 of 101 days;
        # 0.8 EUR per USD makes the corporate totals 12,500.00 and 625.00.
        ("OrderItem", "leap", DAYS, "2024-02-10", "2024-05-20", 1_000_000, 50_000, 2, 800_000),
        # A one-day credit on the leap day itself.
        ("blng__CreditNoteLine__c", "one-day", DAYS, "2024-02-29", "2024-02-29", -12_345, 0, 2, 1_000_000),
        # Starts and ends mid-month: three months touched, one third each; no FX rate.
        ("OrderItem", "mid-month", MONTHS, "2024-01-15", "2024-03-10", 10_000, 1_000, 2, None),
        # JPY 100,000, cost 364.50 -> 365 yen (half up); 17 / 30 / 31 / 14 of 92 days; 150 JPY per USD.
        ("OrderItem", "jpy", DAYS, "2023-03-15", "2023-06-14", 10_000_000, 36_450, 0, 150_000_000),
        # Exact halves: 5 cents over two months is 3 + 2, and -5 is -3 - 2 (away from zero, not down).
        ("OrderItem", "halves", MONTHS, "2024-11-20", "2024-12-05", -5, 5, 2, 1_000_000),
    )
    result = schedule(lines)
    assert len(result) == 4 + 1 + 3 + 4 + 2

    leap = by_line(result, "leap")
    assert leap["periods"] == months(("2024-02-01", "2024-02-29"), ("2024-03-01", "2024-03-31"),
                                     ("2024-04-01", "2024-04-30"), ("2024-05-01", "2024-05-31"))
    # through Feb 1,000,000 x 20/101 = 198,019.80 -> 198,020; through Mar x 51/101 = 504,950.50 -> 504,950;
    # through Apr x 81/101 = 801,980.20 -> 801,980; May takes the rest.
    assert leap["revenue_units"] == [198_020, 306_930, 297_030, 198_020]
    assert leap["cost_units"] == [9_901, 15_347, 14_851, 9_901]
    assert leap["revenue_corporate_units"] == [247_525, 383_663, 371_287, 247_525]
    assert leap["cost_corporate_units"] == [12_376, 19_183, 18_565, 12_376]

    one_day = by_line(result, "one-day")
    assert one_day["periods"] == months(("2024-02-01", "2024-02-29"))
    assert one_day["revenue_units"] == one_day["revenue_corporate_units"] == [-12_345]
    assert one_day["cost_units"] == one_day["cost_corporate_units"] == [0]

    mid = by_line(result, "mid-month")
    assert mid["periods"] == months(("2024-01-01", "2024-01-31"), ("2024-02-01", "2024-02-29"),
                                    ("2024-03-01", "2024-03-31"))
    assert mid["revenue_units"] == [3_333, 3_334, 3_333]
    assert mid["cost_units"] == [333, 334, 333]
    assert mid["revenue_corporate_units"] == mid["cost_corporate_units"] == [None, None, None]

    jpy = by_line(result, "jpy")
    assert jpy["periods"] == months(("2023-03-01", "2023-03-31"), ("2023-04-01", "2023-04-30"),
                                    ("2023-05-01", "2023-05-31"), ("2023-06-01", "2023-06-30"))
    assert jpy["revenue_units"] == [18_478, 32_609, 33_696, 15_217]
    assert jpy["cost_units"] == [67, 119, 123, 56]
    # 100,000 JPY / 150 = 666.67 USD, 364.50 JPY / 150 = 2.43 USD, in cents
    assert jpy["revenue_corporate_units"] == [12_319, 21_739, 22_464, 10_145]
    assert jpy["cost_corporate_units"] == [45, 79, 82, 37]

    halves = by_line(result, "halves")
    assert halves["revenue_units"] == [-3, -2]
    assert halves["cost_units"] == [3, 2]


def test_last_remainder_rounding_matches_the_spec_example() -> None:
    # Spec §1.3: 1,000.00 Equal Split Days 2024-01-15..2024-03-14 (17 / 29 / 14 of 60 days).
    lines = make_lines(("OrderItem", "a", DAYS, "2024-01-15", "2024-03-14", 100_000, 0, 2, 1_000_000))
    assert schedule(lines)["revenue_units"].tolist() == [28_333, 48_334, 23_333]
    assert schedule(lines, rounding="last_remainder")["revenue_units"].tolist() == [28_333, 48_333, 23_334]


def test_templates_it_does_not_reproduce_are_refused() -> None:
    lines = make_lines(("OrderItem", "a", "Equal Split Months/PP", "2024-01-15", "2024-03-14", 100, 0, 2, None))
    with pytest.raises(ValueError, match="only covers"):
        schedule(lines)


def test_compare_reports_a_wrong_cent_and_a_missing_row() -> None:
    """The plumbing (decimals into cents, the key join, the diff) on a hand-made pair of tables, so that
    "equal" on the real warehouse cannot be vacuous."""
    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute("""
        create table intermediate.int_recognition__source_lines as
        select * from (values
            ('OrderItem', 'a', 'Equal Split Days', date '2024-01-15', date '2024-03-14',
             1000.00::decimal(18, 2), 500.00::decimal(18, 2), 2, 1.000000::decimal(18, 6), null),
            ('OrderItem', 'b', 'Equal Split Months', date '2024-01-15', date '2024-02-10',
             1.00::decimal(18, 2), 0.00::decimal(18, 2), 2, null::decimal(18, 6), null),
            ('OrderItem', 'c', 'Equal Split Months/PP', date '2024-01-15', date '2024-02-10',
             1.00::decimal(18, 2), 0.00::decimal(18, 2), 2, null::decimal(18, 6), null)
        ) as t(source_object, source_id, template, start_date, end_date, total_amount, total_cost,
               decimal_places, conversion_rate, exclusion_reason)
    """)
    con.execute("""
        create table intermediate.int_recognition__schedule as
        select source_object, source_id, period_start, last_day(period_start) as period_end,
               revenue_units::hugeint as revenue_units, cost_units::hugeint as cost_units,
               revenue_corporate_units::hugeint as revenue_corporate_units,
               cost_corporate_units::hugeint as cost_corporate_units
        from (values
            ('OrderItem', 'a', date '2024-01-01', 28333, 14167, 28333, 14167),
            ('OrderItem', 'a', date '2024-02-01', 48334, 24167, 48334, 24167),
            ('OrderItem', 'a', date '2024-03-01', 23333, 11666, 23333, 11666),
            ('OrderItem', 'b', date '2024-01-01', 50, 0, null, null),
            ('OrderItem', 'c', date '2024-01-01', 100, 0, null, null)
        ) as t(source_object, source_id, period_start, revenue_units, cost_units, revenue_corporate_units,
               cost_corporate_units)
    """)
    result = compare(con)
    # The table gives 'a' last-remainder costs: by the running total 500.00 x 17/60 = 141.67 and x 46/60 =
    # 383.33, so Feb is 241.66 (not .67) and Mar 116.67 (not .66). 'b' lacks its February row; 'c' is out of
    # scope on both sides.
    assert result["lines"] == 2 and result["rows"] == 5
    assert not result["equal"]
    wrong = {(row["source_id"], row["period_start"], row["found_in"]) for row in result["sample_mismatches"]}
    assert wrong == {("a", "2024-02-01", "both"), ("a", "2024-03-01", "both"), ("b", "2024-02-01", "pandas")}
    assert result["mismatches"] == 3


@pytest.mark.slow
def test_pandas_equals_the_dbt_schedule_on_the_warehouse(refreshed_demo) -> None:
    """On the demo org refreshed through Dagster (the session's shared run)."""
    _, path, _ = refreshed_demo
    con = duckdb.connect(str(path), read_only=True)
    try:
        result = compare(con)
    finally:
        con.close()
    assert result["rows"] > 0
    assert result["equal"], result["sample_mismatches"]
    assert np.isfinite(result["pandas_seconds"])
