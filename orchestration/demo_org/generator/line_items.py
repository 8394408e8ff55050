"""Opportunity products: what each contract sells, in what quantity, at what price.

A subscription keeps its product mix across renewals (the platform tier, add-ons, support, usage), so a
renewal carries the same products with more or fewer seats, as real renewal quotes do; services are sold
with new business only and amendments add or remove platform (and add-on) seats. Each contract picks a
subset of seven "slots"; taking the non-zero cells of that opportunity x slot matrix yields all lines at
once, already grouped by opportunity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from orchestration.demo_org.generator.accounts import AccountPlan
from orchestration.demo_org.generator.calendar import DAY, NO_DATE, add_months, round_money
from orchestration.demo_org.generator.catalogue import (
    BLOCKS,
    DAYS,
    DUPLICATE_SKU_PRODUCT,
    DUPLICATED_SKU,
    NULL_SKU_PRODUCT,
    ONE,
    PRODUCT_CODES,
    PRODUCT_KIND,
    PRODUCT_NAMES,
    PRODUCT_QUANTITY_MODE,
    RECURRING,
    SERVICE,
    pool_products,
    product_index,
)
from orchestration.demo_org.generator.columns import id_array, sparse_strings, take
from orchestration.demo_org.generator.contracts import AMENDMENT, BOOKED, NEW_BUSINESS, Contracts, Picker
from orchestration.demo_org.generator.model import Context
from orchestration.demo_org.schema import CURRENCIES

PLATFORM, ADDON_A, ADDON_B, SUPPORT, USAGE_SLOT, SERVICE_A, SERVICE_B = range(7)
SLOT_SHARE = np.array([1.0, 0.65, 0.35, 0.55, 0.2, 0.6, 0.2])  # subscriptions that buy each slot
MAX_LINES = 5
LEGACY_SWAP = {"PLT-STD": "PLT-BAS-LEGACY", "SUP-STD": "SUP-GLD-OLD", "ADD-ANL": "ADD-RPT-V1"}
LEGACY_BEFORE_DAYS = int(3.5 * 365)


@dataclass
class Lines:
    """One row per line; ``virtual`` rows stand for contracts sold without lines (they become order items)."""

    opp: np.ndarray
    slot: np.ndarray
    sort_order: np.ndarray
    virtual: np.ndarray
    product: np.ndarray  # the product sold (what the order item shows)
    entry: np.ndarray  # PricebookEntry row
    currency: np.ndarray
    quantity: np.ndarray
    unit_price: np.ndarray  # per unit for the whole term
    total: np.ndarray
    list_price: np.ndarray  # the price book entry's per-unit (annual, for subscriptions) price
    start: np.ndarray  # line-level dates, usually empty: the contract dates override them
    end: np.ndarray
    service_date: np.ndarray
    item_arr: np.ndarray
    item_mrr: np.ndarray
    product_out: np.ndarray = None  # type: ignore[assignment]  # Product2Id as stored (-1 = empty)
    entry_out: np.ndarray = None  # type: ignore[assignment]
    code_text: dict[int, str] = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.opp)

    @property
    def recurring(self) -> np.ndarray:
        return PRODUCT_KIND[self.product] == RECURRING


def _subscription_mix(rng: np.random.Generator, n_sub: int) -> tuple[np.ndarray, np.ndarray]:
    """(product per slot, whether the subscription buys that slot), both (subscriptions x 7)."""
    products = np.empty((n_sub, 7), dtype=np.int64)
    for slot in range(7):
        pool, weights = pool_products(slot)
        products[:, slot] = pool[rng.choice(len(pool), size=n_sub, p=weights)]
    present = rng.random((n_sub, 7)) < SLOT_SHARE
    present[:, PLATFORM] = True
    present[:, ADDON_B] &= products[:, ADDON_B] != products[:, ADDON_A]
    return products, present


def plan_lines(
    ctx: Context, c: Contracts, n_sub: int, plan: AccountPlan, entry_row: np.ndarray, entry_price: np.ndarray
) -> Lines:
    """Lines of every opportunity, priced from its price book in its currency.

    Seats grow (or shrink) a little with each renewal; UnitPrice is the per-unit price for the whole term
    (annual list x term / 12 for subscriptions) after the deal's discount, TotalPrice = Quantity x UnitPrice.
    ~5% of booked contracts are sold without lines: they get one virtual platform line that sets the Amount
    and becomes the order product.
    """
    rng = ctx.rng("lines")
    n = len(c)
    products, present = _subscription_mix(rng, n_sub)
    base_seats = np.clip(np.round(rng.lognormal(np.log(35), 1.0, n_sub)), 1, 400)
    growth = rng.uniform(-0.05, 0.25, n_sub)
    seat_share = rng.choice([1.0, 0.5, 0.25], size=(n_sub, 7), p=[0.6, 0.3, 0.1])
    usage_blocks = rng.integers(20, 400, n_sub)
    legacy_sub = rng.random(n_sub) < 0.5

    no_lines = (c.outcome == BOOKED) & (c.kind != AMENDMENT) & (rng.random(n) < 0.05)
    mask = present[c.sub].copy()
    mask[:, SERVICE_A:] &= (c.kind == NEW_BUSINESS)[:, None]
    amendment = c.kind == AMENDMENT
    mask[amendment, ADDON_B:] = False
    mask[amendment, ADDON_A] &= rng.random(amendment.sum()) < 0.5
    mask[no_lines, 1:] = False
    rank = np.cumsum(mask, axis=1)
    mask &= rank <= MAX_LINES
    opp, slot = np.nonzero(mask)
    m = len(opp)
    sub = c.sub[opp]
    product = products[sub, slot]
    old = c.start[opp] < ctx.ref - np.timedelta64(LEGACY_BEFORE_DAYS, "D")
    for current, legacy in LEGACY_SWAP.items():
        swap = old & legacy_sub[sub] & (product == product_index(current))
        product[swap] = product_index(legacy)

    seats = np.clip(np.round(base_seats[c.sub] * (1 + growth[c.sub]) ** c.pos), 1, 500)
    delta = np.maximum(1, np.round(seats * rng.uniform(0.1, 0.5, n)))
    flip = c.downgrade & (seats <= 1)
    c.downgrade[flip] = False
    delta = np.where(c.downgrade, -np.minimum(seats - 1, np.maximum(1, np.round(seats * 0.2))), delta)
    seat_count = np.where(amendment, delta, seats)[opp]
    share = seat_share[sub, slot] * (slot != PLATFORM) + (slot == PLATFORM)
    mode = PRODUCT_QUANTITY_MODE[product]
    seat_quantity = np.sign(seat_count) * np.maximum(1, np.round(np.abs(seat_count) * share))
    quantity = np.select(
        [mode == ONE, mode == DAYS, mode == BLOCKS],
        [
            np.ones(m),
            rng.integers(1, 11, m) * np.where(product == product_index("SRV-IMP"), 3.0, 1.0),
            np.clip(np.round(usage_blocks[sub] * c.term[opp] / 12), 1, 500),
        ],
        seat_quantity,
    )
    quantity = np.where(amendment[opp] & (mode == ONE), np.sign(seat_count), quantity)

    currency = plan.currency[c.account][opp]
    book = plan.partner_pricebook[c.account].astype(np.int64)[opp]
    entry = entry_row[book, product, currency]
    list_price = entry_price[book, product, currency]
    discount = (0.3 * rng.beta(1.2, 3.5, n))[opp]
    kind = PRODUCT_KIND[product]
    discount = np.where(kind == SERVICE, discount / 2, discount)
    term_factor = np.where(kind == RECURRING, c.term[opp] / 12, 1.0)
    unit_price = round_money(list_price * term_factor * (1 - discount), currency)
    total = round_money(quantity * unit_price, currency)

    start, end, service_date = _line_dates(rng, c, opp)
    item_arr, item_mrr = _item_overrides(rng, kind, total, c.term[opp], currency)
    lines = Lines(
        opp=opp,
        slot=slot,
        sort_order=rank[opp, slot],
        virtual=no_lines[opp],
        product=product,
        entry=entry,
        currency=currency,
        quantity=quantity,
        unit_price=unit_price,
        total=total,
        list_price=list_price,
        start=start,
        end=end,
        service_date=service_date,
        item_arr=item_arr,
        item_mrr=item_mrr,
    )
    lines.product_out, lines.entry_out = product.copy(), entry.copy()
    lines.code_text = {}
    return lines


def _line_dates(
    rng: np.random.Generator, c: Contracts, opp: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mostly empty or equal to the contract's; some differ (and lose to the contract dates downstream)."""
    m = len(opp)
    contract_start, contract_end = c.start[opp], c.end[opp]
    mode = rng.choice(4, size=m, p=[0.55, 0.30, 0.10, 0.05])  # empty, contract, different, start only
    shifted = contract_start + rng.integers(1, 61, m).astype("timedelta64[D]")
    own_end = np.where(rng.random(m) < 0.5, contract_end, add_months(shifted, 12) - DAY)
    start = np.select([mode == 1, mode == 2, mode == 3], [contract_start, shifted, contract_start], NO_DATE)
    end = np.select([mode == 1, mode == 2], [contract_end, own_end], NO_DATE)
    service_date = np.where(rng.random(m) < 0.35, np.where(np.isnat(start), contract_start, start), NO_DATE)
    return start, end, service_date


def _item_overrides(
    rng: np.random.Generator, kind: np.ndarray, total: np.ndarray, term: np.ndarray, currency: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """~2% of recurring lines carry an assigned ARR or MRR (one of the two) that replaces the computed one."""
    m = len(kind)
    chosen = (kind == RECURRING) & (rng.random(m) < 0.02)
    annual = total / term * 12 * rng.uniform(0.9, 1.1, m)
    use_arr = rng.random(m) < 0.5
    item_arr = np.where(chosen & use_arr, round_money(annual, currency), np.nan)
    item_mrr = np.where(chosen & ~use_arr, round_money(annual / 12, currency), np.nan)
    return item_arr, item_mrr


def real_line_ids(lines: Lines) -> tuple[pa.Array, np.ndarray]:
    """Ids of the lines that exist as records, and each line's row among them (-1 for virtual ones)."""
    real = ~lines.virtual
    position = np.where(real, np.cumsum(real) - 1, -1)
    return id_array("00k", int(real.sum())), position


def plant_missing_end_dates(
    ctx: Context, c: Contracts, lines: Lines, line_ids: pa.Array, position: np.ndarray
) -> None:
    """Lines of contracts without dates have none either: their recurring lines have no end date at all."""
    undated = c.missing_dates[lines.opp]
    lines.start[undated], lines.end[undated], lines.service_date[undated] = NO_DATE, NO_DATE, NO_DATE
    for row in np.flatnonzero(undated & lines.recurring & ~lines.virtual):
        ctx.plant(
            "OpportunityLineItem",
            line_ids[position[row]].as_py(),
            "End_Date__c",
            "missing_end_date",
            f"recurring line without an end date on contract {c.ids[lines.opp[row]].as_py()}, "
            "which has no End_Date__c either",
        )


def plant_line_issues(
    ctx: Context,
    lines: Lines,
    contract_clean: np.ndarray,
    product_ids: pa.Array,
    line_ids: pa.Array,
    position: np.ndarray,
) -> None:
    """Product references the pipeline's lookup must repair or report, on otherwise clean contracts."""
    rng = ctx.rng("line_issues")
    real = ~lines.virtual
    code = np.array([PRODUCT_CODES[p] or "" for p in range(len(PRODUCT_CODES))])[lines.product]
    candidate = (
        real
        & contract_clean[lines.opp]
        & (lines.slot == PLATFORM)
        & (code != "")
        & (code != DUPLICATED_SKU)
        & ~np.isin(lines.product, (DUPLICATE_SKU_PRODUCT, NULL_SKU_PRODUCT))
    )
    picker = Picker(rng, candidate)
    for row in picker.pick(candidate, 3, "15-character product ids"):
        id15 = product_ids[lines.product[row]].as_py()[:15]
        _clear_product(lines, row, id15)
        ctx.plant(
            "OpportunityLineItem",
            line_ids[position[row]].as_py(),
            "Product_Lookup_Key__c",
            "fifteen_char_product_id",
            f"no Product2Id; Product_Lookup_Key__c holds the 15-character Id {id15}",
        )
    for row in picker.pick(candidate, 3, "lines identified by product name"):
        name = PRODUCT_NAMES[lines.product[row]]
        _clear_product(lines, row, name)
        ctx.plant(
            "OpportunityLineItem",
            line_ids[position[row]].as_py(),
            "Product_Lookup_Key__c",
            "product_by_name",
            f"no Product2Id; Product_Lookup_Key__c holds the product name {name!r}",
        )
    for row in picker.pick(candidate, 3, "lines identified by product code"):
        _clear_product(lines, row, code[row])
        ctx.plant(
            "OpportunityLineItem",
            line_ids[position[row]].as_py(),
            "Product2Id",
            "product_by_code",
            f"no Product2Id; Product_Lookup_Key__c {code[row]} identifies the product",
        )
    for k, row in enumerate(picker.pick(candidate, 3, "lines with unknown products")):
        unknown = f"UNKNOWN-SKU-{k + 1:04d}"
        _clear_product(lines, row, unknown)
        ctx.plant(
            "OpportunityLineItem",
            line_ids[position[row]].as_py(),
            "Product2Id",
            "unknown_product",
            f"no Product2Id and Product_Lookup_Key__c {unknown} matches no product",
        )
    for row in picker.pick(candidate, 1, "an ambiguous product code"):
        _clear_product(lines, row, DUPLICATED_SKU)
        ctx.plant(
            "OpportunityLineItem",
            line_ids[position[row]].as_py(),
            "Product2Id",
            "ambiguous_product",
            f"no Product2Id and Product_Lookup_Key__c {DUPLICATED_SKU} matches two active products",
        )


def _clear_product(lines: Lines, row: int, code: str) -> None:
    lines.product_out[row] = -1
    lines.entry_out[row] = -1
    lines.code_text[int(row)] = code


def line_item_table(
    ctx: Context,
    c: Contracts,
    lines: Lines,
    line_ids: pa.Array,
    product_ids: pa.Array,
    entry_ids: pa.Array,
    user_ids: pa.Array,
    owner: np.ndarray,
    opp_created: np.ndarray,
    opp_modified: np.ndarray,
) -> pa.Table:
    """The OpportunityLineItem table (virtual lines excluded: ``line_ids`` number the real ones)."""
    rng = ctx.rng("line_table")
    real = np.flatnonzero(~lines.virtual)
    n = len(real)
    opp = lines.opp[real]
    product = take(product_ids, lines.product_out[real])
    position = np.full(len(lines), -1)
    position[real] = np.arange(n)
    code_text = sparse_strings(n, {int(position[row]): value for row, value in lines.code_text.items()})
    owners = take(user_ids, owner[opp])
    return ctx.table(
        "OpportunityLineItem",
        n,
        {
            "Id": line_ids,
            "OpportunityId": take(c.ids, opp),
            "SortOrder": lines.sort_order[real],
            "PricebookEntryId": take(entry_ids, lines.entry_out[real]),
            "Product2Id": product,
            "Quantity": lines.quantity[real],
            "TotalPrice": lines.total[real],
            "UnitPrice": lines.unit_price[real],
            "ServiceDate": lines.service_date[real],
            "Start_Date__c": lines.start[real],
            "End_Date__c": lines.end[real],
            "Item_Assigned_ARR__c": lines.item_arr[real],
            "Item_Assigned_MRR__c": lines.item_mrr[real],
            "Product_Lookup_Key__c": code_text,
            "CurrencyIsoCode": take(CURRENCIES, lines.currency[real]),
            "IsDeleted": c.deleted[opp],
            **ctx.audit(rng, opp_created[opp], opp_modified[opp], owners),
        },
    )
