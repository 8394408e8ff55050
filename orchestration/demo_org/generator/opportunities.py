"""Opportunity records: planted contract problems, amounts, overrides and the Opportunity table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo_org.generator.accounts import AccountPlan
from orchestration.demo_org.generator.calendar import NO_DATE, round_money, years
from orchestration.demo_org.generator.catalogue import PRODUCT_CODES
from orchestration.demo_org.generator.columns import join, numbered, take
from orchestration.demo_org.generator.contracts import (
    AMENDMENT,
    BOOKED,
    NEW_BUSINESS,
    OPEN,
    RENEWAL,
    Contracts,
    Picker,
)
from orchestration.demo_org.generator.line_items import Lines
from orchestration.demo_org.generator.model import Context
from orchestration.demo_org.schema import CURRENCIES, STAGES
from orchestration.salesforce.ids import make_id

MISSING = -2  # link row value standing for an Id that no record has
MISSING_OPPORTUNITY_NUMBER = 62**8 - 1000  # below the numbers the emulator gives API-created records
TYPES = ("New Business", "Renewal", "Existing Business - Upgrade", "Existing Business - Downgrade")
NAME_LABELS = ("New Business", "Renewal", "Upsell", "Downsell")
LEAD_SOURCES = ("Web", "Partner Referral", "Trade Show", "Outbound", "Customer Referral")
FORECAST_CATEGORIES = tuple("Forecast" if s[4] == "Commit" else s[4] for s in STAGES)


@dataclass
class Amounts:
    amount: np.ndarray
    assigned_arr: np.ndarray
    assigned_mrr: np.ndarray


def plant_contract_issues(ctx: Context, c: Contracts, has_real_lines: np.ndarray) -> np.ndarray:
    """Link cycles, self-links, conflicting links, contracts without dates, an amendment of nothing.

    Returns the rows still clean (booked, not deleted, not a test, nothing planted) for line-level plants.
    """
    rng = ctx.rng("contract_issues")
    n = len(c)
    rows = np.arange(n)
    picker = Picker(rng, (c.outcome == BOOKED) & ~c.deleted & ~c.test)
    linked_both = (c.kind == RENEWAL) & (c.renews >= 0) & (c.renewed_by[np.maximum(c.renews, 0)] == rows)
    child_of = np.full(n, -1)  # the renewal that links back to each parent on both sides
    child_of[c.parent[linked_both]] = rows[linked_both]
    grandchild = np.where(child_of >= 0, child_of[np.maximum(child_of, 0)], -1)
    root = (c.kind == NEW_BUSINESS) & (c.renews == -1)

    def usable_child(parent_rows: np.ndarray) -> np.ndarray:
        return (child_of[parent_rows] >= 0) & picker.free[np.maximum(child_of[parent_rows], 0)]

    three = root & (grandchild >= 0) & usable_child(rows)
    three &= picker.free[np.maximum(grandchild, 0)]
    cycles = [(p, 3) for p in picker.pick(three, 1, "a three-contract renewal cycle")] if three.any() else []
    two = root & usable_child(rows)
    cycles += [(p, 2) for p in picker.pick(two, 2 - len(cycles), "a renewal cycle")]
    for p, length in cycles:
        last = child_of[p] if length == 2 else grandchild[p]
        picker.free[[child_of[p], last]] = False
        c.renews[p] = last
        ctx.plant(
            "Opportunity",
            c.ids[p].as_py(),
            "Renews__c",
            "renewal_cycle",
            f"chain root renews its own {'renewal' if length == 2 else 'second renewal'} "
            f"{c.ids[last].as_py()}: a {length}-contract cycle",
        )

    for p in picker.pick(root, 1, "a self-renewal"):
        c.renews[p] = p
        ctx.plant("Opportunity", c.ids[p].as_py(), "Renews__c", "self_renewal", "Renews__c is its own Id")

    for p in picker.pick(usable_child(rows), 2, "conflicting renewal links"):
        child = child_of[p]
        picker.free[child] = False
        same_account = np.flatnonzero(
            (c.account == c.account[p]) & (rows != p) & (rows != child) & ~c.deleted
        )
        other = int(same_account[0]) if len(same_account) else int((p + n // 2) % n)
        c.renewed_by[p] = other
        ctx.plant(
            "Opportunity",
            c.ids[p].as_py(),
            "Renewed_By__c",
            "conflicting_renewal_link",
            f"Renewed_By__c {c.ids[other].as_py()} but {c.ids[child].as_py()} says it renews this one",
        )

    has_child = np.zeros(n, dtype=bool)
    has_child[c.parent[c.parent >= 0]] = True
    standalone = ~has_child & (c.kind != AMENDMENT) & (c.renews == -1) & (c.renewed_by == -1) & has_real_lines
    if (standalone & picker.free).sum() < 2:
        standalone = ~has_child & (c.kind != AMENDMENT) & has_real_lines
    for p in picker.pick(standalone, 2, "contracts without dates"):
        c.missing_dates[p] = True
        ctx.plant(
            "Opportunity",
            c.ids[p].as_py(),
            "Start_Date__c",
            "missing_dates",
            "Booked contract with neither Start_Date__c nor End_Date__c",
        )

    for a in picker.pick(c.kind == AMENDMENT, 1, "an amendment of a missing contract"):
        parent = c.amends[a]
        if c.amended_by[parent] == a:
            c.amended_by[parent] = -1
        c.amends[a] = MISSING
        ctx.plant(
            "Opportunity",
            c.ids[a].as_py(),
            "Amends__c",
            "amendment_of_missing_contract",
            f"Amends__c {make_id('006', MISSING_OPPORTUNITY_NUMBER)} is no opportunity in the org",
        )
    return picker.free


def amounts(ctx: Context, c: Contracts, lines: Lines, clean: np.ndarray, currency: np.ndarray) -> Amounts:
    """Amount = the sum of the lines; ~2% carry Assigned ARR and MRR (ARR = 12 x MRR), two ARR alone."""
    rng = ctx.rng("amounts")
    n = len(c)
    amount = round_money(np.bincount(lines.opp, weights=lines.total, minlength=n), currency)
    recurring = np.bincount(lines.opp, weights=np.where(lines.recurring, lines.total, 0), minlength=n)
    monthly = round_money(recurring / c.term * rng.uniform(0.9, 1.1, n), currency)
    both = (c.outcome == BOOKED) & ~c.deleted & (rng.random(n) < 0.02) & clean
    lone = Picker(rng, clean & ~both & (recurring > 0)).pick(np.ones(n, dtype=bool), 2, "lone assigned ARR")
    assigned_arr = np.where(both, monthly * 12, np.nan)
    assigned_mrr = np.where(both, monthly, np.nan)
    assigned_arr[lone] = round_money(recurring[lone] / c.term[lone] * 12, currency[lone])
    for p in lone:
        ctx.plant(
            "Opportunity",
            c.ids[p].as_py(),
            "Assigned_ARR__c",
            "lone_assigned_arr",
            "Assigned_ARR__c without Assigned_MRR__c: the override needs both and is ignored",
        )
    return Amounts(amount, round_money(assigned_arr, currency), assigned_mrr)


def audit_days(ctx: Context, c: Contracts) -> tuple[np.ndarray, np.ndarray]:
    """Created a few weeks to months before closing; last touched around the close (or lately, if open)."""
    rng = ctx.rng("opportunity_audit")
    n = len(c)
    created = np.minimum(c.close, c.start) - rng.integers(7, 121, n).astype("timedelta64[D]")
    created = np.minimum(created, ctx.ref - rng.integers(0, 31, n).astype("timedelta64[D]"))
    touched = np.where(
        c.outcome == OPEN,
        ctx.ref - rng.integers(0, 31, n).astype("timedelta64[D]"),
        c.close + rng.integers(0, 15, n).astype("timedelta64[D]"),
    )
    later = rng.random(n) < 0.2  # edited again long after closing (a field update, a mass update)
    age = np.maximum((ctx.ref - touched).astype(np.int64), 0)
    touched = touched + np.where(later, (age * rng.random(n)).astype(np.int64), 0).astype("timedelta64[D]")
    return created, np.minimum(np.maximum(touched, created), ctx.ref)


def owners(ctx: Context, c: Contracts, plan: AccountPlan, sales_users: np.ndarray) -> np.ndarray:
    rng = ctx.rng("opportunity_owner")
    n = len(c)
    other = sales_users[rng.integers(0, len(sales_users), n)]
    return np.where(rng.random(n) < 0.85, plan.owner[c.account], other)


def opportunity_table(
    ctx: Context,
    c: Contracts,
    plan: AccountPlan,
    money: Amounts,
    owner: np.ndarray,
    created: np.ndarray,
    modified: np.ndarray,
    user_ids: pa.Array,
    pricebook_ids: pa.Array,
    lookup_product: np.ndarray,
) -> pa.Table:
    """The Opportunity table; ``lookup_product`` names the product of contracts sold without lines (-1: none)."""
    rng = ctx.rng("opportunity_table")
    n = len(c)
    label = np.where(c.kind == AMENDMENT, 2 + c.downgrade, c.kind)
    name = join(
        take(plan.names, c.account),
        " - ",
        take(NAME_LABELS, label),
        " ",
        pa.array(years(c.start).astype(str)),
    )
    name = pc.if_else(pa.array(c.test), join("TEST - ", name), name)
    stage_closed = np.array([s[2] for s in STAGES])
    stage_won = np.array([s[3] for s in STAGES])
    amends = take(c.ids, np.maximum(c.amends, -1))
    if (c.amends == MISSING).any():
        amends = pc.replace_with_mask(
            amends,
            pa.array(c.amends == MISSING),
            pa.array([make_id("006", MISSING_OPPORTUNITY_NUMBER)] * int((c.amends == MISSING).sum())),
        )
    owner_ids = take(user_ids, owner)
    lead_source = np.where(c.kind == NEW_BUSINESS, rng.integers(0, len(LEAD_SOURCES), n), -1)
    lead_source[rng.random(n) < 0.15] = -1
    return ctx.table(
        "Opportunity",
        n,
        {
            "Id": c.ids,
            "AccountId": take(plan.ids, c.account),
            "Name": name,
            "StageName": take([s[0] for s in STAGES], c.stage),
            "Amount": money.amount,
            "Probability": np.array([s[5] for s in STAGES], dtype=float)[c.stage],
            "CloseDate": c.close,
            "Type": take(TYPES, label),
            "LeadSource": take(LEAD_SOURCES, lead_source),
            "IsClosed": stage_closed[c.stage],
            "IsWon": stage_won[c.stage],
            "ForecastCategory": take(FORECAST_CATEGORIES, c.stage),
            "Pricebook2Id": take(pricebook_ids, plan.partner_pricebook[c.account].astype(np.int64)),
            "OwnerId": owner_ids,
            "CurrencyIsoCode": take(CURRENCIES, plan.currency[c.account]),
            "Import_To_Revenue__c": ~c.test,
            "Start_Date__c": np.where(c.missing_dates, NO_DATE, c.start),
            "End_Date__c": np.where(c.missing_dates, NO_DATE, c.end),
            "Renews__c": take(c.ids, c.renews),
            "Renewed_By__c": take(c.ids, c.renewed_by),
            "Amends__c": amends,
            "Amended_By__c": take(c.ids, c.amended_by),
            "Assigned_ARR__c": money.assigned_arr,
            "Assigned_MRR__c": money.assigned_mrr,
            "Termination_Date__c": c.termination_date,
            "Terminated_Effective_Date__c": c.terminated_effective,
            "External_Id__c": numbered("OPP-", 7, np.arange(1, n + 1)),
            "Product_Lookup_Key__c": take(PRODUCT_CODES, lookup_product),
            "IsDeleted": c.deleted,
            **ctx.audit(rng, created, modified, owner_ids),
        },
    )
