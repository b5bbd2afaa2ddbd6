"""Table-driven tests of priority (0–100) and tier: the numbers a manager reads in a reason.

With the default weights (value 40, intent 30, newness 10, history 20, total 100) each
part's points are its share in [0, 1] times its weight, so the expected figures below can
be read straight off the policy file.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest

from fenpei.engine import Customer, CustomerTable, Intent, Policy, build_problem
from fenpei.engine.policy import PriorityScales, PriorityWeights, Tiers
from fenpei.engine.scoring import PARTS, priority_of, priority_parts, tier_of

AS_OF = date(2026, 6, 30)
VALUE, INTENT, NEWNESS, HISTORY = range(4)


def parts_of(customer: Customer, policy: Policy | None = None) -> dict[str, float]:
    table = CustomerTable.from_customers([customer])
    row = priority_parts(table, policy or Policy(), AS_OF)[0]
    return {name: float(row[k]) for k, name in enumerate(PARTS)}


def priority_and_tier(customer: Customer, policy: Policy | None = None) -> tuple[float, str]:
    problem = build_problem(
        CustomerTable.from_customers([customer]), [], policy or Policy(), as_of=AS_OF
    )
    return float(problem.priority[0]), "ABC"[int(problem.tier[0])]


def cust(**fields: Any) -> Customer:
    return Customer(key="C1", name="上海某某科技有限公司", **fields)


def _log_points(value: float, unit: float, full: float, weight: float) -> float:
    return weight * math.log1p(value / unit) / math.log1p(full / unit)


# --- potential value: log scale between two anchors -------------------------------------

VALUE_CASES = [
    pytest.param(0.0, 0.0, id="0 yuan scores 0"),
    pytest.param(-5_000.0, 0.0, id="negative value clipped to 0"),
    pytest.param(10_000.0, _log_points(10_000, 10_000, 5_000_000, 40), id="one unit (1万)"),
    pytest.param(
        500_000.0, _log_points(500_000, 10_000, 5_000_000, 40), id="50万 on the log scale"
    ),
    pytest.param(5_000_000.0, 40.0, id="exactly value_full (500万) scores the full 40"),
    pytest.param(80_000_000.0, 40.0, id="above value_full is capped at 40"),
]


@pytest.mark.parametrize(("value", "points"), VALUE_CASES)
def test_value_points_on_log_scale(value: float, points: float) -> None:
    assert parts_of(cust(potential_value=value))["value"] == pytest.approx(points, abs=1e-9)


def test_value_points_rise_with_value_and_follow_policy_anchor() -> None:
    values = [0, 1e3, 1e4, 1e5, 1e6, 4.99e6, 5e6]
    points = [parts_of(cust(potential_value=v))["value"] for v in values]
    assert points == sorted(points)
    assert len(set(points)) == len(points)  # strictly increasing up to the anchor
    # a policy with value_full = 100万 gives full points from 100万 on
    policy = Policy(priority_scales=PriorityScales(value_full=1_000_000.0))
    assert parts_of(cust(potential_value=1_000_000.0), policy)["value"] == pytest.approx(40.0)
    assert parts_of(cust(potential_value=999_000.0), policy)["value"] < 40.0


# --- intent levels ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intent", "points"),
    [
        pytest.param(Intent.HIGH, 30.0, id="high (高) 1.0 x 30"),
        pytest.param(Intent.MEDIUM, 18.0, id="medium (中) 0.6 x 30"),
        pytest.param(Intent.LOW, 6.0, id="low (低) 0.2 x 30"),
        pytest.param(Intent.UNKNOWN, 10.5, id="unknown 0.35 x 30"),
    ],
)
def test_intent_points(intent: Intent, points: float) -> None:
    assert parts_of(cust(intent=intent))["intent"] == pytest.approx(points)


def test_intent_points_follow_policy() -> None:
    policy = Policy(priority_scales=PriorityScales(intent_low=0.5))
    assert parts_of(cust(intent=Intent.LOW), policy)["intent"] == pytest.approx(15.0)


# --- newness: the sheet's 新/老 wins, else derived from deal_count -------------------------


@pytest.mark.parametrize(
    ("is_new", "deal_count", "points"),
    [
        pytest.param(True, 0, 10.0, id="explicit 新, no deals"),
        pytest.param(True, 5, 10.0, id="explicit 新 wins over 5 deals"),
        pytest.param(False, 0, 0.0, id="explicit 老 wins over no deals"),
        pytest.param(False, 3, 0.0, id="explicit 老, 3 deals"),
        pytest.param(None, 0, 10.0, id="derived: no deal means new"),
        pytest.param(None, 1, 0.0, id="derived: one deal means existing"),
        pytest.param(None, 12, 0.0, id="derived: many deals means existing"),
    ],
)
def test_newness_points(is_new: bool | None, deal_count: int, points: float) -> None:
    assert parts_of(cust(is_new=is_new, deal_count=deal_count))["newness"] == points


# --- history: half amount (log scale), half recency (half-life) -----------------------------

HALF_LIFE = 180


@pytest.mark.parametrize(
    ("amount", "days_ago", "points"),
    [
        pytest.param(0.0, None, 0.0, id="no deal at all"),
        pytest.param(1_000_000.0, None, 10.0, id="amount at history_full, no date: amount half"),
        pytest.param(5_000_000.0, None, 10.0, id="amount above history_full is capped"),
        pytest.param(0.0, 0, 10.0, id="deal today: full recency half"),
        pytest.param(0.0, HALF_LIFE, 5.0, id="deal exactly one half-life ago: half recency"),
        pytest.param(0.0, 2 * HALF_LIFE, 2.5, id="two half-lives ago: a quarter"),
        pytest.param(0.0, -30, 10.0, id="date after as_of counts as today"),
        pytest.param(1_000_000.0, 0, 20.0, id="full amount and today: all 20 points"),
        pytest.param(1_000_000.0, HALF_LIFE, 15.0, id="full amount, one half-life ago"),
    ],
)
def test_history_points(amount: float, days_ago: int | None, points: float) -> None:
    last = None if days_ago is None else AS_OF - timedelta(days=days_ago)
    c = cust(deal_amount=amount, last_deal=last, deal_count=1 if last else 0)
    assert parts_of(c)["history"] == pytest.approx(points, abs=1e-9)


def test_history_half_life_follows_policy() -> None:
    policy = Policy(priority_scales=PriorityScales(recency_half_life_days=30.0))
    c = cust(last_deal=AS_OF - timedelta(days=30), deal_count=1)
    assert parts_of(c, policy)["history"] == pytest.approx(5.0)
    # the default half-life (180 days) gives much more for the same deal
    assert parts_of(c)["history"] == pytest.approx(10 * 0.5 ** (30 / 180))


# --- tiers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "tier"),
    [
        pytest.param(100.0, "A", id="100 is A"),
        pytest.param(60.0, "A", id="exactly a=60 is A"),
        pytest.param(59.99, "B", id="59.99 is B"),
        pytest.param(35.0, "B", id="exactly b=35 is B"),
        pytest.param(34.99, "C", id="34.99 is C"),
        pytest.param(0.0, "C", id="0 is C"),
    ],
)
def test_tier_thresholds(priority: float, tier: str) -> None:
    assert "ABC"[int(tier_of(np.array([priority]), Policy())[0])] == tier


@pytest.mark.parametrize(
    ("a", "b", "priority", "tier"),
    [
        pytest.param(80.0, 50.0, 79.99, "B", id="a=80: 79.99 is B"),
        pytest.param(80.0, 50.0, 80.0, "A", id="a=80: 80 is A"),
        pytest.param(80.0, 50.0, 50.0, "B", id="b=50: 50 is B"),
        pytest.param(80.0, 50.0, 49.99, "C", id="b=50: 49.99 is C"),
        pytest.param(50.0, 50.0, 50.0, "A", id="a=b: the tie goes to A"),
        pytest.param(0.0, 0.0, 0.0, "A", id="a=b=0: everyone is A"),
    ],
)
def test_tier_thresholds_follow_policy(a: float, b: float, priority: float, tier: str) -> None:
    policy = Policy(tiers=Tiers(a=a, b=b))
    assert "ABC"[int(tier_of(np.array([priority]), policy)[0])] == tier


# Intent alone: high → 100, medium (0.6) → exactly 60, unknown (0.35) → exactly 35.
INTENT_ONLY = Policy(priority_weights=PriorityWeights(value=0, intent=1, newness=0, history=0))


@pytest.mark.parametrize(
    ("intent", "priority", "tier"),
    [
        pytest.param(Intent.HIGH, 100.0, "A", id="high: 100, A"),
        pytest.param(Intent.MEDIUM, 60.0, "A", id="medium: exactly 60, A"),
        pytest.param(Intent.UNKNOWN, 35.0, "B", id="unknown: exactly 35, B"),
        pytest.param(Intent.LOW, 20.0, "C", id="low: 20, C"),
    ],
)
def test_priority_landing_on_threshold_end_to_end(
    intent: Intent, priority: float, tier: str
) -> None:
    assert priority_and_tier(cust(intent=intent), INTENT_ONLY) == (priority, tier)


# --- priority: rounded to two decimals, weights normalised to 100 --------------------------

SAMPLE = [
    cust(potential_value=1_234_567.0, intent=Intent.MEDIUM),
    cust(
        potential_value=33_333.0,
        intent=Intent.LOW,
        deal_count=2,
        deal_amount=77_777.0,
        last_deal=AS_OF - timedelta(days=97),
    ),
    cust(potential_value=0.0),
    cust(potential_value=9e9, intent=Intent.HIGH, is_new=True, deal_amount=9e9, last_deal=AS_OF),
    cust(potential_value=450_000.0, intent=Intent.UNKNOWN, is_new=False, deal_amount=12_345.0),
]


@pytest.mark.parametrize("index", range(len(SAMPLE)), ids=lambda i: f"customer {i}")
def test_priority_is_sum_of_parts_rounded_to_two_decimals(index: int) -> None:
    table = CustomerTable.from_customers([SAMPLE[index]])
    parts = priority_parts(table, Policy(), AS_OF)
    priority = float(priority_of(parts)[0])
    assert priority == round(float(parts[0].sum()), 2)
    assert priority * 100 == pytest.approx(round(priority * 100), abs=1e-6)
    assert 0.0 <= priority <= 100.0
    problem = build_problem(table, [], Policy(), as_of=AS_OF)
    assert float(problem.priority[0]) == priority


def test_unrounded_priority_really_needed_rounding() -> None:
    # guards the test above: the first sample's raw sum has more than two decimals
    parts = priority_parts(CustomerTable.from_customers([SAMPLE[0]]), Policy(), AS_OF)
    raw = float(parts[0].sum())
    assert raw != round(raw, 2)


@pytest.mark.parametrize(
    "weights",
    [
        pytest.param(PriorityWeights(4, 3, 1, 2), id="4/3/1/2 = defaults / 10"),
        pytest.param(PriorityWeights(400, 300, 100, 200), id="400/300/100/200"),
        pytest.param(PriorityWeights(0.8, 0.6, 0.2, 0.4), id="fractions"),
    ],
)
def test_weights_normalised_to_100(weights: PriorityWeights) -> None:
    table = CustomerTable.from_customers(SAMPLE)
    default = priority_parts(table, Policy(), AS_OF)
    scaled = priority_parts(table, Policy(priority_weights=weights), AS_OF)
    np.testing.assert_allclose(scaled, default, atol=1e-9)


@pytest.mark.parametrize(
    "weights",
    [
        pytest.param(PriorityWeights(40, 30, 10, 20), id="defaults"),
        pytest.param(PriorityWeights(1, 0, 0, 0), id="value only"),
        pytest.param(PriorityWeights(7, 7, 0, 0), id="value and intent"),
        pytest.param(PriorityWeights(3, 11, 5, 13), id="odd weights"),
    ],
)
def test_best_possible_customer_scores_exactly_100(weights: PriorityWeights) -> None:
    best = SAMPLE[3]
    policy = Policy(priority_weights=weights)
    parts = parts_of(best, policy)
    total = weights.total
    for name in PARTS:  # each part is worth its share of 100
        assert parts[name] == pytest.approx(100 * getattr(weights, name) / total)
    assert priority_and_tier(best, policy) == (100.0, "A")


def test_zero_weight_part_contributes_nothing() -> None:
    policy = Policy(priority_weights=replace(PriorityWeights(), newness=0.0))
    parts = parts_of(cust(is_new=True), policy)
    assert parts["newness"] == 0.0
    assert parts["intent"] == pytest.approx(30 * 0.35 * 100 / 90)
