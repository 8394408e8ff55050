"""Small, fixed reference data: users, price books, products, price book entries, stages, FX rates.

These are tens to a few thousand rows, so plain Python keeps them readable; only the FX rates depend on
the generated contracts (the planted rate gap is put where a contract needs the missing rate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from orchestration.demo_org.generator.calendar import DAY, add_months, month_start
from orchestration.demo_org.generator.columns import id_array, take
from orchestration.demo_org.generator.model import Context
from orchestration.demo_org.schema import CORPORATE_CURRENCY, CURRENCIES, STAGES

USD, EUR, GBP, JPY, CAD, AUD = range(6)
assert CURRENCIES == ("USD", "EUR", "GBP", "JPY", "CAD", "AUD")

# Units of each currency per USD used to set list prices: price books are revised rarely, not daily.
LIST_FX = np.array([1.0, 0.92, 0.79, 150.0, 1.36, 1.52])

RECURRING, SERVICE, USAGE = 0, 1, 2
SEATS, ONE, DAYS, BLOCKS = 0, 1, 2, 3

# fmt: off
FIRST_NAMES = (
    "Avery", "Jordan", "Priya", "Mateo", "Hannah", "Kenji", "Olivia", "Lukas", "Amara", "Connor", "Sofia",
    "Dmitri", "Grace", "Rafael", "Ingrid", "Tariq", "Chloe", "Noah", "Yuki", "Elena", "Marcus", "Leila",
    "Samuel", "Freya", "Diego", "Aisha", "Thomas", "Mei", "Oscar", "Nadia",
)
LAST_NAMES = (
    "Walker", "Nguyen", "Schmidt", "Okafor", "Patel", "Tanaka", "Fischer", "Moreau", "Rossi", "Kowalski",
    "Andersson", "Murphy", "Haddad", "Silva", "Becker", "Kim", "Dubois", "Jensen", "Costa", "Clarke", "Novak",
    "Ibrahim", "Laurent", "Yamamoto", "Garcia", "Ortiz", "Brennan", "Sato", "Weber", "Lindqvist",
)
# fmt: on


@dataclass(frozen=True)
class Product:
    code: str | None
    name: str
    family: str
    kind: int  # RECURRING, SERVICE or USAGE
    usd_price: float  # per unit: per year when recurring, per delivery when a service, per block when usage
    usd_ssp: float
    usd_cost: float
    template: str
    active: bool = True
    unit: str = "Each"
    quantity_mode: int = SEATS


# fmt: off
PRODUCTS: tuple[Product, ...] = (
    # code, name, family, kind, USD list price, SSP, unit cost, default template
    Product("PLT-STD", "Northwind Platform Standard", "Platform", RECURRING, 480, 456, 52, "Equal Split Days",
            unit="Seat"),
    Product("PLT-PRO", "Northwind Platform Professional", "Platform", RECURRING, 900, 840, 88,
            "Equal Split Days", unit="Seat"),
    Product("PLT-ENT", "Northwind Platform Enterprise", "Platform", RECURRING, 1500, 1380, 131,
            "Equal Split Months", unit="Seat"),
    Product("PLT-BAS-LEGACY", "Northwind Platform Basic (legacy)", "Platform", RECURRING, 300, 300, 40,
            "Equal Split Months", active=False, unit="Seat"),
    Product("ADD-SSO", "Single Sign-On", "Add-on", RECURRING, 60, 60, 4, "Equal Split Days", unit="Seat"),
    Product("ADD-API", "API Access", "Add-on", RECURRING, 120, 110, 9, "Equal Split Days", unit="Seat"),
    Product("ADD-ANL", "Advanced Analytics", "Add-on", RECURRING, 240, 225, 21, "Equal Split Days",
            unit="Seat"),
    Product("ADD-SBX", "Sandbox Environment", "Add-on", RECURRING, 90, 90, 12, "Equal Split Months",
            unit="Seat"),
    Product("ADD-AUD", "Audit Trail", "Add-on", RECURRING, 72, 70, 5, "Equal Split Days", unit="Seat"),
    Product("ADD-DRS", "Data Residency", "Add-on", RECURRING, 150, 150, 18, "Equal Split Months",
            unit="Seat"),
    Product("ADD-AIA", "AI Assistant", "Add-on", RECURRING, 300, 270, 64, "Equal Split Days", unit="Seat"),
    Product("ADD-WFL", "Workflow Automation", "Add-on", RECURRING, 180, 170, 14, "Equal Split Days",
            unit="Seat"),
    Product("ADD-TAM", "Technical Account Manager", "Add-on", RECURRING, 24000, 24000, 15000,
            "Equal Split Months", quantity_mode=ONE),
    Product("ADD-RPT-V1", "Reporting Pack v1 (legacy)", "Add-on", RECURRING, 48, 48, 3, "Equal Split Days",
            active=False, unit="Seat"),
    Product("SUP-STD", "Standard Support", "Support", RECURRING, 48, 48, 11, "Equal Split Days",
            unit="Seat"),
    Product("SUP-PRM", "Premium Support", "Support", RECURRING, 120, 115, 30, "Equal Split Days",
            unit="Seat"),
    Product("SUP-ENT", "Enterprise Support", "Support", RECURRING, 200, 190, 55, "Equal Split Months",
            unit="Seat"),
    Product("SUP-GLD-OLD", "Gold Support (legacy)", "Support", RECURRING, 90, 90, 25, "Equal Split Days",
            active=False, unit="Seat"),
    Product("SRV-ONB", "Onboarding Package", "Services", SERVICE, 5000, 5500, 2600, "Deliverable",
            quantity_mode=ONE),
    Product("SRV-IMP", "Implementation Services", "Services", SERVICE, 1800, 1900, 950, "% Complete",
            unit="Day", quantity_mode=DAYS),
    Product("SRV-TRN", "Training Day", "Services", SERVICE, 1500, 1500, 600, "Deliverable", unit="Day",
            quantity_mode=DAYS),
    Product("SRV-MIG", "Data Migration", "Services", SERVICE, 12000, 12500, 7000, "% Complete",
            quantity_mode=ONE),
    Product("SRV-HCK", "Health Check", "Services", SERVICE, 4000, 4000, 1800, "Deliverable",
            quantity_mode=ONE),
    Product("USG-API", "API Calls (per 10k)", "Usage", USAGE, 12, 12, 1.5, "On Delivery", unit="10k calls",
            quantity_mode=BLOCKS),
    Product("USG-STO", "Storage (per 100 GB-month)", "Usage", USAGE, 25, 25, 6, "On Delivery",
            unit="100 GB-month", quantity_mode=BLOCKS),
    Product("USG-SMS", "SMS Messages (per 1k)", "Usage", USAGE, 15, 15, 8, "On Delivery", unit="1k messages",
            quantity_mode=BLOCKS),
    Product("USG-CMP", "Compute Hours (per 100)", "Usage", USAGE, 40, 40, 17, "As Invoiced",
            unit="100 hours", quantity_mode=BLOCKS),
    # Planted: a retired product that still carries the SKU of ADD-SSO (lookups by SKU find two), and a
    # retired custom product that never had a SKU. Both were sold on older deals. Retired, so the active
    # catalogue stays clean and the quality gate passes; activate either and it fails.
    Product("ADD-SSO", "Single Sign-On (EMEA bundle)", "Add-on", RECURRING, 66, 64, 4, "Equal Split Days",
            active=False, unit="Seat"),
    Product(None, "Custom Integration Package", "Services", SERVICE, 8000, 8000, 4200, "% Complete",
            active=False, quantity_mode=ONE),
)
# fmt: on
DUPLICATE_SKU_PRODUCT = len(PRODUCTS) - 2
NULL_SKU_PRODUCT = len(PRODUCTS) - 1
DUPLICATED_SKU = "ADD-SSO"


def product_index(code: str) -> int:
    return next(i for i, p in enumerate(PRODUCTS) if p.code == code)


# Products each line "slot" of a subscription draws from, with weights; see line_items.py.
# fmt: off
SLOT_POOLS: tuple[tuple[tuple[str | int, float], ...], ...] = (
    (("PLT-STD", 0.4), ("PLT-PRO", 0.4), ("PLT-ENT", 0.2)),
    (("ADD-SSO", 0.17), ("ADD-API", 0.15), ("ADD-ANL", 0.15), ("ADD-SBX", 0.1), ("ADD-AUD", 0.1),
     ("ADD-DRS", 0.08), ("ADD-AIA", 0.12), ("ADD-WFL", 0.1), (DUPLICATE_SKU_PRODUCT, 0.03)),
    (("ADD-ANL", 0.2), ("ADD-AIA", 0.2), ("ADD-WFL", 0.2), ("ADD-SBX", 0.15), ("ADD-TAM", 0.1),
     ("ADD-DRS", 0.15)),
    (("SUP-STD", 0.5), ("SUP-PRM", 0.35), ("SUP-ENT", 0.15)),
    (("USG-API", 0.4), ("USG-STO", 0.25), ("USG-SMS", 0.15), ("USG-CMP", 0.2)),
    (("SRV-ONB", 0.55), ("SRV-IMP", 0.3), ("SRV-MIG", 0.12), (NULL_SKU_PRODUCT, 0.03)),
    (("SRV-TRN", 0.7), ("SRV-HCK", 0.3)),
)
# fmt: on


def pool_products(slot: int) -> tuple[np.ndarray, np.ndarray]:
    """(product indexes, probabilities) of one slot's pool."""
    pool = SLOT_POOLS[slot]
    index = np.array([p if isinstance(p, int) else product_index(p) for p, _ in pool])
    weights = np.array([w for _, w in pool])
    return index, weights / weights.sum()


def nice_price(usd: float, currency: int) -> float:
    """A list price as a price book would show it: whole units (tens of yen), cents only below 100."""
    value = usd * LIST_FX[currency]
    if currency == JPY:
        return float(round(value, -1)) if value >= 1000 else float(round(value))
    return float(round(value)) if value >= 100 else round(value, 2)


PRODUCT_KIND = np.array([p.kind for p in PRODUCTS])
PRODUCT_QUANTITY_MODE = np.array([p.quantity_mode for p in PRODUCTS])
PRODUCT_SSP_USD = np.array([p.usd_ssp for p in PRODUCTS], dtype=float)
PRODUCT_COST_USD = np.array([p.usd_cost for p in PRODUCTS], dtype=float)
PRODUCT_CODES = tuple(p.code for p in PRODUCTS)
PRODUCT_NAMES = tuple(p.name for p in PRODUCTS)


ADMIN = 0


def users(ctx: Context) -> tuple[pa.Table, pa.Array, np.ndarray]:
    """An admin who owns the set-up records, and ~10 + scale/2000 sales reps (two of them gone)."""
    rng = ctx.rng("users")
    n_sales = 10 + ctx.scale // 2000
    pairs = rng.permutation(len(FIRST_NAMES) * len(LAST_NAMES))[:n_sales]
    names = ["Northwind Admin"] + [
        f"{FIRST_NAMES[p // len(LAST_NAMES)]} {LAST_NAMES[p % len(LAST_NAMES)]}" for p in pairs
    ]
    logins = ["admin"] + [name.lower().replace(" ", ".") for name in names[1:]]
    usernames = [f"{login}@northwind-cloud.example" for login in logins]
    n = len(names)
    active = np.ones(n, dtype=bool)
    active[[3, 7]] = False  # reps who left still own their old accounts and deals
    ids = id_array("005", n)
    created = ctx.ref - np.timedelta64(6 * 365 + 60, "D") + rng.integers(0, 400, n).astype("timedelta64[D]")
    created[ADMIN] = ctx.ref - np.timedelta64(6 * 365 + 90, "D")
    modified = created + ((ctx.ref - created).astype(np.int64) * rng.random(n)).astype("timedelta64[D]")
    table = ctx.table(
        "User",
        n,
        {
            "Id": ids,
            "Name": pa.array(names),
            "Username": pa.array(usernames),
            "Email": pa.array(usernames),
            "IsActive": active,
            **ctx.audit(rng, created, modified, take(ids, np.zeros(n, np.int64))),
        },
    )
    return table, ids, np.arange(1, n)


def pricebooks(ctx: Context, admin: str) -> tuple[pa.Table, pa.Array]:
    rng = ctx.rng("pricebooks")
    ids = id_array("01s", 2)
    created = np.array([ctx.ref - np.timedelta64(6 * 365 + 80, "D")] * 2) + np.array([0, 400]).astype(
        "timedelta64[D]"
    )
    table = ctx.table(
        "Pricebook2",
        2,
        {
            "Id": ids,
            "Name": pa.array(["Standard Price Book", "Partner Price Book"]),
            "IsActive": np.array([True, True]),
            "IsStandard": np.array([True, False]),
            "Description": pa.array(["List prices for direct sales", "Discounted prices for resellers"]),
            **ctx.audit(rng, created, created + np.timedelta64(30, "D"), admin),
        },
    )
    return table, ids


def products(ctx: Context, admin: str) -> tuple[pa.Table, pa.Array]:
    rng = ctx.rng("products")
    n = len(PRODUCTS)
    ids = id_array("01t", n)
    created = ctx.ref - np.timedelta64(6 * 365 + 75, "D") + rng.integers(0, 5, n).astype("timedelta64[D]")
    modified = created + rng.integers(0, 300, n).astype("timedelta64[D]")
    ssp = np.array([p.usd_ssp for p in PRODUCTS], dtype=float)
    cost = np.array([p.usd_cost for p in PRODUCTS], dtype=float)
    table = ctx.table(
        "Product2",
        n,
        {
            "Id": ids,
            "Name": pa.array([p.name for p in PRODUCTS]),
            "ProductCode": pa.array([p.code for p in PRODUCTS], pa.string()),
            "Description": pa.array([f"{p.family}: {p.name}" for p in PRODUCTS]),
            "IsActive": np.array([p.active for p in PRODUCTS]),
            "Family": pa.array([p.family for p in PRODUCTS]),
            "QuantityUnitOfMeasure": pa.array([p.unit for p in PRODUCTS]),
            "Is_Recurring__c": np.array([p.kind == RECURRING for p in PRODUCTS]),
            "Standalone_Selling_Price__c": ssp,
            "Unit_Cost__c": cost,
            "ffrrStandaloneSellingPrice__c": ssp,
            "ffrrUnitCost__c": cost,
            "Default_Recognition_Template__c": pa.array([p.template for p in PRODUCTS]),
            "External_Id__c": pa.array([f"PRD-{i + 1:04d}" for i in range(n)]),
            "CurrencyIsoCode": CORPORATE_CURRENCY,
            **ctx.audit(rng, created, modified, admin),
        },
    )
    ctx.plant(
        "Product2",
        ids[DUPLICATE_SKU_PRODUCT].as_py(),
        "ProductCode",
        "duplicate_sku",
        f"retired product shares ProductCode {DUPLICATED_SKU} with {ids[product_index(DUPLICATED_SKU)]}",
    )
    ctx.plant(
        "Product2",
        ids[NULL_SKU_PRODUCT].as_py(),
        "ProductCode",
        "null_sku",
        "retired product without a ProductCode",
    )
    return table, ids


def pricebook_entries(
    ctx: Context, admin: str, pricebook_ids: pa.Array, product_ids: pa.Array
) -> tuple[pa.Table, pa.Array, np.ndarray, np.ndarray]:
    """Every product in every currency in the Standard book; USD, EUR and GBP in the Partner book, 15% off."""
    rng = ctx.rng("pricebook_entries")
    n_products, n_currencies = len(PRODUCTS), len(CURRENCIES)
    rows: list[tuple[int, int, int, float]] = []
    for book, currencies, factor in ((0, range(n_currencies), 1.0), (1, (USD, EUR, GBP), 0.85)):
        for p, product in enumerate(PRODUCTS):
            for c in currencies:
                rows.append((book, p, c, nice_price(product.usd_price * factor, c)))
    n = len(rows)
    book, product, currency, price = (np.array(col) for col in zip(*rows, strict=True))
    entry_row = np.full((2, n_products, n_currencies), -1, dtype=np.int64)
    entry_row[book, product, currency] = np.arange(n)
    entry_price = np.full((2, n_products, n_currencies), np.nan)
    entry_price[book, product, currency] = price
    ids = id_array("01u", n)
    active = np.array([PRODUCTS[p].active for p in product])
    created = (
        ctx.ref - np.timedelta64(6 * 365 + 70, "D") + np.where(book == 1, 400, 0).astype("timedelta64[D]")
    )
    modified = created + rng.integers(0, 500, n).astype("timedelta64[D]")
    table = ctx.table(
        "PricebookEntry",
        n,
        {
            "Id": ids,
            "Pricebook2Id": take(pricebook_ids, book),
            "Product2Id": take(product_ids, product),
            "UnitPrice": price,
            "IsActive": active,
            "UseStandardPrice": np.zeros(n, dtype=bool),
            "CurrencyIsoCode": take(CURRENCIES, currency),
            **ctx.audit(rng, created, modified, admin),
        },
    )
    return table, ids, entry_row, entry_price


FORECAST_API_VALUE = {"Commit": "Forecast"}  # Salesforce's API value for the Commit category
FORECAST_NAME = {
    "Pipeline": "Pipeline",
    "BestCase": "Best Case",
    "Commit": "Commit",
    "Closed": "Closed",
    "Omitted": "Omitted",
}
STAGE_DESCRIPTIONS = {
    "Legacy - Contract Signed": "Retired with the 2022 sales process; kept on historical deals",
}


def stage_index(name: str) -> int:
    return next(i for i, s in enumerate(STAGES) if s[0] == name)


def opportunity_stages(ctx: Context, admin: str) -> pa.Table:
    rng = ctx.rng("stages")
    n = len(STAGES)
    labels = pa.array([s[0] for s in STAGES])
    created = np.full(n, ctx.ref - np.timedelta64(6 * 365 + 90, "D"))
    return ctx.table(
        "OpportunityStage",
        n,
        {
            "Id": id_array("01J", n),
            "MasterLabel": labels,
            "ApiName": labels,
            "IsActive": np.array([s[6] for s in STAGES]),
            "SortOrder": np.array([s[1] for s in STAGES]),
            "IsClosed": np.array([s[2] for s in STAGES]),
            "IsWon": np.array([s[3] for s in STAGES]),
            "ForecastCategory": pa.array([FORECAST_API_VALUE.get(s[4], s[4]) for s in STAGES]),
            "ForecastCategoryName": pa.array([FORECAST_NAME[s[4]] for s in STAGES]),
            "DefaultProbability": np.array([s[5] for s in STAGES], dtype=float),
            "Description": pa.array([STAGE_DESCRIPTIONS.get(s[0]) for s in STAGES], pa.string()),
            **ctx.audit(rng, created, created + np.timedelta64(700, "D"), admin),
        },
    )


# Units per USD at the start of the rate history and where the walk drifts to, with its plausible band.
FX_PATHS = {
    EUR: (0.88, 0.92, 0.82, 1.0),
    GBP: (0.76, 0.79, 0.70, 0.86),
    JPY: (108.0, 150.0, 104.0, 158.0),
    CAD: (1.30, 1.36, 1.24, 1.42),
    AUD: (1.40, 1.52, 1.30, 1.62),
}
RATE_HISTORY_MONTHS = 72


def rate_months(ctx: Context) -> np.ndarray:
    """The first day of every month with rates: six years back through the reference month."""
    last = month_start(np.array([ctx.ref]))[0]
    return add_months(np.full(RATE_HISTORY_MONTHS + 1, last), np.arange(-RATE_HISTORY_MONTHS, 1))


def dated_conversion_rates(ctx: Context, admin: str, gap_month: np.datetime64) -> pa.Table:
    """Monthly corporate rates; AUD lacks ``gap_month`` so contracts starting then find no rate."""
    rng = ctx.rng("fx")
    months = rate_months(ctx)
    iso, rate, start = [USD], [1.0], [months[0]]
    for currency, (first, last, low, high) in FX_PATHS.items():
        drift = np.linspace(np.log(first), np.log(last), len(months))
        noise = np.cumsum(rng.normal(0, 0.012, len(months)))
        noise -= np.linspace(0, noise[-1], len(months))  # pin both ends to the path
        path = np.clip(np.exp(drift + noise), low, high)
        for month, value in zip(months, path, strict=True):
            if currency == AUD and month == gap_month:
                continue
            iso.append(currency)
            rate.append(round(float(value), 2 if currency == JPY else 6))
            start.append(month)
    iso_a, start_a = np.array(iso), np.array(start, dtype="datetime64[D]")
    same_next = np.append(iso_a[1:] == iso_a[:-1], False)
    next_start = np.where(same_next, np.append(start_a[1:], start_a[-1]), np.datetime64("9999-12-31"))
    # The rate before the gap ends where the missing month begins, so no AUD rate is in force that month.
    before_gap = int(np.flatnonzero((iso_a == AUD) & (start_a < gap_month) & (next_start > gap_month))[0])
    next_start[before_gap] = gap_month
    n = len(iso)
    ids = id_array("04w", n)
    created = start_a - 3 * DAY  # loaded by finance just before each month starts
    table = ctx.table(
        "DatedConversionRate",
        n,
        {
            "Id": ids,
            "IsoCode": take(CURRENCIES, iso_a),
            "ConversionRate": np.array(rate),
            "StartDate": start_a,
            "NextStartDate": next_start,
            **ctx.audit(rng, created, created, admin),
        },
    )
    ctx.plant(
        "DatedConversionRate",
        ids[before_gap].as_py(),
        "NextStartDate",
        "missing_fx_rate_currency",
        f"no AUD rate for the month starting {gap_month}: this row ends there and the next AUD rate starts a "
        f"month later, so AUD contracts starting that month have no rate in force",
    )
    return table
