"""Property-based tests of ARR: for any Booked contracts with positive amounts hypothesis can think of (lines
with or without their own dates, item and contract overrides, terminations, currencies with and without a
rate), no line, contract, contribution or account month has negative ARR, MRR is ARR / 12, and an account's
ARR returns to exactly zero once its contracts have ended.

The SQL under test is the models' own (compiled by dbt, see tests/model_sandbox.py); only their inputs,
int_contracts__scoped and int_contract_lines__products, are generated.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.model_sandbox import ModelSandbox

MODELS = ["int_contract_lines", "int_contracts", "int_arr_contributions", "int_account_arr_monthly"]
AS_OF = date(2030, 12, 31)
ACCOUNT = "001PROP00000000001"

pytestmark = pytest.mark.slow


class Arr:
    """The sandbox, the compiled SQL and the org's products (a short repr: hypothesis prints its arguments)."""

    def __init__(self, box: ModelSandbox, sql: dict[str, str], products: list[str]) -> None:
        self.box, self.sql, self.products = box, sql, products

    def __repr__(self) -> str:
        return "Arr(sandbox)"


@pytest.fixture(scope="module")
def sandbox(refreshed_demo, tmp_path_factory):
    _, database, _ = refreshed_demo
    box = ModelSandbox(database, tmp_path_factory.mktemp("arr-properties"))
    sql = box.compile(MODELS, f'{{as_of_date: "{AS_OF}"}}')
    box.connect()
    products = [r["product_id"] for r in box.rows("select product_id from staging.stg_salesforce__products")]
    yield Arr(box, sql, products)
    box.close()


positive_money = st.decimals(Decimal("0.01"), Decimal("10000000"), places=2)
maybe_date = st.one_of(st.none(), st.dates(date(2019, 1, 1), date(2029, 12, 31)))


@st.composite
def booked_contracts(draw, products: list[str]):
    """One account's Booked contracts with positive lines; dates, overrides and terminations anything goes."""
    contracts, lines = [], []
    for number in range(draw(st.integers(1, 3))):
        contract_id = f"006PROP{number:011d}"
        start = draw(maybe_date)
        end = None if start is None else draw(st.one_of(
            st.none(), st.integers(0, 1500).map(lambda days, start=start: start + timedelta(days=days))))
        assigned_arr, assigned_mrr = draw(st.sampled_from([(None, None), ("arr", None), (None, "mrr"),
                                                           ("arr", "mrr")]))
        contracts.append({
            "opportunity_id": contract_id, "account_id": ACCOUNT, "opportunity_name": f"Property deal {number}",
            "stage_name": "Closed Won", "stage_category": "Booked", "is_closed": True, "is_won": True,
            "is_deleted": False, "passes_import_filter": True,
            "currency_code": draw(st.sampled_from(["USD", "EUR"])),
            "amount": draw(positive_money),
            "assigned_arr": draw(positive_money) if assigned_arr else None,
            "assigned_mrr": draw(positive_money) if assigned_mrr else None,
            "close_date": draw(st.dates(date(2019, 1, 1), date(2029, 12, 31))),
            "contract_start_date": start,
            "contract_end_date": end,
            "terminated_effective_date": None if start is None or not draw(st.booleans())
            else start + timedelta(days=draw(st.integers(0, 1500))),
        })
        for position in range(draw(st.integers(0, 4))):
            quantity = draw(st.decimals(Decimal("0.01"), Decimal("1000"), places=2))
            unit_price = draw(positive_money)
            line_start = draw(maybe_date)
            lines.append({
                "line_id": f"00kPROP{number:05d}{position:06d}", "contract_id": contract_id,
                "source_object": "OpportunityLineItem", "is_synthetic": False, "product_match_method": "id",
                "product_id": draw(st.sampled_from(products)),
                "quantity": quantity, "unit_price": unit_price,
                "total_price": (quantity * unit_price).quantize(Decimal("0.01")),
                "service_date": draw(maybe_date),
                "line_start_date": line_start,
                "line_end_date": None if line_start is None else line_start + timedelta(
                    days=draw(st.integers(0, 1500))),
                "item_assigned_arr": draw(st.one_of(st.none(), positive_money)),
                "item_assigned_mrr": draw(st.one_of(st.none(), positive_money)),
                "sort_order": position,
            })
    return contracts, lines


def build(sandbox: Arr, contracts: list[dict], lines: list[dict]) -> None:
    sandbox.box.replace_rows("int_contracts__scoped", contracts)
    sandbox.box.replace_rows("int_contract_lines__products", lines)
    for model in MODELS:
        sandbox.box.rebuild(model, sandbox.sql[model])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_positive_contracts_never_have_negative_arr_and_it_returns_to_zero(sandbox, data):
    contracts, lines = data.draw(booked_contracts(sandbox.products), label="contracts and lines")
    build(sandbox, contracts, lines)
    box = sandbox.box

    for line in box.rows(f"select * from {box.qualified('int_contract_lines')}"):
        assert line["arr"] is None or line["arr"] >= 0, line
        assert line["mrr"] is None or line["mrr"] >= 0, line
        if line["arr"] is not None:
            assert math.isclose(line["arr"], 12 * line["mrr"], rel_tol=1e-12), line
    for contract in box.rows(f"select * from {box.qualified('int_contracts')}"):
        assert contract["arr"] is None or contract["arr"] >= 0, contract
        assert contract["acv"] is None or contract["acv"] >= 0, contract
    contributions = box.rows(f"select * from {box.qualified('int_arr_contributions')}")
    for contribution in contributions:
        assert contribution["arr"] > 0 and contribution["arr_corporate"] >= 0, contribution
        assert contribution["start_date"] <= contribution["end_date"], contribution

    months = box.rows(f"select month_end, arr from {box.qualified('int_account_arr_monthly')} "
                      "where account_id = ? order by month_end", [ACCOUNT])
    assert all(month["arr"] >= 0 for month in months), months
    ended = max((c["end_date"] for c in contributions), default=None)
    if months and ended < months[-1]["month_end"]:
        assert {month["arr"] for month in months if month["month_end"] > ended} == {0}, (ended, months[-3:])
