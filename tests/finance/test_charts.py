"""Finance charts and exports on a small hand-made warehouse: real PNGs, carrying the data, from real runs."""

from __future__ import annotations

import base64
import dataclasses
import io
import re
from datetime import date
from decimal import Decimal

import dagster as dg
import duckdb
import pytest
from PIL import Image

from orchestration.defs.finance.assets import finance_assets
from orchestration.defs.resources import WarehouseResource
from orchestration.finance import charts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# (month, new, reactivation, expansion, contraction, churn); starting/ending ARR chain from 100,000.
ARR_MOVEMENTS = [
    (date(2025, 11, 1), 12000, 0, 3000, -1000, -2000),
    (date(2025, 12, 1), 8000, 1500, 4000, -500, 0),
    (date(2026, 1, 1), 15000, 0, 2500, -2500, -6000),
    (date(2026, 2, 1), 5000, 2000, 6000, 0, -1500),
    (date(2026, 3, 1), 9000, 0, 3500, -1200, -800),
]
# (month, is_past_or_current, recognized, billed); a gap in April 2026 that the chart must fill.
WATERFALL = [
    (date(2025, 12, 1), True, 4000, 12000),
    (date(2026, 1, 1), True, 4000, 0),
    (date(2026, 2, 1), True, 4500, 6000),
    (date(2026, 3, 1), True, 5000, 0),
    (date(2026, 5, 1), False, 5000, 0),
    (date(2026, 6, 1), False, 3000, 0),
]


def create_marts(path, *, arr: bool = True, waterfall: bool = True) -> None:
    """The charted marts with known rows, and the other exported marts with a row each."""
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("""CREATE TABLE marts.fct_arr_movements (
            month_start DATE, month_end DATE, starting_arr DECIMAL(18,2), new_arr DECIMAL(18,2),
            reactivation_arr DECIMAL(18,2), expansion_arr DECIMAL(18,2), contraction_arr DECIMAL(18,2),
            churned_arr DECIMAL(18,2), net_new_arr DECIMAL(18,2), ending_arr DECIMAL(18,2),
            customers_at_start BIGINT, customers_at_end BIGINT, currency_code VARCHAR)""")
        con.execute("""CREATE TABLE marts.fct_revenue_waterfall (
            account_id VARCHAR, month_start DATE, month_end DATE, is_past_or_current BOOLEAN,
            recognized_revenue DECIMAL(18,2), recognized_cost DECIMAL(18,2), billed_revenue DECIMAL(18,2),
            recognized_to_date DECIMAL(18,2), billed_to_date DECIMAL(18,2), deferred_revenue_balance DECIMAL(18,2),
            currency_code VARCHAR)""")
        if arr:
            ending = Decimal(100_000)
            for month, *movements in ARR_MOVEMENTS:
                net = sum(movements)
                con.execute("INSERT INTO marts.fct_arr_movements VALUES "
                            "(?, last_day(?), ?, ?, ?, ?, ?, ?, ?, ?, 10, 11, 'USD')",
                            [month, month, ending, *movements, net, ending + net])
                ending += net
        if waterfall:
            recognized_to_date = billed_to_date = 0
            for month, past, recognized, billed in WATERFALL:
                recognized_to_date += recognized
                billed_to_date += billed
                for account in ("ALL", "001A"):
                    con.execute("INSERT INTO marts.fct_revenue_waterfall VALUES "
                                "(?, ?, last_day(?), ?, ?, 0, ?, ?, ?, ?, 'USD')",
                                [account, month, month, past, recognized, billed, recognized_to_date,
                                 billed_to_date, billed_to_date - recognized_to_date])
        con.execute("CREATE TABLE marts.fct_revenue_schedule AS SELECT * FROM (VALUES "
                    "('OrderItem', '802A', DATE '2026-01-01', 100.00), "
                    "('OrderItem', '802A', DATE '2026-02-01', 100.00), "
                    "('OrderItem', '802B', DATE '2026-01-01', 50.00)"
                    ") t(source_object, source_id, period_start, revenue_amount)")
        con.execute("CREATE TABLE marts.fct_recognition_status AS SELECT 'OrderItem' AS source_object, "
                    "'802A' AS source_id, 200.00 AS total_revenue")
        con.execute("CREATE TABLE marts.fct_revenue_contract_allocations AS SELECT '801A' AS order_id, "
                    "'802A' AS order_item_id, 200.00 AS allocated_amount")


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "revenue.duckdb"
    create_marts(path)
    return path


def rows_from(path, reader, **kwargs):
    with duckdb.connect(str(path), read_only=True) as con:
        return reader(con, **kwargs)


def image(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    picture = Image.open(io.BytesIO(png))
    picture.load()
    return picture.convert("RGB")


def assert_real_chart(png: bytes) -> None:
    picture = image(png)
    assert picture.size == (1200, 750)
    colours = picture.getcolors(maxcolors=1_000_000)
    assert len(colours) > 200, "a chart has text, lines and filled bars: many colours"
    non_white = sum(count for count, rgb in colours if rgb != (255, 255, 255))
    assert non_white > 0.05 * picture.width * picture.height


def differing_pixels(a: bytes, b: bytes) -> int:
    first, second = image(a), image(b)
    return sum(p != q for p, q in zip(first.getdata(), second.getdata(), strict=True))


def test_arr_rows_and_summary_carry_the_mart(warehouse):
    rows = rows_from(warehouse, charts.arr_waterfall_rows)
    assert [r.month_start for r in rows] == [m[0] for m in ARR_MOVEMENTS]
    assert all(isinstance(r.ending_arr, Decimal) for r in rows)
    summary = charts.arr_summary(rows)
    assert summary["months_plotted"] == 5
    assert summary["latest_month"] == "2026-03-01"
    assert summary["currency"] == "USD"
    total_net = sum(sum(m[1:]) for m in ARR_MOVEMENTS)
    assert summary["latest_ending_arr"] == Decimal(100_000 + total_net)
    assert summary["net_new_arr_in_window"] == Decimal(total_net)


def test_arr_window_keeps_the_latest_months(warehouse):
    rows = rows_from(warehouse, charts.arr_waterfall_rows, months=2)
    assert [r.month_start for r in rows] == [date(2026, 2, 1), date(2026, 3, 1)]


def test_recognition_rows_fill_gaps_and_centre_on_the_as_of_month(warehouse):
    rows = rows_from(warehouse, charts.recognition_rows, months=5, forward=2)
    # As of March 2026: three months to it, two after; April is missing from the mart and filled.
    assert [r.month_start for r in rows] == [date(2026, m, 1) for m in (1, 2, 3, 4, 5)]
    april = rows[3]
    assert april.recognized_revenue == 0 and april.billed_revenue == 0 and not april.is_past_or_current
    assert april.deferred_revenue_balance == rows[2].deferred_revenue_balance == Decimal(18000 - 17500)
    summary = charts.recognition_summary(rows)
    assert summary["as_of_month"] == "2026-03-01"
    assert summary["recognized_in_window"] == Decimal(4000 + 4500 + 5000)
    assert summary["scheduled_after_as_of"] == Decimal(5000)
    assert summary["deferred_balance_at_as_of"] == Decimal(500)


def test_rendered_charts_are_real_pngs(warehouse):
    assert_real_chart(charts.render_arr_waterfall(rows_from(warehouse, charts.arr_waterfall_rows)))
    assert_real_chart(charts.render_recognition(rows_from(warehouse, charts.recognition_rows)))


def test_rendering_is_deterministic_and_follows_the_data(warehouse):
    arr = rows_from(warehouse, charts.arr_waterfall_rows)
    png = charts.render_arr_waterfall(arr)
    assert charts.render_arr_waterfall(arr) == png
    bigger_churn = [*arr[:-1], dataclasses.replace(arr[-1], churned_arr=Decimal(-40_000))]
    assert differing_pixels(png, charts.render_arr_waterfall(bigger_churn)) > 500

    recognition = rows_from(warehouse, charts.recognition_rows)
    png = charts.render_recognition(recognition)
    more_billed = [dataclasses.replace(recognition[0], billed_revenue=Decimal(30_000)), *recognition[1:]]
    assert differing_pixels(png, charts.render_recognition(more_billed)) > 500


def test_empty_marts_fail_loudly(tmp_path):
    path = tmp_path / "empty.duckdb"
    create_marts(path, arr=False, waterfall=False)
    with pytest.raises(ValueError, match=r"marts\.fct_arr_movements"):
        rows_from(path, charts.arr_waterfall_rows)
    with pytest.raises(ValueError, match=r"marts\.fct_revenue_waterfall"):
        rows_from(path, charts.recognition_rows)
    with pytest.raises(ValueError, match=r"marts\.fct_arr_movements"):
        charts.render_arr_waterfall([])
    with pytest.raises(ValueError, match=r"marts\.fct_revenue_waterfall"):
        charts.render_recognition([])


def test_mixed_currencies_are_refused(warehouse):
    rows = rows_from(warehouse, charts.arr_waterfall_rows)
    with pytest.raises(ValueError, match="mixes currencies"):
        charts.render_arr_waterfall([*rows[:-1], dataclasses.replace(rows[-1], currency_code="EUR")])


def test_assets_materialise_charts_and_exports(warehouse, tmp_path):
    charts_dir, exports_dir = tmp_path / "charts", tmp_path / "exports"
    result = dg.materialize(
        finance_assets,
        resources={"warehouse": WarehouseResource(database=str(warehouse))},
        run_config=dg.RunConfig(ops={
            "charts__arr_waterfall": {"config": {"out_dir": str(charts_dir)}},
            "charts__recognition": {"config": {"out_dir": str(charts_dir)}},
            "finance__revenue_exports": {"config": {"out_dir": str(exports_dir)}},
        }),
    )
    assert result.success
    metadata = {event.asset_key.to_user_string(): event.materialization.metadata
                for event in result.get_asset_materialization_events()}
    assert set(metadata) == {"charts/arr_waterfall", "charts/recognition", "finance/revenue_exports"}

    for key, name in (("charts/arr_waterfall", "arr_waterfall.png"), ("charts/recognition", "recognition.png")):
        png = (charts_dir / name).read_bytes()
        assert_real_chart(png)
        chart = metadata[key]["chart"].md_str
        embedded = re.fullmatch(r"!\[[^\]]+\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", chart)
        assert embedded and base64.b64decode(embedded.group(1)) == png
        assert metadata[key]["path"].path == str(charts_dir / name)
    assert not list(charts_dir.glob(".*partial"))
    assert metadata["charts/arr_waterfall"]["months_plotted"].value == 5
    assert metadata["charts/arr_waterfall"]["latest_ending_arr"].value == pytest.approx(
        100_000 + sum(sum(m[1:]) for m in ARR_MOVEMENTS))
    assert metadata["charts/recognition"]["as_of_month"].text == "2026-03-01"

    exported = metadata["finance/revenue_exports"]
    assert exported["dagster/row_count"].value == 3
    assert exported["rows_by_export"].data == {"revenue_schedule": 3, "recognition_status": 1,
                                               "revenue_waterfall": 12, "revenue_contract_allocations": 1}
    assert {p.name for p in exports_dir.iterdir()} == {
        f"{name}.{suffix}" for name in exported["rows_by_export"].data for suffix in ("csv", "parquet")}


def test_chart_asset_fails_on_an_empty_mart(tmp_path):
    path = tmp_path / "empty.duckdb"
    create_marts(path, arr=False)
    result = dg.materialize(
        [finance_assets[0]], resources={"warehouse": WarehouseResource(database=str(path))},
        run_config=dg.RunConfig(ops={"charts__arr_waterfall": {"config": {"out_dir": str(tmp_path / "charts")}}}),
        raise_on_error=False,
    )
    assert not result.success
    assert "marts.fct_arr_movements" in str(result.get_step_failure_events()[0].step_failure_data.error)
    assert not (tmp_path / "charts").exists()
