"""Salesforce Billing records: invoices, invoice lines, credit notes and usage summaries.

Volumes stay proportional to the orders: one invoice per activated order and billing year begun by the
reference date, one line per order product and invoice, credit notes for ~5% of posted invoices, and one
usage summary per usage order product and month. Recurring lines bill the year's share of the term total
by running total, so a fully invoiced order product sums exactly to its total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from orchestration.demo_org.generator.calendar import (
    DAY,
    add_months,
    month_end,
    month_start,
    round_money,
    whole_months_between,
)
from orchestration.demo_org.generator.catalogue import LIST_FX, PRODUCTS, RECURRING, SERVICE, USAGE
from orchestration.demo_org.generator.columns import id_array, numbered, take
from orchestration.demo_org.generator.model import Context
from orchestration.demo_org.generator.orders import (
    ACTIVATED,
    BILLING_TYPES,
    CHARGE_TYPES,
    DEFERRED_REVENUE,
    FREQUENCIES,
    INVOICE_PLAN,
    PRODUCT_INCOME_ACCOUNT,
    OrderItems,
    Orders,
    T,
)
from orchestration.demo_org.schema import CURRENCIES

INVOICE_STATUSES = ("Draft", "Posted", "Cancelled")
DRAFT, POSTED, CANCELLED = range(3)
SUMMARY_STATUSES = ("New", "Queued For Invoice", "Invoiced")


@dataclass
class Invoices:
    order: np.ndarray
    year: np.ndarray  # billing year k: the invoice dated k years after the order starts
    date: np.ndarray
    status: np.ndarray
    first_of_order: np.ndarray  # per order: row of its first invoice (-1 when none)
    count_of_order: np.ndarray
    ids: pa.Array


@dataclass
class InvoiceLines:
    item: np.ndarray
    invoice: np.ndarray
    start: np.ndarray
    end: np.ndarray
    quantity: np.ndarray
    subtotal: np.ndarray
    included: np.ndarray
    first_of_item: np.ndarray  # per order product: row of its first invoice line (lines are item-major)
    ids: pa.Array


def billing_tables(
    ctx: Context,
    orders: Orders,
    items: OrderItems,
    account_ids: pa.Array,
    product_ids: pa.Array,
    admin: str,
) -> dict[str, pa.Table]:
    """All five Billing tables; ``admin`` is the User that runs the billing jobs."""
    rng = ctx.rng("billing")
    invoices = _invoices(ctx, rng, orders)
    lines = _invoice_lines(items, invoices)
    tables = {  # the summaries first: they set the amounts of the usage invoice lines
        "blng__UsageSummary__c": _usage_summaries(
            ctx, rng, orders, items, invoices, lines, account_ids, admin
        ),
        "blng__Invoice__c": _invoice_table(ctx, rng, orders, invoices, account_ids, admin),
        "blng__InvoiceLine__c": _invoice_line_table(ctx, rng, items, invoices, lines, product_ids, admin),
    }
    tables["blng__CreditNote__c"], tables["blng__CreditNoteLine__c"] = _credit_notes(
        ctx, rng, orders, items, invoices, lines, account_ids, product_ids, admin
    )
    return tables


def _invoices(ctx: Context, rng: np.random.Generator, orders: Orders) -> Invoices:
    """One invoice per billing year that has begun: 1 for most orders, up to 3 for three-year terms."""
    billed = (orders.status == ACTIVATED) & (orders.start <= ctx.ref)
    last_day = np.minimum(orders.end, ctx.ref)
    count = np.where(billed, whole_months_between(orders.start, last_day) // 12 + 1, 0)
    order = np.repeat(np.arange(len(count)), count)
    first = np.cumsum(count) - count
    year = np.arange(len(order)) - first[order]
    date = add_months(orders.start[order], 12 * year)
    n = len(order)
    status = np.full(n, POSTED)
    status[(date > ctx.ref - np.timedelta64(20, "D")) & (rng.random(n) < 0.6)] = DRAFT
    status[rng.random(n) < 0.02] = CANCELLED
    return Invoices(order, year, date, status, np.where(count > 0, first, -1), count, id_array("a0I", n))


def _invoice_lines(items: OrderItems, invoices: Invoices) -> InvoiceLines:
    """A line per order product and invoice; one-time charges bill once, with the first invoice."""
    count = invoices.count_of_order[items.order]
    count = np.where(items.kind == SERVICE, np.minimum(count, 1), count)
    item = np.repeat(np.arange(len(items)), count)
    first = np.cumsum(count) - count
    year = np.arange(len(item)) - first[item]
    invoice = invoices.first_of_order[items.order[item]] + year
    start, end = items.start[item], items.end[item]
    period_start = add_months(start, 12 * year)
    period_end = np.minimum(add_months(start, 12 * (year + 1)) - DAY, end)
    one_time = items.kind[item] == SERVICE
    period_start = np.where(one_time, start, period_start)
    period_end = np.where(one_time, end, period_end)
    days = np.maximum((end - start).astype(np.int64) + 1, 1)
    total, currency = items.total[item], items.currency[item]
    through = round_money(total * ((period_end - start).astype(np.int64) + 1) / days, currency)
    before = round_money(total * (period_start - start).astype(np.int64) / days, currency)
    subtotal = np.where(one_time, total, through - before)
    quantity = items.quantity[item].astype(float)
    usage = items.kind[item] == USAGE
    subtotal[usage], quantity[usage] = 0.0, 0.0  # filled from the usage summaries
    included = (usage & (items.template[item] == T["As Invoiced"])) | (items.frequency[item] == INVOICE_PLAN)
    return InvoiceLines(
        item,
        invoice,
        period_start,
        period_end,
        quantity,
        subtotal,
        included,
        first,
        id_array("a0J", len(item)),
    )


def _usage_summaries(
    ctx: Context,
    rng: np.random.Generator,
    orders: Orders,
    items: OrderItems,
    invoices: Invoices,
    lines: InvoiceLines,
    account_ids: pa.Array,
    admin: str,
) -> pa.Table:
    """Monthly usage per usage order product from its start through the reference month.

    Each usage invoice line bills the summaries of its billing year: their revenue and quantity are added
    to ``lines`` here. Usage is recognised from the summaries ("On Delivery") only where the order product
    does not say "As Invoiced", so no usage is recognised twice.
    """
    usage = np.flatnonzero(
        (items.kind == USAGE) & (orders.status[items.order] == ACTIVATED) & (items.start <= ctx.ref)
    )
    last = np.minimum(items.end[usage], ctx.ref)
    months = (last.astype("datetime64[M]") - items.start[usage].astype("datetime64[M]")).astype(np.int64) + 1
    item = np.repeat(usage, months)
    first = np.cumsum(months) - months
    offset = np.arange(len(item)) - np.repeat(first, months)
    month = add_months(month_start(items.start[item]), offset)
    start = np.maximum(month, items.start[item])
    end = np.minimum(month_end(month), items.end[item])
    n = len(item)
    term_months = np.maximum((items.end[item] - items.start[item]).astype(np.int64) / 30.4375, 1)
    quantity = np.round(items.quantity[item] / term_months * rng.lognormal(0, 0.35, n), 2)
    currency = items.currency[item]
    revenue = round_money(quantity * items.unit_price[item], currency)

    year = whole_months_between(items.start[item], start) // 12
    line = lines.first_of_item[item] + year
    lines.subtotal += np.bincount(line, weights=revenue, minlength=len(lines.item))
    lines.quantity += np.bincount(line, weights=quantity, minlength=len(lines.item))
    lines.subtotal[:] = round_money(lines.subtotal, items.currency[lines.item])
    invoice = lines.invoice[line]
    complete = end < ctx.ref
    status = np.where(complete, 2, 0)
    status[complete & (invoices.status[invoice] != POSTED)] = 1
    include = items.template[item] == T["On Delivery"]
    created = np.minimum(end + DAY, ctx.ref)
    return ctx.table(
        "blng__UsageSummary__c",
        n,
        {
            "Id": id_array("a0M", n),
            "Name": numbered("US-", 8, np.arange(1, n + 1)),
            "blng__Account__c": take(account_ids, orders.account[items.order[item]]),
            "blng__Order__c": take(orders.ids, items.order[item]),
            "blng__OrderProduct__c": take(items.ids, item),
            "blng__Invoice__c": take(invoices.ids, np.where(status == 2, invoice, -1)),
            "blng__SummaryStartDate__c": start,
            "blng__SummaryEndDate__c": end,
            "blng__TotalQuantity__c": quantity,
            "blng__TotalRevenue__c": revenue,
            "blng__Status__c": take(SUMMARY_STATUSES, status),
            "ffrrTemplate__c": "On Delivery",
            "ffrrIncludeInRevenueRecognition__c": include,
            "ffrrBalanceSheetAccount__c": DEFERRED_REVENUE,
            "ffrrIncomeStatementAccount__c": take(PRODUCT_INCOME_ACCOUNT, items.product[item]),
            "CurrencyIsoCode": take(CURRENCIES, currency),
            **ctx.audit(rng, created, created, admin),
        },
    )


def _invoice_table(
    ctx: Context,
    rng: np.random.Generator,
    orders: Orders,
    invoices: Invoices,
    account_ids: pa.Array,
    admin: str,
) -> pa.Table:
    n = len(invoices.order)
    created = np.minimum(invoices.date, ctx.ref)
    modified = np.minimum(created + rng.integers(0, 6, n).astype("timedelta64[D]"), ctx.ref)
    return ctx.table(
        "blng__Invoice__c",
        n,
        {
            "Id": invoices.ids,
            "Name": numbered("INV-", 7, np.arange(1, n + 1)),
            "blng__Account__c": take(account_ids, orders.account[invoices.order]),
            "blng__Order__c": take(orders.ids, invoices.order),
            "blng__InvoiceDate__c": invoices.date,
            "blng__DueDate__c": invoices.date + np.timedelta64(30, "D"),
            "blng__InvoiceStatus__c": take(INVOICE_STATUSES, invoices.status),
            "CurrencyIsoCode": take(CURRENCIES, orders.currency[invoices.order]),
            **ctx.audit(rng, created, modified, admin),
        },
    )


def _invoice_line_table(
    ctx: Context,
    rng: np.random.Generator,
    items: OrderItems,
    invoices: Invoices,
    lines: InvoiceLines,
    product_ids: pa.Array,
    admin: str,
) -> pa.Table:
    n = len(lines.item)
    item = lines.item
    quantity = np.round(lines.quantity, 2)
    currency = items.currency[item]
    unit_price = np.where(
        items.kind[item] == USAGE,
        items.unit_price[item],
        round_money(lines.subtotal / np.where(quantity == 0, 1, quantity), currency),
    )
    created = np.minimum(invoices.date[lines.invoice], ctx.ref)
    return ctx.table(
        "blng__InvoiceLine__c",
        n,
        {
            "Id": lines.ids,
            "Name": numbered("INVL-", 8, np.arange(1, n + 1)),
            "blng__Invoice__c": take(invoices.ids, lines.invoice),
            "blng__OrderProduct__c": take(items.ids, item),
            "blng__Product__c": take(product_ids, items.product[item]),
            "blng__StartDate__c": lines.start,
            "blng__EndDate__c": lines.end,
            "blng__Quantity__c": quantity,
            "blng__UnitPrice__c": unit_price,
            "blng__Subtotal__c": lines.subtotal,
            "blng__ChargeType__c": take(CHARGE_TYPES, items.kind[item]),
            "blng__BillingFrequency__c": take(FREQUENCIES, items.frequency[item]),
            "blng__BillingType__c": take(BILLING_TYPES, items.billing_type[item]),
            "blng__InvoiceLineStatus__c": take(INVOICE_STATUSES, invoices.status[lines.invoice]),
            "ffrrTemplate__c": "As Invoiced",
            "ffrrIncludeInRevenueRecognition__c": lines.included,
            "ffrrBalanceSheetAccount__c": DEFERRED_REVENUE,
            "ffrrIncomeStatementAccount__c": take(PRODUCT_INCOME_ACCOUNT, items.product[item]),
            "CurrencyIsoCode": take(CURRENCIES, currency),
            **ctx.audit(rng, created, created, admin),
        },
    )


def _credit_notes(
    ctx: Context,
    rng: np.random.Generator,
    orders: Orders,
    items: OrderItems,
    invoices: Invoices,
    lines: InvoiceLines,
    account_ids: pa.Array,
    product_ids: pa.Array,
    admin: str,
) -> tuple[pa.Table, pa.Table]:
    """Credits against ~5% of posted invoices (one line each), plus one posted without a source invoice."""
    positive = np.flatnonzero(lines.subtotal > 0)
    credited, first = np.unique(lines.invoice[positive], return_index=True)
    first_positive = np.full(len(invoices.order), -1)
    first_positive[credited] = positive[first]
    eligible = (
        (invoices.status == POSTED)
        & (first_positive >= 0)
        & (invoices.date <= ctx.ref - np.timedelta64(10, "D"))
    )
    invoice = np.flatnonzero(eligible & (rng.random(len(eligible)) < 0.05))
    n = len(invoice) + 1  # the last one has no source invoice
    credited_line = first_positive[invoice]
    date = np.minimum(
        invoices.date[invoice] + rng.integers(5, 61, len(invoice)).astype("timedelta64[D]"), ctx.ref
    )
    status = rng.choice(3, size=n, p=[0.05, 0.9, 0.05])
    status[-1] = POSTED
    orphan_order = int(rng.integers(len(orders.opp))) if len(orders.opp) else 0
    date = np.append(date, ctx.ref - np.timedelta64(45, "D"))
    account = np.append(orders.account[invoices.order[invoice]], orders.account[orphan_order])
    currency = np.append(orders.currency[invoices.order[invoice]], orders.currency[orphan_order])
    ids = id_array("a0K", n)
    note_table = ctx.table(
        "blng__CreditNote__c",
        n,
        {
            "Id": ids,
            "Name": numbered("CN-", 7, np.arange(1, n + 1)),
            "blng__Account__c": take(account_ids, account),
            "blng__RelatedInvoice__c": take(invoices.ids, np.append(invoice, -1)),
            "blng__CreditNoteDate__c": date,
            "blng__Status__c": take(INVOICE_STATUSES, status),
            "CurrencyIsoCode": take(CURRENCIES, currency),
            **ctx.audit(rng, date, date, admin),
        },
    )

    share = np.where(rng.random(len(invoice)) < 0.4, 1.0, rng.uniform(0.1, 0.9, len(invoice)))
    line_currency = currency[:-1]
    subtotal = round_money(lines.subtotal[credited_line] * share, line_currency)
    span = (lines.end[credited_line] - lines.start[credited_line]).astype(np.int64)
    start = lines.start[credited_line] + (np.where(share < 1, 1 - share, 0) * span).astype("timedelta64[D]")
    template = np.where(lines.included[credited_line], "As Invoiced", "Equal Split Days")
    item = lines.item[credited_line]
    orphan_product = next(i for i, p in enumerate(PRODUCTS) if p.kind == RECURRING)
    orphan_amount = round_money(np.array([1200.0 * LIST_FX[currency[-1]]]), currency[-1:])[0]
    return note_table, ctx.table(
        "blng__CreditNoteLine__c",
        n,
        {
            "Id": id_array("a0L", n),
            "Name": numbered("CNL-", 8, np.arange(1, n + 1)),
            "blng__CreditNote__c": ids,
            "blng__InvoiceLine__c": take(lines.ids, np.append(credited_line, -1)),
            "blng__Product__c": take(product_ids, np.append(items.product[item], orphan_product)),
            "blng__StartDate__c": np.append(start, date[-1]),
            "blng__EndDate__c": np.append(lines.end[credited_line], date[-1] + np.timedelta64(89, "D")),
            "blng__Subtotal__c": np.append(subtotal, orphan_amount),
            "blng__Status__c": take(INVOICE_STATUSES, status),
            "ffrrTemplate__c": pa.array(np.append(template, "Equal Split Days").tolist()),
            "ffrrIncludeInRevenueRecognition__c": status == POSTED,
            "ffrrBalanceSheetAccount__c": DEFERRED_REVENUE,
            "ffrrIncomeStatementAccount__c": take(
                PRODUCT_INCOME_ACCOUNT, np.append(items.product[item], orphan_product)
            ),
            "CurrencyIsoCode": take(CURRENCIES, currency),
            **ctx.audit(rng, date, date, admin),
        },
    )
