"""Why me / why not me: every rep considered for one customer, now.

`explain.py` words the reasons of an assignment that was made (the chosen rep and one
runner-up). This module answers the wider question a rep asks on a customer's page: who
else could have had it, which rule let each rep in or kept them out, and how each one
scores. It reads a `Problem` with one customer whose reps carry their current loads, so
the numbers are exactly the ones real-time routing uses: the marginal value of giving the
customer to rep r is

    M + priority × fit(r) − λ · L_r / C_r

(the objective's change when rep r's load goes from L_r to L_r + 1), and the solver's
choice is the eligible rep with room where that value is highest, when it is positive.

Plain data in, plain data out; no Django, no wording (the app words the codes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from fenpei.engine.eligibility import (
    FIT_PARTS,
    Problem,
    _allowed_reps,
    eligibility_via,
    fit_parts,
    fit_total,
)
from fenpei.engine.model import TIERS, Allocation
from fenpei.engine.scoring import PARTS

# Why a rep may not take the customer, in the order they are checked: the first that
# applies is the one shown, so "departed" wins over "outside territory".
NOT_INACTIVE = "inactive"  # departed or on leave (the app tells which)
NOT_LOCKED = "locked"  # the customer is locked to another rep
NOT_RULE = "rule"  # the routing rule the customer matches names other teams / reps
NOT_TERRITORY = "territory"  # hard territory and the rep does not cover the region
NOT_FULL = "full"  # at or over capacity


@dataclass(frozen=True, slots=True)
class Candidate:
    """One rep's line: eligibility, score parts, balance and rank."""

    rep: int  # index into problem.reps
    eligible: bool
    via: str  # eligible: a VIA_* code of eligibility.py; not eligible: a NOT_* code
    detail: str  # the rule name, region, or "" (what the code refers to)
    fit_parts: dict[str, float]  # bonus of each FIT_PARTS part, two decimals
    fit: float
    score: float  # priority × fit: what the rep would score, eligible or not
    load: int  # customers the rep holds now (this one excluded)
    capacity: int
    balance_cost: float  # λ · load / capacity: the cost of one more customer
    value: float  # M + score − balance cost; nan when not eligible
    rank: int | None  # 1 = best; None when not eligible


@dataclass(frozen=True, slots=True)
class Comparison:
    """Why the runner-up lost to the chosen rep: each part's share of the gap in marginal
    value (positive: the chosen rep is ahead on that part)."""

    parts: dict[str, float]  # FIT_PARTS as priority × bonus difference, and "balance"
    score: float  # chosen score − runner-up score
    value: float  # chosen value − runner-up value (the sum of the parts)


@dataclass(frozen=True, slots=True)
class Why:
    priority: float
    priority_parts: dict[str, float]  # PARTS, points, two decimals
    tier: str
    coverage_weight: float  # M
    balance_weight: float  # λ
    candidates: list[Candidate]  # ranked eligible reps first, then the rest in rep order
    chosen: int | None  # rep index the engine picks now, None when nobody
    runner_up: int | None  # the best other eligible rep
    comparison: Comparison | None  # chosen vs runner-up


def _not_eligible(problem: Problem, i: int, rep: int, allowed: bool) -> tuple[str, str]:
    c = problem.customers
    if not problem.reps[rep].active:
        return NOT_INACTIVE, ""
    if c.locked[i] and int(problem.owner[i]) != rep:
        return NOT_LOCKED, ""
    rule_index = int(problem.rule[i])
    if not allowed and rule_index >= 0:
        rule = problem.policy.rules[rule_index]
        if not (
            problem.reps[rep].team in rule.teams
            or problem.reps[rep].key in rule.reps
            or problem.reps[rep].name in rule.reps
        ):
            return NOT_RULE, rule.name
    if not allowed:
        return NOT_TERRITORY, c.region_name(i)
    return NOT_FULL, ""


def candidates_why(problem: Problem, allocation: Allocation, i: int = 0) -> Why:
    """Every rep of the problem for customer i, with the engine's choice.

    Meant for a one-customer problem whose reps' `existing_load` is their load now (the
    customer itself not counted): then `allocation` is the routing decision and the
    chosen rep is the eligible one with the highest marginal value.
    """
    policy = problem.policy
    lam, m = policy.balance_weight, policy.coverage_weight
    n_reps = len(problem.reps)
    allowed = _allowed_reps(problem, i)
    arc_reps, _ = problem.candidates(i)
    arcs = {int(r) for r in arc_reps}
    reps = np.arange(n_reps, dtype=np.int32)
    parts = fit_parts(problem, np.full(n_reps, i, dtype=np.int64), reps)
    fits = fit_total(parts) if n_reps else np.zeros(0)
    priority = float(problem.priority[i])
    chosen = int(allocation.rep[i])
    lines: list[Candidate] = []
    for r in range(n_reps):
        load = int(problem.existing_load[r])
        cap = int(problem.capacity[r])
        cost = round(lam * load / max(cap, 1), 4)
        fit = float(fits[r])
        score = round(priority * fit, 4)
        eligible = r in arcs
        if eligible:
            via, detail = eligibility_via(problem, i, r)
        else:
            via, detail = _not_eligible(problem, i, r, bool(allowed[r]))
        lines.append(
            Candidate(
                rep=r,
                eligible=eligible,
                via=via,
                detail=detail,
                fit_parts={k: round(float(v), 2) for k, v in zip(FIT_PARTS, parts[r], strict=True)},
                fit=fit,
                score=score,
                load=load,
                capacity=cap,
                balance_cost=cost,
                value=round(m + score - cost, 4) if eligible else math.nan,
                rank=None,
            )
        )
    # Rank by marginal value; the solver's choice first among equals (its tie-break is
    # deterministic but not by index), then rep order.
    ranked = sorted(
        (c for c in lines if c.eligible), key=lambda c: (-c.value, c.rep != chosen, c.rep)
    )
    rank_of = {c.rep: k + 1 for k, c in enumerate(ranked)}
    lines = [replace(c, rank=rank_of.get(c.rep)) for c in lines]
    ordered = sorted(lines, key=lambda c: (c.rank is None, c.rank or 0, c.rep))
    winner = chosen if chosen >= 0 else None
    others = [c for c in ordered if c.eligible and c.rep != winner]
    runner = others[0].rep if others else None
    comparison = None
    if winner is not None and runner is not None:
        comparison = compare(lines[winner], lines[runner], priority)
    pp = np.round(problem.priority_parts[i], 2).tolist()
    return Why(
        priority=priority,
        priority_parts=dict(zip(PARTS, pp, strict=True)),
        tier=TIERS[int(problem.tier[i])],
        coverage_weight=m,
        balance_weight=lam,
        candidates=ordered,
        chosen=winner,
        runner_up=runner,
        comparison=comparison,
    )


def compare(chosen: Candidate, other: Candidate, priority: float) -> Comparison:
    """The gap between two reps' marginal values, part by part: each fit bonus counts
    priority × its difference, and balance counts the other's cost minus the chosen's."""
    parts = {k: round(priority * (chosen.fit_parts[k] - other.fit_parts[k]), 4) for k in FIT_PARTS}
    parts["balance"] = round(other.balance_cost - chosen.balance_cost, 4)
    return Comparison(
        parts=parts,
        score=round(chosen.score - other.score, 4),
        value=round(chosen.value - other.value, 4),
    )


__all__ = [
    "NOT_FULL",
    "NOT_INACTIVE",
    "NOT_LOCKED",
    "NOT_RULE",
    "NOT_TERRITORY",
    "Candidate",
    "Comparison",
    "Why",
    "candidates_why",
    "compare",
]
