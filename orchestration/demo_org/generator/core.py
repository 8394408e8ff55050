"""generate_org: the steps in dependency order, from users and the catalogue to billing."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from orchestration.demo_org.generator import (
    accounts,
    billing,
    catalogue,
    contracts,
    line_items,
    opportunities,
)
from orchestration.demo_org.generator import orders as order_steps
from orchestration.demo_org.generator.calendar import NO_DATE
from orchestration.demo_org.generator.model import Context, GeneratedOrg
from orchestration.demo_org.schema import build_schema

MIN_SCALE = 100  # below this there are not enough contracts to plant every kind of problem


def generate_org(
    scale: int = 2000, seed: int = 7, reference_date: date = date(2026, 10, 31), billing_package: bool = True
) -> GeneratedOrg:
    """A seeded B2B SaaS org of about ``scale`` opportunities; the same arguments give the same tables."""
    if scale < MIN_SCALE:
        raise ValueError(f"scale must be at least {MIN_SCALE}, got {scale}")
    schema = build_schema(billing_package)
    ctx = Context(
        seed=seed, scale=scale, reference_date=reference_date, schema=schema, billing=billing_package
    )
    tables: dict[str, pa.Table] = {}

    tables["User"], user_ids, sales_users = catalogue.users(ctx)
    admin = user_ids[catalogue.ADMIN].as_py()
    tables["Pricebook2"], pricebook_ids = catalogue.pricebooks(ctx, admin)
    tables["Product2"], product_ids = catalogue.products(ctx, admin)
    tables["PricebookEntry"], entry_ids, entry_row, entry_price = catalogue.pricebook_entries(
        ctx, admin, pricebook_ids, product_ids
    )
    tables["OpportunityStage"] = catalogue.opportunity_stages(ctx, admin)

    orders, items = _sales(
        ctx, tables, user_ids, sales_users, pricebook_ids, product_ids, entry_ids, entry_row, entry_price
    )
    if billing_package:
        account_ids = tables["Account"].column("Id").chunk(0)
        tables.update(billing.billing_tables(ctx, orders, items, account_ids, product_ids, admin))
    ordered = {name: tables[name] for name in schema.objects}
    return GeneratedOrg(ordered, tuple(ctx.planted), seed, scale, reference_date)


def _sales(
    ctx: Context,
    tables: dict[str, pa.Table],
    user_ids: pa.Array,
    sales_users: np.ndarray,
    pricebook_ids: pa.Array,
    product_ids: pa.Array,
    entry_ids: pa.Array,
    entry_row: np.ndarray,
    entry_price: np.ndarray,
) -> tuple[order_steps.Orders, order_steps.OrderItems]:
    """Accounts, opportunities, their lines, orders and order products (and the FX rates they need).

    A function of its own so that the contract and line arrays are freed before billing starts: at a
    million opportunities they are the difference between fitting in memory comfortably or not.
    """
    admin = user_ids[catalogue.ADMIN].as_py()
    c, subs = contracts.plan_contracts(ctx)
    contracts.finish_contracts(ctx, c)
    n_accounts = int(subs.account[-1]) + 1
    prospect = np.zeros(n_accounts, dtype=bool)
    prospect[subs.account[subs.prospect]] = True
    plan = accounts.plan_accounts(ctx, n_accounts, prospect, sales_users)

    lines = line_items.plan_lines(ctx, c, len(subs.account), plan, entry_row, entry_price)
    line_ids, position = line_items.real_line_ids(lines)
    has_real_lines = np.bincount(lines.opp[~lines.virtual], minlength=len(c)) > 0
    clean = opportunities.plant_contract_issues(ctx, c, has_real_lines)
    line_items.plant_missing_end_dates(ctx, c, lines, line_ids, position)
    line_items.plant_line_issues(ctx, lines, clean, product_ids, line_ids, position)

    currency = plan.currency[c.account]
    money = opportunities.amounts(ctx, c, lines, clean, currency)
    owner = opportunities.owners(ctx, c, plan, sales_users)
    created, modified = opportunities.audit_days(ctx, c)
    lookup_product = np.full(len(c), -1, dtype=np.int64)
    lookup_product[lines.opp[lines.virtual]] = lines.product[lines.virtual]
    tables["Opportunity"] = opportunities.opportunity_table(
        ctx, c, plan, money, owner, created, modified, user_ids, pricebook_ids, lookup_product
    )
    tables["OpportunityLineItem"] = line_items.line_item_table(
        ctx, c, lines, line_ids, product_ids, entry_ids, user_ids, owner, created, modified
    )
    del line_ids, position, money
    tables["DatedConversionRate"] = catalogue.dated_conversion_rates(
        ctx, admin, _rate_gap_month(ctx, c, currency)
    )
    tables["Account"] = _account_table(ctx, c, plan, created, user_ids)

    orders = order_steps.plan_orders(ctx, c, plan)
    items = order_steps.plan_order_items(ctx, c, lines, orders)
    tables["Order"], order_created, order_modified = order_steps.order_table(
        ctx, c, plan, orders, owner, user_ids, pricebook_ids
    )
    tables["OrderItem"] = order_steps.order_item_table(
        ctx,
        c,
        orders,
        items,
        lines,
        clean,
        product_ids,
        entry_ids,
        user_ids,
        owner,
        order_created,
        order_modified,
    )
    return orders, items


def _rate_gap_month(ctx: Context, c: contracts.Contracts, currency: np.ndarray) -> np.datetime64:
    """A month in which a booked AUD contract starts, so the missing rate actually hurts someone."""
    months = catalogue.rate_months(ctx)
    starts = c.start.astype("datetime64[M]").astype("datetime64[D]")
    candidate = (
        (currency == catalogue.AUD)
        & (c.outcome == contracts.BOOKED)
        & ~c.deleted
        & c.has_dates
        & (starts > months[0])
        & (starts < months[-1])
    )
    rows = np.flatnonzero(candidate)
    if not len(rows):
        return months[-18]
    return starts[ctx.rng("rate_gap").choice(rows)]


def _account_table(
    ctx: Context,
    c: contracts.Contracts,
    plan: accounts.AccountPlan,
    opp_created: np.ndarray,
    user_ids: pa.Array,
) -> pa.Table:
    """Accounts exist before their first opportunity; customers since their first booked contract."""
    rng = ctx.rng("account_dates")
    n = len(plan.parent)
    far_future = np.iinfo(np.int64).max
    first_created = np.full(n, far_future)
    np.minimum.at(first_created, c.account, opp_created.astype(np.int64))
    created = (first_created - rng.integers(1, 61, n)).astype("datetime64[D]")
    booked = np.flatnonzero((c.outcome == contracts.BOOKED) & ~c.deleted & c.has_dates)
    first_start = np.full(n, far_future)
    np.minimum.at(first_start, c.account[booked], c.start[booked].astype(np.int64))
    customer_since = np.where(first_start == far_future, NO_DATE, first_start.astype("datetime64[D]"))
    return accounts.account_table(ctx, plan, created, customer_since, user_ids)
