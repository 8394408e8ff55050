"""The shape of the opportunity book: subscriptions, renewal chains, amendments, outcomes and links.

Every account holds 1-3 subscriptions; each subscription is a renewal chain that starts with a "New
Business" contract and is renewed term after term until a renewal is lost, the contract is terminated or
the next renewal lies too far in the future to be in the pipeline yet. Chains are grown one term at a time
for all subscriptions at once (a dozen or so numpy rounds instead of a Python loop per contract), and the
opportunities are then sorted so each account's contracts get neighbouring Ids, like a real org's history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from orchestration.demo_org.generator.calendar import DAY, NO_DATE, month_start, term_end, term_months
from orchestration.demo_org.generator.catalogue import stage_index
from orchestration.demo_org.generator.columns import id_array
from orchestration.demo_org.generator.model import Context

NEW_BUSINESS, RENEWAL, AMENDMENT = 0, 1, 2
BOOKED, LOST, OPEN = 0, 1, 2
CONTIGUOUS, GAP, OVERLAP = 0, 1, 2

TERMS = np.array([12, 24, 36, 6, 18, 3, 9, 15])
TERM_WEIGHTS = np.array([0.74, 0.08, 0.05, 0.04, 0.03, 0.02, 0.02, 0.02])
HISTORY_DAYS = 5 * 365 + 90  # first contracts start up to ~5 years before "today" and ~3 months after
RENEWAL_WINDOW_DAYS = 120  # a renewal opportunity exists once its parent ends within this many days
SUBSCRIPTIONS_PER_ACCOUNT = np.array([0.45, 0.35, 0.2])  # 1, 2 or 3


@dataclass
class Subscriptions:
    """One row per subscription (renewal chain), in account order."""

    account: np.ndarray
    first_start: np.ndarray
    prospect: np.ndarray


@dataclass
class Contracts:
    """One row per opportunity, sorted by account, subscription and position in the chain."""

    account: np.ndarray
    sub: np.ndarray
    kind: np.ndarray  # NEW_BUSINESS, RENEWAL, AMENDMENT
    pos: np.ndarray  # position in the renewal chain (amendments: their parent's)
    start: np.ndarray
    end: np.ndarray
    term: np.ndarray  # term in months (fractional for amendments and odd dates)
    close: np.ndarray
    outcome: np.ndarray  # BOOKED, LOST, OPEN
    gap_mode: np.ndarray  # how a renewal follows its parent: CONTIGUOUS, GAP, OVERLAP
    parent: np.ndarray  # the renewed or amended contract's row, -1 for new business
    downgrade: np.ndarray
    termination_date: np.ndarray
    terminated_effective: np.ndarray
    mid_term_termination: np.ndarray
    stage: np.ndarray = None  # type: ignore[assignment]
    renews: np.ndarray = None  # type: ignore[assignment]  # rows for the four link fields, -1 = empty
    renewed_by: np.ndarray = None  # type: ignore[assignment]
    amends: np.ndarray = None  # type: ignore[assignment]
    amended_by: np.ndarray = None  # type: ignore[assignment]
    deleted: np.ndarray = None  # type: ignore[assignment]
    test: np.ndarray = None  # type: ignore[assignment]
    missing_dates: np.ndarray = None  # type: ignore[assignment]
    ids: pa.Array = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.kind)

    @property
    def has_dates(self) -> np.ndarray:
        return ~self.missing_dates


def _terms(rng: np.random.Generator, n: int) -> np.ndarray:
    return TERMS[rng.choice(len(TERMS), size=n, p=TERM_WEIGHTS)]


def subscriptions(rng: np.random.Generator, n_accounts: int, ref: np.datetime64) -> Subscriptions:
    """First start dates weighted towards recent years: a growing company signs more each year."""
    prospect = rng.random(n_accounts) < 0.05
    per_account = rng.choice(3, size=n_accounts, p=SUBSCRIPTIONS_PER_ACCOUNT) + 1
    per_account[prospect] = 1
    account = np.repeat(np.arange(n_accounts), per_account)
    n = len(account)
    days_before_horizon = HISTORY_DAYS * (1 - np.sqrt(1 - rng.random(n)))
    days_before_horizon = np.where(prospect[account], 455 * rng.random(n), days_before_horizon)
    start = ref + np.timedelta64(90, "D") - days_before_horizon.astype("timedelta64[D]")
    start = np.where(rng.random(n) < 0.6, month_start(start), start)
    return Subscriptions(account, start, prospect[account])


def _chains(rng: np.random.Generator, subs: Subscriptions, ref: np.datetime64) -> dict[str, np.ndarray]:
    """Grow every renewal chain one term per round until it is lost, terminated or not yet due."""
    rounds: list[dict[str, np.ndarray]] = []
    alive = np.arange(len(subs.account))
    start, term = subs.first_start, _terms(rng, len(alive))
    parent = np.full(len(alive), -1)
    gap_mode = np.zeros(len(alive), dtype=np.int64)
    offset, position = 0, 0
    while alive.size:
        m = alive.size
        end = term_end(start, term)
        span = (end - start).astype(np.int64)
        if position == 0:
            close = start - rng.integers(5, 61, m).astype("timedelta64[D]")
        else:  # renewals mostly close shortly before they start; some are signed late
            late = rng.random(m) < 0.08
            close = np.where(
                late,
                start + rng.integers(1, 31, m).astype("timedelta64[D]"),
                start - rng.integers(0, 46, m).astype("timedelta64[D]"),
            )
        is_open = close > ref
        lost = ~is_open & ((rng.random(m) < (0.12 if position == 0 else 0.10)) | subs.prospect[alive])
        booked = ~is_open & ~lost
        mid_term = booked & (rng.random(m) < 0.03) & (start < ref) & (span > 120)
        effective = start + (30 + rng.random(m) * (span - 60)).astype("timedelta64[D]")
        notice = np.minimum(
            np.maximum(effective - rng.integers(0, 61, m).astype("timedelta64[D]"), start), ref
        )
        rounds.append(
            {
                "sub": alive,
                "pos": np.full(m, position),
                "kind": np.full(m, min(position, RENEWAL)),
                "start": start,
                "end": end,
                "term": term.astype(float),
                "close": close,
                "outcome": np.select([booked, lost], [BOOKED, LOST], OPEN),
                "gap_mode": gap_mode,
                "parent": parent,
                "mid_term_termination": mid_term,
                "terminated_effective": np.where(mid_term, effective, NO_DATE),
                "termination_date": np.where(mid_term, notice, NO_DATE),
            }
        )
        rows = offset + np.arange(m)
        renew = booked & ~mid_term & (end <= ref + np.timedelta64(RENEWAL_WINDOW_DAYS, "D"))
        mode = rng.choice(3, size=m, p=[0.85, 0.10, 0.05])
        shift = np.select(
            [mode == GAP, mode == OVERLAP],
            [rng.integers(10, 61, m), -np.minimum(rng.integers(1, 61, m), span // 3)],
            0,
        )
        next_start = end + DAY + shift.astype("timedelta64[D]")
        next_term = np.where(rng.random(m) < 0.8, term, _terms(rng, m))
        alive, start, term = alive[renew], next_start[renew], next_term[renew]
        parent, gap_mode = rows[renew], mode[renew]
        offset += m
        position += 1
    return {key: np.concatenate([r[key] for r in rounds]) for key in rounds[0]}


def _terminate_lost_renewals(rng: np.random.Generator, rows: dict[str, np.ndarray]) -> None:
    """A lost renewal usually terminates its parent at the end of the term (TED = end or end + 1 day)."""
    lost = np.flatnonzero(
        (rows["kind"] == RENEWAL) & (rows["outcome"] == LOST) & (rng.random(len(rows["kind"])) < 0.8)
    )
    parent = rows["parent"][lost]
    rows["termination_date"][parent] = np.minimum(rows["close"][lost], rows["end"][parent])
    rows["terminated_effective"][parent] = rows["end"][parent] + np.where(rng.random(len(lost)) < 0.5, 1, 0)


def _amendments(
    rng: np.random.Generator, rows: dict[str, np.ndarray], ref: np.datetime64
) -> dict[str, np.ndarray]:
    """Mid-term up- or downsells of ~15% of booked contracts, from mid-term to the parent's end.

    19% of the contracts long enough and not too far in the future, which is ~15% of all booked ones.
    """
    span = (rows["end"] - rows["start"]).astype(np.int64)
    candidate = (rows["outcome"] == BOOKED) & ~rows["mid_term_termination"] & (span >= 90)
    parent = np.flatnonzero(candidate & (rng.random(len(span)) < 0.19))
    start = rows["start"][parent] + (30 + rng.random(len(parent)) * (span[parent] - 60)).astype(
        "timedelta64[D]"
    )
    keep = start <= ref + np.timedelta64(60, "D")
    parent, start = parent[keep], start[keep]
    m = len(parent)
    end = rows["end"][parent]
    close = start - rng.integers(0, 21, m).astype("timedelta64[D]")
    is_open = close > ref
    lost = ~is_open & (rng.random(m) < 0.05)
    return {
        "sub": rows["sub"][parent],
        "pos": rows["pos"][parent],
        "kind": np.full(m, AMENDMENT),
        "start": start,
        "end": end,
        "term": term_months(start, end),
        "close": close,
        "outcome": np.select([lost, is_open], [LOST, OPEN], BOOKED),
        "gap_mode": np.zeros(m, dtype=np.int64),
        "parent": parent,
        "mid_term_termination": np.zeros(m, dtype=bool),
        "terminated_effective": np.full(m, NO_DATE),
        "termination_date": np.full(m, NO_DATE),
        "downgrade": rng.random(m) < 0.25,
    }


def plan_contracts(ctx: Context) -> tuple[Contracts, Subscriptions]:
    """Opportunities for the number of accounts that comes closest to ``scale`` opportunities."""
    n_accounts = ctx.scale // 4 * 3 // 2 + 20
    while True:
        rng = ctx.rng(f"contracts-{n_accounts}")
        subs = subscriptions(rng, n_accounts, ctx.ref)
        rows = _chains(rng, subs, ctx.ref)
        rows["downgrade"] = np.zeros(len(rows["kind"]), dtype=bool)
        _terminate_lost_renewals(rng, rows)
        amendments = _amendments(rng, rows, ctx.ref)
        rows = {key: np.concatenate([rows[key], amendments[key]]) for key in rows}
        account = subs.account[rows["sub"]]
        per_account = np.cumsum(np.bincount(account, minlength=n_accounts))
        if per_account[-1] >= ctx.scale:
            break
        n_accounts *= 2
    reaching = int(np.searchsorted(per_account, ctx.scale))  # the account that reaches scale ...
    overshoot = per_account[reaching] - ctx.scale
    undershoot = ctx.scale - per_account[reaching - 1] if reaching else ctx.scale
    kept_accounts = reaching + (1 if overshoot <= undershoot else 0)  # ... is kept if that is closer
    kept = np.flatnonzero(account < kept_accounts)
    seq = rows["pos"][kept] * 2 + (rows["kind"][kept] == AMENDMENT)
    order = kept[np.lexsort((seq, rows["sub"][kept]))]
    new_row = np.full(len(account), -1)
    new_row[order] = np.arange(len(order))
    sorted_rows = {key: value[order] for key, value in rows.items()}
    sorted_rows["parent"] = np.where(sorted_rows["parent"] >= 0, new_row[sorted_rows["parent"]], -1)
    contracts = Contracts(account=account[order], **sorted_rows)
    kept_subs = int(subs.account.searchsorted(kept_accounts))
    subs = Subscriptions(subs.account[:kept_subs], subs.first_start[:kept_subs], subs.prospect[:kept_subs])
    return contracts, subs


def _stages(rng: np.random.Generator, c: Contracts, ref: np.datetime64) -> np.ndarray:
    """Stage names per outcome; old deals keep the retired "Legacy - Contract Signed" stage."""
    n = len(c)
    s = stage_index
    won_new = np.where(rng.random(n) < 0.6, s("Closed Won"), s("Closed Won - Signed Order Form"))
    won_renewal = np.where(rng.random(n) < 0.85, s("Renewal Booked"), s("Closed Won"))
    won_amendment = np.where(rng.random(n) < 0.7, s("Closed Won"), s("Closed Won - Signed Order Form"))
    won = np.choose(c.kind, [won_new, won_renewal, won_amendment])
    legacy = (c.close < ref - np.timedelta64(4 * 365, "D")) & (rng.random(n) < 0.5)
    won = np.where(legacy, s("Legacy - Contract Signed"), won)
    lost_other = np.where(rng.random(n) < 0.7, s("Closed Lost"), s("Closed Lost - No Budget"))
    lost_renewal = np.array([s("Closed Lost"), s("Closed Lost - No Budget"), s("Churned")])[
        rng.choice(3, size=n, p=[0.4, 0.2, 0.4])
    ]
    lost = np.where(c.kind == RENEWAL, lost_renewal, lost_other)
    days_to_close = (c.close - ref).astype(np.int64)
    first_open = np.select([days_to_close > 60, days_to_close > 30], [0, 1], 3)
    open_stage = first_open + rng.integers(0, 2, n)
    return np.choose(c.outcome, [won, lost, open_stage])


def _links(rng: np.random.Generator, c: Contracts) -> None:
    """Renews/Renewed By and Amends/Amended By; ~10% of renewal links are recorded on one side only."""
    n = len(c)
    c.renews, c.renewed_by = np.full(n, -1), np.full(n, -1)
    c.amends, c.amended_by = np.full(n, -1), np.full(n, -1)
    renewal = np.flatnonzero((c.kind == RENEWAL) & (c.parent >= 0))
    side = rng.choice(3, size=len(renewal), p=[0.9, 0.05, 0.05])  # both, child only, parent only
    c.renews[renewal[side != 2]] = c.parent[renewal[side != 2]]
    c.renewed_by[c.parent[renewal[side != 1]]] = renewal[side != 1]
    amendment = np.flatnonzero(c.kind == AMENDMENT)
    c.amends[amendment] = c.parent[amendment]
    both = amendment[rng.random(len(amendment)) < 0.85]
    c.amended_by[c.parent[both]] = both


def _deletions_and_tests(rng: np.random.Generator, c: Contracts) -> None:
    """~1% soft-deleted and ~3% "TEST - " deals kept out of revenue, all at the end of their chains.

    Deleting a record clears the lookups that point to it, as Salesforce does.
    """
    n = len(c)
    has_child = np.zeros(n, dtype=bool)
    has_child[c.parent[c.parent >= 0]] = True
    leaf = ~has_child
    deletable = np.flatnonzero(leaf & ((c.outcome != BOOKED) | (c.kind == AMENDMENT)))
    c.deleted = np.zeros(n, dtype=bool)
    c.deleted[rng.permutation(deletable)[: max(1, n // 100)]] = True
    c.renewed_by[np.isin(c.renewed_by, np.flatnonzero(c.deleted))] = -1
    c.amended_by[np.isin(c.amended_by, np.flatnonzero(c.deleted))] = -1
    testable = np.flatnonzero(leaf & ~c.deleted & (c.kind != AMENDMENT))
    c.test = np.zeros(n, dtype=bool)
    c.test[rng.permutation(testable)[: max(1, n * 3 // 100)]] = True


def finish_contracts(ctx: Context, c: Contracts) -> None:
    """Stages, links, soft deletions, test deals and Ids (planted problems come once lines exist)."""
    rng = ctx.rng("contract_details")
    c.stage = _stages(rng, c, ctx.ref)
    _links(rng, c)
    _deletions_and_tests(rng, c)
    c.missing_dates = np.zeros(len(c), dtype=bool)
    c.ids = id_array("006", len(c))


class Picker:
    """Chooses distinct, otherwise clean records for planted problems, so no record carries two."""

    def __init__(self, rng: np.random.Generator, usable: np.ndarray) -> None:
        self.rng = rng
        self.free = usable.copy()

    def pick(self, candidates: np.ndarray, count: int, what: str) -> np.ndarray:
        rows = np.flatnonzero(candidates & self.free)
        if len(rows) < count:
            raise ValueError(f"scale too small to plant {what}: {len(rows)} candidates for {count}")
        chosen = np.sort(self.rng.choice(rows, size=count, replace=False))
        self.free[chosen] = False
        return chosen
