"""Customer accounts: unique company names, a three-level hierarchy, currencies and addresses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from orchestration.demo_org.generator.catalogue import AUD, CAD, EUR, GBP, JPY, LIST_FX, USD
from orchestration.demo_org.generator.columns import id_array, int_strings, join, numbered, take
from orchestration.demo_org.generator.model import Context
from orchestration.demo_org.schema import CURRENCIES

# fmt: off
SYLLABLES = (
    "Ab", "Vel", "Cor", "Zen", "Tri", "Nor", "Lum", "Quan", "Sol", "Ver", "Aer", "Bri", "Cal", "Dyn", "El",
    "Fen", "Gal", "Hel", "Ion", "Jun", "Kel", "Lyr", "Mar", "Nex", "Or", "Pax", "Rho", "Syn", "Tal", "Umb",
    "Val", "Wex", "Xan", "Yor", "Zel", "Arc", "Bel", "Cas", "Dor", "Fal",
)
ENDINGS = (
    "ora", "ix", "ant", "ium", "eon", "ara", "ent", "ova", "ex", "is", "on", "ia", "os", "ys", "ar", "en",
    "ic", "um", "ux", "a", "eo", "ine", "ite", "ance", "ive", "ity", "era", "ano", "ida", "opia",
)
MIDDLES = (
    "", "Global", "Digital", "United", "Pacific", "Atlantic", "Northern", "Southern", "Prime", "First",
    "Bright", "Blue", "Summit", "Harbor", "Silver", "Green",
)
SECTORS = (
    "Analytics", "Logistics", "Health", "Foods", "Bank", "Insurance", "Labs", "Energy", "Robotics", "Media",
    "Retail", "Systems", "Telecom", "Pharma", "Motors", "Capital", "Learning", "Software", "Security",
    "Biotech", "Foundry", "Networks", "Aerospace", "Apparel", "Mining", "Partners", "Holdings", "Studios",
    "Solutions", "Dynamics", "Industries", "Ventures", "Technologies", "Materials", "Outfitters", "Travel",
    "Hospitality", "Electric", "Chemicals", "Marine",
)
REGIONS = {  # subsidiary name words by the subsidiary's currency
    USD: ("North America", "US", "Americas", "LATAM"), EUR: ("EMEA", "DACH", "France", "Benelux", "Iberia"),
    GBP: ("UK", "Ireland"), JPY: ("Japan", "Asia"), CAD: ("Canada",), AUD: ("Australia", "APAC"),
}
DIVISIONS = ("Services", "Operations", "Research", "Digital", "Retail", "Finance", "Logistics", "Field Sales")
LEGAL_SUFFIXES = {
    USD: ("Inc.", "LLC", "Corp."), EUR: ("GmbH", "AG", "SAS", "B.V."), GBP: ("Ltd", "plc"), JPY: ("K.K.",),
    CAD: ("Inc.", "Ltd."), AUD: ("Pty Ltd",),
}
CITIES = {  # (city, state, postal code, country)
    USD: (("San Francisco", "CA", "94105", "United States"), ("New York", "NY", "10001", "United States"),
          ("Austin", "TX", "78701", "United States"), ("Chicago", "IL", "60601", "United States"),
          ("Seattle", "WA", "98101", "United States"), ("Boston", "MA", "02110", "United States"),
          ("Denver", "CO", "80202", "United States"), ("Atlanta", "GA", "30303", "United States")),
    EUR: (("Berlin", "BE", "10115", "Germany"), ("Munich", "BY", "80331", "Germany"),
          ("Paris", "IDF", "75002", "France"), ("Amsterdam", "NH", "1012 AB", "Netherlands"),
          ("Madrid", "MD", "28013", "Spain"), ("Dublin", "D", "D02 X285", "Ireland")),
    GBP: (("London", "London", "EC2A 4NE", "United Kingdom"),
          ("Manchester", "Greater Manchester", "M1 1AE", "United Kingdom"),
          ("Edinburgh", "Scotland", "EH1 1YZ", "United Kingdom"),
          ("Bristol", "Bristol", "BS1 4DJ", "United Kingdom")),
    JPY: (("Tokyo", "Tokyo", "100-0005", "Japan"), ("Osaka", "Osaka", "530-0001", "Japan"),
          ("Yokohama", "Kanagawa", "220-0012", "Japan")),
    CAD: (("Toronto", "ON", "M5H 2N2", "Canada"), ("Vancouver", "BC", "V6B 1A1", "Canada"),
          ("Montreal", "QC", "H2Y 1C6", "Canada")),
    AUD: (("Sydney", "NSW", "2000", "Australia"), ("Melbourne", "VIC", "3000", "Australia"),
          ("Brisbane", "QLD", "4000", "Australia")),
}
STREETS = (
    "Market Street", "Main Street", "Harbour Road", "King Street", "Station Road", "Park Avenue",
    "High Street", "Innovation Way", "Bridge Street", "Mill Lane", "Queen Street", "Commerce Drive",
    "Riverside Walk",
)
INDUSTRIES = ("Software", "Financial Services", "Healthcare", "Manufacturing", "Retail", "Education", "Media",
              "Telecommunications", "Government", "Energy")
INDUSTRY_WEIGHTS = np.array([22, 15, 12, 12, 10, 6, 6, 7, 4, 6], dtype=float)
TYPES = ("Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Prospect")
# fmt: on
DIRECT, CHANNEL, RESELLER, PROSPECT = range(4)
CURRENCY_MIX = np.array([0.60, 0.15, 0.10, 0.05, 0.05, 0.05])

_BRANDS = len(SYLLABLES) * len(ENDINGS)
_LAYER = _BRANDS * len(SECTORS)  # names per middle word


@dataclass
class AccountPlan:
    """Who the accounts are, decided before their contracts are priced (currency, price book, owner)."""

    ids: pa.Array
    parent: np.ndarray  # row of the parent account, -1 for top level
    currency: np.ndarray
    type: np.ndarray
    owner: np.ndarray  # User row
    names: pa.Array

    @property
    def partner_pricebook(self) -> np.ndarray:
        """Channel deals are priced from the Partner book where it has the currency (USD, EUR, GBP)."""
        return np.isin(self.type, (CHANNEL, RESELLER)) & (self.currency <= GBP)


def base_names(n: int, rng: np.random.Generator) -> pa.Array:
    """``n`` distinct "Brand [Middle] Sector" names: permutations of the name space, no set needed.

    The middle word is only used once the plain "Brand Sector" names (48,000) run out.
    """
    layers = -(-n // _LAYER)
    if layers > len(MIDDLES):
        raise ValueError(f"cannot name {n} accounts uniquely")
    within = np.concatenate([rng.permutation(_LAYER) for _ in range(layers)])[:n] if n else np.zeros(0, int)
    layer = np.arange(n, dtype=np.int64) // _LAYER
    brand = within % _BRANDS
    sector = within // _BRANDS
    brands = join(take(SYLLABLES, brand // len(ENDINGS)), take(ENDINGS, brand % len(ENDINGS)))
    middles = take([f"{m} " if m else "" for m in MIDDLES], layer)
    return join(brands, " ", middles, take(SECTORS, sector))


def _sibling_ordinal(parent: np.ndarray) -> np.ndarray:
    """0, 1, 2 ... among the accounts sharing a parent (in row order)."""
    order = np.argsort(parent, kind="stable")
    sorted_parent = parent[order]
    idx = np.arange(len(parent))
    first = np.maximum.accumulate(np.where(np.r_[True, sorted_parent[1:] != sorted_parent[:-1]], idx, 0))
    ordinal = np.empty_like(idx)
    ordinal[order] = idx - first
    return ordinal


def plan_accounts(ctx: Context, n: int, prospect: np.ndarray, sales_users: np.ndarray) -> AccountPlan:
    """About 20% children (a fifth of them grandchildren); children mostly share the parent's currency."""
    rng = ctx.rng("accounts")
    level = rng.choice(3, size=n, p=[0.8, 0.16, 0.04])
    level[prospect] = 0
    level[0] = 0
    if not (level == 1).any():
        level[level == 2] = 1
    parent = np.full(n, -1, dtype=np.int64)
    currency = rng.choice(6, size=n, p=CURRENCY_MIX)
    for lvl in (1, 2):
        rows = np.flatnonzero(level == lvl)
        candidates = np.flatnonzero(level == lvl - 1)
        parent[rows] = candidates[rng.integers(0, len(candidates), len(rows))]
        inherit = rows[rng.random(len(rows)) < 0.85]
        currency[inherit] = currency[parent[inherit]]
    names = _hierarchy_names(rng, level, parent, currency)
    suffix_vocab = [s for c in range(6) for s in LEGAL_SUFFIXES[c]]
    first_suffix = np.cumsum([0] + [len(LEGAL_SUFFIXES[c]) for c in range(5)])
    counts = np.array([len(LEGAL_SUFFIXES[c]) for c in range(6)])
    suffix = first_suffix[currency] + (rng.random(n) * counts[currency]).astype(np.int64)
    account_type = rng.choice(3, size=n, p=[0.75, 0.18, 0.07])
    account_type[prospect] = PROSPECT
    return AccountPlan(
        ids=id_array("001", n),
        parent=parent,
        currency=currency,
        type=account_type,
        owner=sales_users[rng.integers(0, len(sales_users), n)],
        names=join(names, " ", take(suffix_vocab, suffix)),
    )


def _numbered_words(words: tuple[str, ...]) -> list[str]:
    """Words, then the same words numbered 2 to 8, for siblings that would otherwise share a name."""
    return [w if k == 0 else f"{w} {k + 1}" for k in range(8) for w in words]


def _hierarchy_names(
    rng: np.random.Generator, level: np.ndarray, parent: np.ndarray, currency: np.ndarray
) -> pa.Array:
    """Top-level accounts get invented names; subsidiaries carry their parent's name plus a region/division.

    Siblings get different words (regions per currency for subsidiaries, divisions below them), so the
    names stay unique.
    """
    n = len(level)
    names = np.empty(n, dtype=object)
    top = np.flatnonzero(level == 0)
    names[top] = base_names(len(top), rng).to_numpy(zero_copy_only=False)
    region_vocab = [_numbered_words(REGIONS[c]) for c in range(6)]
    region_first = np.cumsum([0] + [len(v) for v in region_vocab[:-1]])
    region_count = np.array([len(v) for v in region_vocab])
    region = _sibling_ordinal(parent * 6 + currency)
    region = region_first[currency] + np.minimum(region, region_count[currency] - 1)
    division = np.minimum(_sibling_ordinal(parent), 8 * len(DIVISIONS) - 1)
    all_regions = [word for vocab in region_vocab for word in vocab]
    for lvl, vocab, word in ((1, all_regions, region), (2, _numbered_words(DIVISIONS), division)):
        rows = np.flatnonzero(level == lvl)
        words = take(vocab, word[rows])
        names[rows] = join(pa.array(names[parent[rows]], pa.string()), " ", words).to_numpy(
            zero_copy_only=False
        )
    return pa.array(names, pa.string())


def account_table(
    ctx: Context, plan: AccountPlan, created: np.ndarray, customer_since: np.ndarray, user_ids: pa.Array
) -> pa.Table:
    """The Account table; ``created`` comes from the account's first opportunity, Total_ARR__c stays empty."""
    rng = ctx.rng("account_details")
    n = len(plan.parent)
    city_rows = [(c, *city) for c in range(6) for city in CITIES[c]]
    city_currency = np.array([row[0] for row in city_rows])
    first_city = np.searchsorted(city_currency, np.arange(6))
    city_count = np.bincount(city_currency, minlength=6)
    city = first_city[plan.currency] + (rng.random(n) * city_count[plan.currency]).astype(np.int64)
    employees = np.clip(rng.lognormal(np.log(350), 1.3, n), 5, 250_000).astype(np.int64)
    revenue_usd = employees * rng.lognormal(np.log(170_000), 0.45, n)
    revenue = np.round(revenue_usd * LIST_FX[plan.currency], -3)
    revenue[rng.random(n) < 0.1] = np.nan  # not every account record is complete
    modified = created + ((ctx.ref - created).astype(np.int64) * rng.random(n)).astype("timedelta64[D]")
    owner_ids = take(user_ids, plan.owner)
    return ctx.table(
        "Account",
        n,
        {
            "Id": plan.ids,
            "Name": plan.names,
            "Type": take(TYPES, plan.type),
            "ParentId": take(plan.ids, plan.parent),
            "BillingStreet": join(
                int_strings(rng.integers(1, 999, n)), " ", take(STREETS, rng.integers(0, 13, n))
            ),
            "BillingCity": take([r[1] for r in city_rows], city),
            "BillingState": take([r[2] for r in city_rows], city),
            "BillingPostalCode": take([r[3] for r in city_rows], city),
            "BillingCountry": take([r[4] for r in city_rows], city),
            "Industry": take(
                INDUSTRIES, rng.choice(len(INDUSTRIES), n, p=INDUSTRY_WEIGHTS / INDUSTRY_WEIGHTS.sum())
            ),
            "AnnualRevenue": revenue,
            "NumberOfEmployees": employees,
            "OwnerId": owner_ids,
            "CurrencyIsoCode": take(CURRENCIES, plan.currency),
            "External_Id__c": numbered("ACC-", 7, np.arange(1, n + 1)),
            "Customer_Since__c": customer_since,
            **ctx.audit(rng, created, modified, owner_ids),
        },
    )
