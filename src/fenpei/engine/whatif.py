"""What-if (模拟): two policies side by side on the same customers, before one is activated.

Two pieces, both pure:

* `book_metrics` / `compare` turn an outcome (each customer's rep, or none) into the
  figures a manager compares: moves against today's owners, each rep's load and value
  held, fairness (`fenpei.engine.fairness`, the one definition), the tier × level match,
  the unassigned with their reasons, the objective. "Before" (today's book) gets the same
  figures, so the three columns read alike.
* `replay_arrivals` routes customers one at a time in arrival order, each to the rep that
  maximises the objective's *marginal* value given the loads at that moment — the rule
  real-time routing applies to one new customer (M + priority × fit − λ·L/C over eligible
  reps with room). The engine's problem is built once for all arrivals and the decision
  made per row on its numbers, in the solver's integer units; calling the full solver on
  a one-customer problem per arrival gives the same choices (tests check it) but costs a
  problem build each, too slow for thousands of arrivals in a request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fenpei.engine.eligibility import Problem, fit_parts, fit_total
from fenpei.engine.fairness import Fairness, fairness
from fenpei.engine.model import BoolArray, FloatArray, IntArray, Level
from fenpei.engine.solve import SCALE, objective_of

#: rep levels in the columns of the tier × level matrix
LEVELS = (Level.JUNIOR, Level.MID, Level.SENIOR)


@dataclass(frozen=True, slots=True)
class RepSide:
    """A rep as the comparison sees them."""

    key: str
    name: str
    level: int  # Level value
    capacity: int
    base_load: int = 0  # customers held outside the compared set (they do not move)
    base_value: float = 0.0  # the potential value of those
    available: float = 1.0  # share of the period available, 0–1 (fairness pro-rating)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where each customer goes under one policy."""

    rep: IntArray  # rep index per customer, -1 unassigned
    tier: npt.NDArray[np.int8]  # tier index per customer under that policy (0 = A)
    reasons: tuple[str, ...] = ()  # code per customer, "" when assigned; () when unknown
    objective: float | None = None


@dataclass(frozen=True, slots=True)
class BookMetrics:
    customers: int
    assigned: int
    unassigned: int
    #: (reason code, customers) most frequent first
    unassigned_reasons: tuple[tuple[str, int], ...]
    new: int  # had no owner, gets one
    kept: int  # stays with today's owner
    moved: int  # goes to another rep than today's
    released: int  # had an owner, gets none
    loads: tuple[int, ...]  # per rep, base load included
    values: tuple[float, ...]  # potential value held per rep, base included
    fairness: Fairness
    tier_a: int  # tier-A customers assigned
    tier_a_senior: int  # of those, with a senior rep
    #: assigned customers per tier (rows A, B, C) and rep level (junior, mid, senior)
    tier_level: tuple[tuple[int, ...], ...]
    objective: float | None

    @property
    def changed(self) -> int:
        """Customers whose owner would differ from today's (moved, released or new)."""
        return self.moved + self.released + self.new

    @property
    def tier_a_senior_share(self) -> float | None:
        return self.tier_a_senior / self.tier_a if self.tier_a else None


@dataclass(frozen=True, slots=True)
class Comparison:
    before: BookMetrics  # today's owners
    active: BookMetrics
    draft: BookMetrics
    #: customers whose rep differs between the active and the draft outcome
    differ: tuple[int, ...]


def book_metrics(
    outcome: Outcome,
    *,
    owner: IntArray,
    value: FloatArray,
    reps: Sequence[RepSide],
) -> BookMetrics:
    """The figures of one outcome. `owner` is today's rep index per customer (-1 none)."""
    rep_of = np.asarray(outcome.rep, dtype=np.int64)
    owner = np.asarray(owner, dtype=np.int64)
    value = np.asarray(value, dtype=np.float64)
    n_reps = len(reps)
    assigned = rep_of >= 0
    counts = np.bincount(rep_of[assigned], minlength=n_reps)
    held = np.bincount(rep_of[assigned], weights=value[assigned], minlength=n_reps)
    loads = tuple(int(r.base_load + counts[j]) for j, r in enumerate(reps))
    values = tuple(float(r.base_value + held[j]) for j, r in enumerate(reps))
    level_of = np.array([LEVELS.index(Level(r.level)) for r in reps] + [0], dtype=np.int64)
    tier = np.asarray(outcome.tier, dtype=np.int64)
    matrix = np.zeros((3, len(LEVELS)), dtype=np.int64)
    np.add.at(matrix, (tier[assigned], level_of[rep_of[assigned]]), 1)
    senior = LEVELS.index(Level.SENIOR)
    had = owner >= 0
    unassigned_codes = (
        [code for code, a in zip(outcome.reasons, assigned.tolist(), strict=True) if not a]
        if outcome.reasons
        else []
    )
    return BookMetrics(
        customers=int(rep_of.size),
        assigned=int(assigned.sum()),
        unassigned=int((~assigned).sum()),
        unassigned_reasons=tuple(Counter(unassigned_codes).most_common()),
        new=int((~had & assigned).sum()),
        kept=int((had & (rep_of == owner)).sum()),
        moved=int((had & assigned & (rep_of != owner)).sum()),
        released=int((had & ~assigned).sum()),
        loads=loads,
        values=values,
        fairness=fairness(loads, values, [r.available for r in reps]),
        tier_a=int(matrix[0].sum()),
        tier_a_senior=int(matrix[0, senior]),
        tier_level=tuple(tuple(int(x) for x in row) for row in matrix),
        objective=outcome.objective,
    )


def compare(
    *,
    owner: IntArray,
    before_tier: npt.NDArray[np.int8],
    active: Outcome,
    draft: Outcome,
    value: FloatArray,
    reps: Sequence[RepSide],
) -> Comparison:
    """Today's book, the active policy's outcome and the draft's, with the same figures.
    Tiers of "before" are `before_tier` (usually the active policy's)."""
    before = Outcome(rep=np.asarray(owner, dtype=np.int32), tier=before_tier)

    def metrics(outcome: Outcome) -> BookMetrics:
        return book_metrics(outcome, owner=owner, value=value, reps=reps)

    differ = np.flatnonzero(np.asarray(active.rep) != np.asarray(draft.rep))
    return Comparison(
        before=metrics(before),
        active=metrics(active),
        draft=metrics(draft),
        differ=tuple(int(i) for i in differ),
    )


# ------------------------------------------------------------------ arrivals replay


def _no_candidate_code(problem: Problem, i: int) -> str:
    """Why nobody could ever take customer i (the codes explain_unassigned uses)."""
    k = int(problem.klass[i])
    if int(problem.class_cover[k]) > 0:
        return "all_unavailable"
    if int(problem.rule[i]) >= 0:
        return "rule_no_rep"
    return "no_rep_in_region"


def replay_arrivals(problem: Problem, available: BoolArray | None = None) -> Outcome:
    """Route the problem's customers one by one, in row order (the caller sorts them by
    arrival), each to the rep with the best marginal value given the loads so far.

    Loads start at each rep's `existing_load`. `available[i, r]` says whether rep r could
    take customers on the day customer i arrived (leave); None: always. Customers are
    treated as new (no owner, not locked), as they were when they arrived. A customer
    nobody may take, or whose best marginal value is not positive, stays unassigned with
    the reason code `explain_unassigned` would give. Ties go to the better fit, then the
    lower rep index (the order of the engine's candidate lists)."""
    n = problem.n_customers
    ptr, cand, fit = problem.arcs()
    f100 = np.rint(fit * 100).astype(np.int64)
    p100 = np.rint(problem.priority * 100).astype(np.int64)
    policy = problem.policy
    m_units = round(policy.coverage_weight * SCALE)
    lam = policy.balance_weight
    capacity = problem.capacity.astype(np.int64)
    cap_div = np.maximum(capacity, 1).astype(np.float64)
    loads = problem.existing_load.astype(np.int64).copy()
    rep_of = np.full(n, -1, dtype=np.int32)
    reasons = [""] * n
    floor = np.iinfo(np.int64).min
    for i in range(n):
        lo, hi = int(ptr[i]), int(ptr[i + 1])
        if lo == hi:
            reasons[i] = _no_candidate_code(problem, i)
            continue
        reps = cand[lo:hi]
        room = loads[reps] < capacity[reps]
        here = available[i, reps] if available is not None else np.ones(reps.size, np.bool_)
        ok = room & here
        if not ok.any():
            reasons[i] = "capacity_used" if here.any() else "all_unavailable"
            continue
        cost = np.rint(lam * loads[reps] / cap_div[reps] * SCALE).astype(np.int64)
        gain = np.where(ok, m_units + p100[i] * f100[lo:hi] * (SCALE // 10_000) - cost, floor)
        best = int(np.argmax(gain))  # first maximum: best fit, then lowest index
        if gain[best] <= 0:
            reasons[i] = "not_worth_balance"
            continue
        rep_of[i] = int(reps[best])
        loads[reps[best]] += 1
    return Outcome(
        rep=rep_of,
        tier=problem.tier,
        reasons=tuple(reasons),
        objective=_objective(problem, rep_of),
    )


def _objective(problem: Problem, rep_of: IntArray) -> float:
    """The published objective of a given assignment, loads counted from existing load."""
    fit = np.full(problem.n_customers, np.nan)
    assigned = np.flatnonzero(rep_of >= 0).astype(np.int64)
    if assigned.size:
        fit[assigned] = fit_total(fit_parts(problem, assigned, rep_of[assigned]))
    return objective_of(problem, rep_of, np.round(problem.priority * fit, 4))
