"""Who may take which customer, and how well each rep fits: the `Problem` the solver reads.

Customers that share region, industry, product needs, tier, routing rule and lock state
have the same eligible reps and the same fit with each of them; they differ only in
priority. We call such a group a *class* and compute eligibility and fit once per class,
not once per customer. A million customers typically form a few tens of thousands of
classes, and the solver exploits the same structure (see solve.py).

The current owner (incumbent) is the one thing that differs inside a class: it is kept
per customer as a single extra arc with the stickiness bonus. The performance bonus
(learning from results, performance.py) depends on the rep and the customer's industry,
province and tier, all of which a class shares, so it keeps the classes as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from fenpei.engine.model import NATIONWIDE, CustomerTable, FloatArray, IntArray, Rep
from fenpei.engine.performance import (
    PairRates,
    WinRates,
    pair_rates,
    performance_bonus,
    tallies_of_records,
    win_rates,
)
from fenpei.engine.policy import TIER_LEVEL, Policy, RoutingRule
from fenpei.engine.scoring import priority_of, priority_parts, tier_of

FIT_PARTS = ("industry", "product", "level", "incumbent", "region", "performance")

# How a pair became eligible (explain.py turns these into words).
VIA_TERRITORY = "territory"
VIA_NATIONWIDE = "nationwide"
VIA_RULE = "rule"
VIA_OPEN = "open"  # territory is soft or off
VIA_LOCKED = "locked"


@dataclass(slots=True)
class PerformanceData:
    """The reps' win rates, and the customers' codes mapped into their vocabulary."""

    rates: WinRates
    industry: npt.NDArray[np.int64]  # customers' industry code → rates' code; [-1] → -1
    region: npt.NDArray[np.int64]  # the same for the province


@dataclass(slots=True)
class Problem:
    customers: CustomerTable
    reps: list[Rep]
    policy: Policy
    as_of: date
    priority: FloatArray
    priority_parts: FloatArray
    tier: npt.NDArray[np.int8]
    rule: npt.NDArray[np.int32]  # index of the first matching routing rule, -1 none
    klass: IntArray  # class of each customer
    class_ptr: npt.NDArray[np.int64]  # CSR: candidates of class k are [ptr[k], ptr[k+1])
    class_rep: IntArray  # sorted by fit descending, then rep index
    class_fit: FloatArray
    class_cover: IntArray  # reps the territory/rule would allow, before status and capacity
    owner: IntArray  # current owner's rep index, -1 none (or unknown key)
    incumbent_fit: FloatArray  # fit of the owner arc, nan when the owner is not eligible
    capacity: IntArray
    existing_load: IntArray
    slots: IntArray  # capacity left for this run (0 for inactive reps)
    # rep attributes as arrays, reused by explain.py
    area: IntArray  # (province, city) of each customer as a code into `areas`, -1 unknown
    areas: list[tuple[str, str]]
    rep_area: npt.NDArray[np.bool_]  # (R, areas): the rep's territory names the province or city
    rep_nationwide: npt.NDArray[np.bool_]
    rep_industry: npt.NDArray[np.bool_]  # (R, industries)
    rep_level: npt.NDArray[np.int8]
    rep_products: npt.NDArray[np.uint64]  # (R, words) bitmask
    set_products: npt.NDArray[np.uint64]  # (product sets, words) bitmask
    set_size: IntArray
    #: win rates for the performance term; None when the term is off or nobody has deals
    performance: PerformanceData | None = None

    @property
    def n_customers(self) -> int:
        return len(self.customers)

    def candidates(self, i: int) -> tuple[IntArray, FloatArray]:
        """Eligible reps of customer i and their fit (owner with its bonus)."""
        _, rep, fit = self.arcs(np.array([i], dtype=np.int64))
        return rep, fit

    def arcs(
        self, customers: npt.NDArray[np.int64] | None = None
    ) -> tuple[npt.NDArray[np.int64], IntArray, FloatArray]:
        """Eligible reps of the given customers (default: all) as CSR: (ptr, rep, fit),
        in class order (best fit first).

        The owner's arc carries the stickiness bonus; a locked customer has only that arc.
        """
        rows = np.arange(self.n_customers, dtype=np.int64) if customers is None else customers
        klass = self.klass[rows]
        owner = self.owner[rows]
        incumbent = self.incumbent_fit[rows]
        counts = np.diff(self.class_ptr)[klass]
        has = (owner >= 0) & ~np.isnan(incumbent)
        locked_only = has & (counts == 0)
        ptr = np.zeros(rows.size + 1, dtype=np.int64)
        np.cumsum(counts + locked_only, out=ptr[1:])
        seg = np.repeat(np.arange(rows.size, dtype=np.int64), counts)
        offsets = np.arange(seg.size, dtype=np.int64) - np.repeat(
            np.cumsum(counts) - counts, counts
        )
        idx = np.repeat(self.class_ptr[klass], counts) + offsets
        rep = np.empty(int(ptr[-1]), dtype=np.int32)
        fit = np.empty(int(ptr[-1]), dtype=np.float64)
        slot = ptr[:-1][seg] + offsets
        rep[slot] = self.class_rep[idx]
        fit[slot] = self.class_fit[idx]
        on_owner = has[seg] & (rep[slot] == owner[seg])
        fit[slot[on_owner]] = incumbent[seg[on_owner]]
        only = np.flatnonzero(locked_only)
        rep[ptr[only]] = owner[only]
        fit[ptr[only]] = incumbent[only]
        return ptr, rep, fit

    def pairs(self) -> tuple[npt.NDArray[np.int64], IntArray, FloatArray]:
        """Every eligible (customer, rep) pair with score = priority × fit, by customer, rep."""
        ptr, rep, fit = self.arcs()
        cust = np.repeat(np.arange(self.n_customers, dtype=np.int64), np.diff(ptr))
        order = np.argsort(cust * max(len(self.reps), 1) + rep, kind="stable")
        cust, rep, fit = cust[order], rep[order], fit[order]
        return cust, rep, np.round(self.priority[cust] * fit, 4)


def _bitmask(sets: Sequence[frozenset[str]], vocab: dict[str, int]) -> npt.NDArray[np.uint64]:
    words = max(1, (len(vocab) + 63) // 64)
    out = np.zeros((len(sets), words), dtype=np.uint64)
    for row, items in enumerate(sets):
        for item in items:
            if item in vocab:
                bit = vocab[item]
                out[row, bit // 64] |= np.uint64(1) << np.uint64(bit % 64)
    return out


def fit_parts(problem: Problem, cust: npt.NDArray[np.int64], rep: IntArray) -> FloatArray:
    """Bonus points of each part for arbitrary pairs, shape (m, 6) in FIT_PARTS order.

    The single definition of fit: class tables, owner arcs and explanations all use it.
    """
    p = problem.policy.fit
    c = problem.customers
    ind = c.industry[cust]
    industry = _lookup(problem.rep_industry, rep, ind)
    pset = c.product_set[cust]
    overlap = np.bitwise_count(problem.set_products[pset] & problem.rep_products[rep]).sum(axis=1)
    size = problem.set_size[pset]
    share = np.where(size > 0, overlap / np.maximum(size, 1), 0.0)
    want = np.array([TIER_LEVEL[t] for t in range(3)], dtype=np.int8)[problem.tier[cust]]
    level = problem.rep_level[rep] == want
    incumbent = problem.owner[cust] == rep
    region = np.zeros(cust.shape, dtype=np.float64)
    if problem.policy.territory != "off":
        open_region = _territory_open(problem, cust)
        covers = _lookup(problem.rep_area, rep, problem.area[cust])
        covers |= problem.rep_nationwide[rep]
        region = np.where(open_region & covers, p.region, 0.0)
    rates = performance_rates(problem, cust, rep)
    performance = (
        np.zeros(cust.shape, dtype=np.float64)
        if rates is None
        else performance_bonus(rates, problem.policy.performance.weight)
    )
    return np.column_stack(
        [
            np.where(industry, p.industry, 0.0),
            p.product * share,
            np.where(level, p.level, 0.0),
            np.where(incumbent, p.incumbent, 0.0),
            region,
            performance,
        ]
    )


def performance_rates(
    problem: Problem, cust: npt.NDArray[np.int64], rep: IntArray
) -> PairRates | None:
    """The reps' shrunk win rates in the customers' segments; None when the term is off."""
    data = problem.performance
    if data is None:
        return None
    c = problem.customers
    codes = np.column_stack(
        [
            data.industry[c.industry[cust]],
            data.region[c.region[cust]],
            problem.tier[cust].astype(np.int64),
        ]
    )
    return pair_rates(data.rates, rep, codes)


def _performance_data(
    customers: CustomerTable, reps: Sequence[Rep], policy: Policy
) -> PerformanceData | None:
    term = policy.performance
    if not term.on:
        return None
    tallies = tallies_of_records([r.track_record for r in reps])
    if len(tallies) == 0:
        return None
    rates = win_rates(tallies, term.segments, term.prior_deals, term.min_deals)
    # one trailing -1: a customer's unknown code (-1) indexes it
    industry = np.append(rates.codes_of(0, customers.industries), -1)
    region = np.append(rates.codes_of(1, customers.regions), -1)
    return PerformanceData(rates, industry, region)


def _lookup(table: npt.NDArray[np.bool_], rep: IntArray, code: IntArray) -> npt.NDArray[np.bool_]:
    """table[rep, code], False where code is -1 (unknown); safe when no customer has a value."""
    if table.shape[1] == 0:
        return np.zeros(code.shape, dtype=np.bool_)
    return np.where(code >= 0, table[rep, np.maximum(code, 0)], False)


def fit_total(parts: FloatArray) -> FloatArray:
    """1 + the bonuses, each counted with the two decimals it is published with, so the
    parts a user reads always add up to the fit shown."""
    total: FloatArray = np.round(1.0 + np.round(parts, 2).sum(axis=1), 2)
    return total


def _territory_open(problem: Problem, cust: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """True where territory only adds a bonus for this customer (soft mode, or a rule says so)."""
    if problem.policy.territory == "soft":
        return np.ones(cust.shape, dtype=np.bool_)
    ignores = np.array([r.ignore_territory for r in problem.policy.rules] + [False])
    return ignores[problem.rule[cust]]  # rule -1 indexes the trailing False


def _match_rules(
    customers: CustomerTable, rules: Sequence[RoutingRule], tier: np.ndarray
) -> npt.NDArray[np.int32]:
    matched = np.full(len(customers), -1, dtype=np.int32)
    for index, rule in enumerate(rules):
        w = rule.when
        mask = matched < 0
        if w.regions:
            ok = np.array([r in w.regions for r in customers.regions] + [False])
            in_city = np.fromiter(
                (x in w.regions for x in customers.city), np.bool_, len(customers)
            )
            mask &= ok[customers.region] | in_city
        if w.industries:
            ok = np.array([r in w.industries for r in customers.industries] + [False])
            mask &= ok[customers.industry]
        if w.tiers:
            mask &= np.isin(tier, [("A", "B", "C").index(t) for t in w.tiers])
        if w.intents:
            labels = ("unknown", "low", "medium", "high")
            mask &= np.isin(customers.intent, [labels.index(x) for x in w.intents])
        if w.min_value is not None:
            mask &= customers.potential_value >= w.min_value
        if w.max_value is not None:
            mask &= customers.potential_value <= w.max_value
        matched[mask] = index
    return matched


def _rule_allows(rule: RoutingRule, reps: Sequence[Rep]) -> npt.NDArray[np.bool_]:
    return np.array(
        [r.team in rule.teams or r.key in rule.reps or r.name in rule.reps for r in reps],
        dtype=np.bool_,
    )


def build_problem(
    customers: CustomerTable, reps: Sequence[Rep], policy: Policy, *, as_of: date
) -> Problem:
    reps = list(reps)
    n, n_reps = len(customers), len(reps)
    parts = priority_parts(customers, policy, as_of)
    priority = priority_of(parts)
    tier = tier_of(priority, policy)
    rule = _match_rules(customers, policy.rules, tier)

    capacity = np.array(
        [policy.default_capacity if r.capacity is None else r.capacity for r in reps], np.int32
    ).reshape(n_reps)
    existing = np.array([r.existing_load for r in reps], dtype=np.int32).reshape(n_reps)
    active = np.array([r.active for r in reps], dtype=np.bool_).reshape(n_reps)
    slots = np.where(active, np.maximum(capacity - existing, 0), 0).astype(np.int32)

    area, areas = _area_codes(customers)
    rep_area = np.zeros((n_reps, len(areas)), dtype=np.bool_)
    by_name: dict[str, list[int]] = {}
    for index, (province, city) in enumerate(areas):
        for name in {province, city} - {""}:
            by_name.setdefault(name, []).append(index)
    industry_index = {name: i for i, name in enumerate(customers.industries)}
    rep_industry = np.zeros((n_reps, len(customers.industries)), dtype=np.bool_)
    for j, r in enumerate(reps):
        for name in r.regions:
            rep_area[j, by_name.get(name, [])] = True
        for name in r.industries:
            if name in industry_index:
                rep_industry[j, industry_index[name]] = True
    nationwide = np.array([r.nationwide for r in reps], dtype=np.bool_).reshape(n_reps)
    product_vocab = {p: i for i, p in enumerate(sorted(set().union(*customers.product_sets)))}

    problem = Problem(
        customers=customers,
        reps=reps,
        policy=policy,
        as_of=as_of,
        priority=priority,
        priority_parts=parts,
        tier=tier,
        rule=rule,
        klass=np.zeros(n, dtype=np.int32),
        class_ptr=np.zeros(1, dtype=np.int64),
        class_rep=np.zeros(0, dtype=np.int32),
        class_fit=np.zeros(0, dtype=np.float64),
        class_cover=np.zeros(0, dtype=np.int32),
        owner=_owner_index(customers, reps),
        incumbent_fit=np.full(n, np.nan),
        capacity=capacity,
        existing_load=existing,
        slots=slots,
        area=area,
        areas=areas,
        rep_area=rep_area,
        rep_nationwide=nationwide,
        rep_industry=rep_industry,
        rep_level=np.array([int(r.level) for r in reps], dtype=np.int8).reshape(n_reps),
        rep_products=_bitmask([r.products for r in reps], product_vocab),
        set_products=_bitmask(customers.product_sets, product_vocab),
        set_size=np.array([len(s) for s in customers.product_sets], dtype=np.int32),
        performance=_performance_data(customers, reps, policy),
    )
    _build_classes(problem)
    _build_incumbents(problem)
    return problem


def _owner_index(customers: CustomerTable, reps: Sequence[Rep]) -> IntArray:
    index = {r.key: j for j, r in enumerate(reps)}
    return np.fromiter(
        (index.get(o, -1) if o else -1 for o in customers.owner),
        dtype=np.int32,
        count=len(customers),
    )


def _build_classes(problem: Problem) -> None:
    c = problem.customers
    n_rules = len(problem.policy.rules)
    # Mixed-radix class key; locked, region and rule are the most significant digits so
    # that classes sharing a candidate list come out contiguous from np.unique.
    digits = [
        # locked customers and duplicate followers get no candidate list of their own
        (np.where(c.followers, 2, c.locked.astype(np.int64)), 3),
        (problem.area.astype(np.int64) + 1, len(problem.areas) + 1),
        (problem.rule.astype(np.int64) + 1, n_rules + 1),
        (c.industry.astype(np.int64) + 1, len(c.industries) + 1),
        (c.product_set.astype(np.int64), max(len(c.product_sets), 1)),
        (problem.tier.astype(np.int64), 3),
    ]
    key = np.zeros(len(c), dtype=np.int64)
    for value, base in digits:
        key = key * base + value
    keys, first, klass = np.unique(key, return_index=True, return_inverse=True)
    problem.klass = klass.astype(np.int32)
    n_classes = keys.size

    usable = problem.slots > 0
    cls_of_pair: list[np.ndarray] = []
    rep_of_pair: list[np.ndarray] = []
    cover = np.zeros(n_classes, dtype=np.int32)
    group_key = keys // (
        (len(c.industries) + 1) * max(len(c.product_sets), 1) * 3
    )  # (locked or follower, area, rule)
    bounds = np.flatnonzero(np.diff(group_key)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, n_classes], strict=True):
        if hi <= lo:  # no customers at all: no group
            continue
        rep_cust = first[lo]  # any customer of the group stands for it
        if c.locked[rep_cust] or c.same_as[rep_cust] >= 0:
            continue  # locked: only its owner; a follower goes wherever its stand-in goes
        allowed = _allowed_reps(problem, int(rep_cust))
        cover[lo:hi] = int(allowed.sum())
        cand = np.flatnonzero(allowed & usable).astype(np.int32)
        k = hi - lo
        cls_of_pair.append(np.repeat(np.arange(lo, hi, dtype=np.int64), cand.size))
        rep_of_pair.append(np.tile(cand, k))
    pair_cls = np.concatenate(cls_of_pair) if cls_of_pair else np.zeros(0, np.int64)
    pair_rep = np.concatenate(rep_of_pair) if rep_of_pair else np.zeros(0, np.int32)
    # fit per (class, rep), computed on the class's representative customer, without the
    # incumbent bonus (which belongs to single customers)
    rep_cust = first[pair_cls].astype(np.int64)
    saved_owner = problem.owner
    problem.owner = np.full(len(c), -1, dtype=np.int32)
    fit = fit_total(fit_parts(problem, rep_cust, pair_rep))
    problem.owner = saved_owner
    # one int64 sort key (class, fit descending, rep) is much faster than lexsort
    f100 = np.rint(fit * 100).astype(np.int64)
    span = int(f100.max()) + 1 if f100.size else 1
    n_reps = max(len(problem.reps), 1)
    if n_classes * span * n_reps < 2**62:
        sort_key = (pair_cls * span + (span - 1 - f100)) * n_reps + pair_rep
        order = np.argsort(sort_key, kind="stable")
    else:  # absurd bonuses: fall back to the slower three-key sort
        order = np.lexsort((pair_rep, -f100, pair_cls))
    problem.class_rep = pair_rep[order].astype(np.int32)
    problem.class_fit = fit[order]
    problem.class_ptr = np.zeros(n_classes + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair_cls, minlength=n_classes), out=problem.class_ptr[1:])
    problem.class_cover = cover


def _allowed_reps(problem: Problem, i: int) -> npt.NDArray[np.bool_]:
    """Reps that territory and routing rules allow for customer i (status/capacity aside)."""
    policy = problem.policy
    allowed = np.ones(len(problem.reps), dtype=np.bool_)
    rule_index = int(problem.rule[i])
    rule = policy.rules[rule_index] if rule_index >= 0 else None
    if rule is not None:
        allowed &= _rule_allows(rule, problem.reps)
    if policy.territory == "hard" and not (rule is not None and rule.ignore_territory):
        area = int(problem.area[i])
        covers = problem.rep_nationwide.copy()
        if area >= 0:
            covers |= problem.rep_area[:, area]
        allowed &= covers
    return allowed


def _build_incumbents(problem: Problem) -> None:
    c = problem.customers
    n_reps = len(problem.reps)
    has = np.flatnonzero((problem.owner >= 0) & ~c.followers)
    if has.size == 0:
        return
    owner = problem.owner[has]
    # is the owner among the class's candidates? search the (class, rep) keys
    counts = np.diff(problem.class_ptr)
    pair_key = (
        np.repeat(np.arange(counts.size, dtype=np.int64), counts) * n_reps + problem.class_rep
    )
    sorted_keys = np.append(np.sort(pair_key), np.iinfo(np.int64).max)  # sentinel
    want = problem.klass[has].astype(np.int64) * n_reps + owner
    pos = np.searchsorted(sorted_keys, want)
    found = sorted_keys[np.minimum(pos, sorted_keys.size - 1)] == want
    locked_ok = c.locked[has] & (problem.slots[owner] > 0)
    keep = found | locked_ok
    cust, rep = has[keep].astype(np.int64), owner[keep]
    problem.incumbent_fit[cust] = fit_total(fit_parts(problem, cust, rep))


def eligibility_via(problem: Problem, i: int, rep: int) -> tuple[str, str]:
    """Why rep may take customer i: (VIA_* code, detail such as the rule or region)."""
    c = problem.customers
    if c.locked[i]:
        return VIA_LOCKED, ""
    rule_index = int(problem.rule[i])
    if rule_index >= 0:
        return VIA_RULE, problem.policy.rules[rule_index].name
    if problem.policy.territory != "hard":
        return VIA_OPEN, problem.policy.territory
    area = int(problem.area[i])
    if area >= 0 and problem.rep_area[rep, area]:
        province, city = problem.areas[area]
        return VIA_TERRITORY, city if city and city in problem.reps[rep].regions else province
    if problem.rep_nationwide[rep]:
        return VIA_NATIONWIDE, NATIONWIDE
    return VIA_TERRITORY, c.region_name(i)


def area_name(problem: Problem, i: int) -> str:
    """Province, with the city when known: 江苏苏州, 上海, 新疆."""
    area = int(problem.area[i])
    if area < 0:
        return ""
    province, city = problem.areas[area]
    return province + city if city and city != province else province or city


def _area_codes(customers: CustomerTable) -> tuple[IntArray, list[tuple[str, str]]]:
    """Code each customer's (province, city); -1 when both are unknown."""
    city_index: dict[str, int] = {"": 0}
    city_code = np.fromiter(
        (city_index.setdefault(x, len(city_index)) for x in customers.city),
        dtype=np.int64,
        count=len(customers),
    )
    cities = list(city_index)
    key = (customers.region.astype(np.int64) + 1) * len(cities) + city_code
    uniq, inverse = np.unique(key, return_inverse=True)
    pairs = [
        (
            customers.regions[int(k) // len(cities) - 1] if k >= len(cities) else "",
            cities[int(k) % len(cities)],
        )
        for k in uniq
    ]
    # codes follow the sorted (province, city) names so results do not depend on row order
    order = sorted(range(len(pairs)), key=lambda j: pairs[j])
    rank = np.empty(len(pairs), dtype=np.int32)
    rank[order] = np.arange(len(pairs), dtype=np.int32)
    codes = rank[inverse]
    vocab = [pairs[j] for j in order]
    if vocab and vocab[0] == ("", ""):
        codes = codes - 1  # the unknown area sorts first; it becomes -1
        vocab = vocab[1:]
    return codes.astype(np.int32), vocab
