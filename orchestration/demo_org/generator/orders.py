"""Orders and order products: the revenue contracts and performance obligations of booked deals.

Order products mirror the opportunity's lines (with the product as sold, whatever an import later did to
the opportunity line) and carry the Revenue Cloud recognition fields; their template, billing settings
and include flag decide where each obligation's revenue is recognised: on the order product itself, on
invoice lines ("As Invoiced") or on usage summaries ("On Delivery"), never on two of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from orchestration.demo_org.generator.accounts import AccountPlan
from orchestration.demo_org.generator.calendar import round_money
from orchestration.demo_org.generator.catalogue import (
    LIST_FX,
    PRODUCT_COST_USD,
    PRODUCT_KIND,
    PRODUCT_SSP_USD,
    PRODUCTS,
    RECURRING,
    SERVICE,
    USAGE,
)
from orchestration.demo_org.generator.columns import id_array, numbered, take
from orchestration.demo_org.generator.contracts import BOOKED, Contracts, Picker
from orchestration.demo_org.generator.line_items import Lines
from orchestration.demo_org.generator.model import Context
from orchestration.demo_org.schema import CURRENCIES, RECOGNITION_TEMPLATES

LEGAL_ENTITIES = (
    "Northwind Cloud Inc.",
    "Northwind Cloud GmbH",
    "Northwind Cloud Ltd",
    "Northwind Cloud KK",
    "Northwind Cloud Canada Inc.",
    "Northwind Cloud Pty Ltd",
)
ORDER_TYPES = ("New", "Renewal", "Amendment")
ORDER_STATUSES = ("Draft", "Activated", "Cancelled")
DRAFT, ACTIVATED = 0, 1
CHARGE_TYPES = ("Recurring", "One-Time", "Usage")  # indexed by product kind
FREQUENCIES = ("Monthly", "Quarterly", "Annual", "Invoice Plan")
MONTHLY, QUARTERLY, ANNUAL, INVOICE_PLAN = range(4)
BILLING_TYPES = ("Advance", "Arrears")
ADVANCE, ARREARS = 0, 1
TEMPLATES = (*RECOGNITION_TEMPLATES, "Straight Line (legacy)")
T = {name: i for i, name in enumerate(TEMPLATES)}
EQUAL_SPLITS = np.array(
    [
        T["Equal Split Days"],
        T["Equal Split Months"],
        T["Equal Split Months/PP"],
        T["Equal Split Months/PP with Actual Days"],
        T["Equal Split 445"],
    ]
)
# GL account codes, as the connector's GLA fields hold them.
INCOME_ACCOUNTS = {
    "Platform": "4000",
    "Add-on": "4000",
    "Support": "4300",
    "Services": "4100",
    "Usage": "4200",
}
PRODUCT_INCOME_ACCOUNT = tuple(INCOME_ACCOUNTS[p.family] for p in PRODUCTS)
DEFERRED_REVENUE = "2400"


@dataclass
class Orders:
    opp: np.ndarray
    status: np.ndarray
    account: np.ndarray
    currency: np.ndarray
    start: np.ndarray
    end: np.ndarray
    ids: pa.Array


@dataclass
class OrderItems:
    """Per order product, the fields billing needs (before any planted edit)."""

    order: np.ndarray
    line: np.ndarray  # row in Lines
    product: np.ndarray
    kind: np.ndarray
    quantity: np.ndarray
    unit_price: np.ndarray
    total: np.ndarray
    currency: np.ndarray
    start: np.ndarray
    end: np.ndarray
    frequency: np.ndarray
    billing_type: np.ndarray
    template: np.ndarray
    ids: pa.Array

    def __len__(self) -> int:
        return len(self.order)


def plan_orders(ctx: Context, c: Contracts, plan: AccountPlan) -> Orders:
    """One order per booked, live opportunity with contract dates; a few recent ones still in Draft."""
    rng = ctx.rng("orders")
    opp = np.flatnonzero((c.outcome == BOOKED) & ~c.deleted & ~c.missing_dates)
    recent = c.close[opp] > ctx.ref - np.timedelta64(21, "D")
    status = np.where(recent & (rng.random(len(opp)) < 0.5), DRAFT, ACTIVATED)
    return Orders(
        opp=opp,
        status=status,
        account=c.account[opp],
        currency=plan.currency[c.account[opp]],
        start=c.start[opp],
        end=c.end[opp],
        ids=id_array("801", len(opp)),
    )


def plan_order_items(ctx: Context, c: Contracts, lines: Lines, orders: Orders) -> OrderItems:
    rng = ctx.rng("order_items")
    order_of_opp = np.full(len(c), -1)
    order_of_opp[orders.opp] = np.arange(len(orders.opp))
    line = np.flatnonzero(order_of_opp[lines.opp] >= 0)
    m = len(line)
    order = order_of_opp[lines.opp[line]]
    product = lines.product[line]
    kind = PRODUCT_KIND[product]
    start, end = orders.start[order], orders.end[order]
    service_days = rng.integers(30, 121, m).astype("timedelta64[D]")
    end = np.where(kind == SERVICE, np.minimum(start + service_days, end), end)

    frequency = np.select(
        [kind == USAGE, kind == RECURRING], [MONTHLY, rng.choice(4, size=m, p=[0.2, 0.25, 0.5, 0.05])], -1
    )
    billing_type = np.select(
        [kind == USAGE, frequency == INVOICE_PLAN, kind == RECURRING],
        [ARREARS, ARREARS, np.where(rng.random(m) < 0.9, ADVANCE, ARREARS)],
        ADVANCE,
    )
    template = np.select(
        [kind == RECURRING, kind == SERVICE],
        [
            EQUAL_SPLITS[rng.choice(5, size=m, p=[0.35, 0.25, 0.15, 0.15, 0.10])],
            np.where(rng.random(m) < 0.6, T["% Complete"], T["Deliverable"]),
        ],
        np.where(rng.random(m) < 0.6, T["On Delivery"], T["As Invoiced"]),
    )
    return OrderItems(
        order=order,
        line=line,
        product=product,
        kind=kind,
        quantity=lines.quantity[line],
        unit_price=lines.unit_price[line],
        total=lines.total[line],
        currency=orders.currency[order],
        start=start,
        end=end,
        frequency=frequency,
        billing_type=billing_type,
        template=template,
        ids=id_array("802", m),
    )


def order_table(
    ctx: Context,
    c: Contracts,
    plan: AccountPlan,
    orders: Orders,
    owner: np.ndarray,
    user_ids: pa.Array,
    pricebook_ids: pa.Array,
) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """The Order table, and each order's created and modified days (its products share them)."""
    rng = ctx.rng("order_table")
    n = len(orders.opp)
    opp = orders.opp
    created = np.minimum(c.close[opp] + rng.integers(1, 6, n).astype("timedelta64[D]"), ctx.ref)
    modified = np.minimum(created + rng.integers(0, 10, n).astype("timedelta64[D]"), ctx.ref)
    owner_ids = take(user_ids, owner[opp])
    status = take(ORDER_STATUSES, orders.status)
    table = ctx.table(
        "Order",
        n,
        {
            "Id": orders.ids,
            "AccountId": take(plan.ids, orders.account),
            "OpportunityId": take(c.ids, opp),
            "Pricebook2Id": take(pricebook_ids, plan.partner_pricebook[orders.account].astype(np.int64)),
            "OrderNumber": numbered("", 8, np.arange(1, n + 1)),
            "EffectiveDate": orders.start,
            "EndDate": orders.end,
            "Status": status,
            "StatusCode": status,
            "Type": take(ORDER_TYPES, c.kind[opp]),
            "ffrrLegalEntity__c": take(LEGAL_ENTITIES, orders.currency),
            "OwnerId": owner_ids,
            "CurrencyIsoCode": take(CURRENCIES, orders.currency),
            **ctx.audit(rng, created, modified, owner_ids),
        },
    )
    return table, created, modified


def order_item_table(
    ctx: Context,
    c: Contracts,
    orders: Orders,
    items: OrderItems,
    lines: Lines,
    clean: np.ndarray,
    product_ids: pa.Array,
    entry_ids: pa.Array,
    user_ids: pa.Array,
    owner: np.ndarray,
    order_created: np.ndarray,
    order_modified: np.ndarray,
) -> pa.Table:
    """The OrderItem table, with the planted end-before-start dates and unknown template."""
    rng = ctx.rng("order_item_table")
    m = len(items)
    kind, currency = items.kind, items.currency
    term_years = c.term[orders.opp[items.order]] / 12
    include = (kind != USAGE) & (items.frequency != INVOICE_PLAN) & (rng.random(m) >= 0.01)
    prorate = np.where((kind == RECURRING) & (rng.random(m) < 0.6), np.round(term_years, 4), np.nan)
    ssp_per_unit = round_money(PRODUCT_SSP_USD[items.product] * LIST_FX[currency], currency)
    ssp = np.where(rng.random(m) < 0.6, ssp_per_unit, np.nan)
    prorate = np.where(~np.isnan(ssp) & (kind == RECURRING), np.round(term_years, 4), prorate)
    unit_cost = round_money(PRODUCT_COST_USD[items.product] * LIST_FX[currency], currency)
    has_cost = rng.random(m) < 0.7
    cost_years = np.where(kind == RECURRING, term_years, 1.0)
    total_cost = np.where(
        has_cost & (rng.random(m) < 0.4),
        round_money(unit_cost * items.quantity * cost_years, currency),
        np.nan,
    )
    elapsed = (ctx.ref - items.start).astype(np.int64) / np.maximum(
        (items.end - items.start).astype(np.int64), 1
    )
    percent = np.where(items.template == T["% Complete"], np.round(np.clip(elapsed, 0, 1) * 100, 2), np.nan)
    delivered = (items.template == T["Deliverable"]) & (items.end <= ctx.ref) & (rng.random(m) < 0.9)

    end = items.end.copy()
    template = items.template.copy()
    activated = orders.status[items.order] == ACTIVATED
    candidate = activated & clean[orders.opp[items.order]] & (kind == RECURRING) & include
    picker = Picker(rng, candidate)
    for row in picker.pick(candidate, 1, "an order product ending before it starts"):
        end[row] = items.start[row] - np.timedelta64(30, "D")
        ctx.plant(
            "OrderItem",
            items.ids[row].as_py(),
            "EndDate",
            "end_before_start",
            f"EndDate {end[row]} is before ServiceDate {items.start[row]}",
        )
    for row in picker.pick(candidate, 1, "an unknown recognition template"):
        template[row] = T["Straight Line (legacy)"]
        ctx.plant(
            "OrderItem",
            items.ids[row].as_py(),
            "ffrrTemplate__c",
            "unknown_template",
            "ffrrTemplate__c 'Straight Line (legacy)' is no recognition template",
        )

    opp = orders.opp[items.order]
    owner_ids = take(user_ids, owner[opp])
    return ctx.table(
        "OrderItem",
        m,
        {
            "Id": items.ids,
            "OrderId": take(orders.ids, items.order),
            "Product2Id": take(product_ids, items.product),
            "PricebookEntryId": take(entry_ids, lines.entry[items.line]),
            "OrderItemNumber": numbered("", 10, np.arange(1, m + 1)),
            "Quantity": items.quantity,
            "UnitPrice": items.unit_price,
            "ListPrice": lines.list_price[items.line],
            "ServiceDate": items.start,
            "EndDate": end,
            "SBQQ__ProrateMultiplier__c": prorate,
            "blng__ChargeType__c": take(CHARGE_TYPES, kind),
            "blng__BillingFrequency__c": take(FREQUENCIES, items.frequency),
            "blng__BillingType__c": take(BILLING_TYPES, items.billing_type),
            "ffrrTemplate__c": take(TEMPLATES, template),
            "ffrrIncludeInRevenueRecognition__c": include,
            "ffrrPercentComplete__c": percent,
            "ffrrDelivered__c": delivered,
            "ffrrStandaloneSellingPrice__c": ssp,
            "ffrrUnitCost__c": np.where(has_cost, unit_cost, np.nan),
            "ffrrTotalCost__c": total_cost,
            "ffrrBalanceSheetAccount__c": DEFERRED_REVENUE,
            "ffrrIncomeStatementAccount__c": take(PRODUCT_INCOME_ACCOUNT, items.product),
            **ctx.audit(rng, order_created[items.order], order_modified[items.order], owner_ids),
        },
    )
