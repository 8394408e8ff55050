"""The benchmark's day of edits: 1% of every object's records get a new SystemModstamp, and the lines revenue
is recognised from also get a new total cost, so the incremental run has real changes to regenerate."""

from decimal import ROUND_HALF_UP, Decimal

import pytest

from orchestration.benchmark.harness import touch_share
from orchestration.demo_org.org import DemoOrg


@pytest.fixture
def generated_org() -> DemoOrg:
    return DemoOrg.generate(scale=300, seed=11)


def _rows(org, sobject: str, fields: str) -> dict:
    return {row["Id"]: row for row in org.store.query(f'SELECT "Id", {fields} FROM data."{sobject}"').to_pylist()}


def test_touch_share_edits_the_cost_of_recognised_lines_and_only_stamps_other_records(generated_org):
    items_before = _rows(generated_org, "OrderItem", '"ffrrTotalCost__c", "SystemModstamp"')
    accounts_before = _rows(generated_org, "Account", '* EXCLUDE ("Id")')

    touched = touch_share(generated_org, 0.05, seed=3)

    items_after = _rows(generated_org, "OrderItem", '"ffrrTotalCost__c", "SystemModstamp"')
    edited = {i for i, row in items_after.items() if row["SystemModstamp"] != items_before[i]["SystemModstamp"]}
    assert len(edited) == touched["OrderItem"] > 0
    for item_id, row in items_after.items():
        cost = items_before[item_id]["ffrrTotalCost__c"] or Decimal(0)
        expected = (cost * Decimal("1.01") + Decimal("0.01")).quantize(Decimal("0.01"), ROUND_HALF_UP) \
            if item_id in edited else items_before[item_id]["ffrrTotalCost__c"]
        assert row["ffrrTotalCost__c"] == expected, item_id

    accounts_after = _rows(generated_org, "Account", '* EXCLUDE ("Id")')
    stamped = {i for i, row in accounts_after.items() if row != accounts_before[i]}
    assert len(stamped) == touched["Account"] > 0
    for account_id in stamped:
        differing = {k for k, v in accounts_after[account_id].items() if v != accounts_before[account_id][k]}
        assert differing == {"SystemModstamp"}, differing
