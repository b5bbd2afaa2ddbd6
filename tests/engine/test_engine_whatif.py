"""What-if: the comparer against hand-computed figures, and the arrivals replay against
hand-worked routings and against the engine's own one-customer solve."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest

from fenpei.engine import Customer, CustomerTable, Intent, Level, Rep, build_problem, solve
from fenpei.engine.policy import policy_from_toml
from fenpei.engine.whatif import (
    Outcome,
    RepSide,
    _objective,
    book_metrics,
    compare,
    replay_arrivals,
)

AS_OF = date(2026, 11, 30)

# ------------------------------------------------------------------ the comparer

SIDES = [
    RepSide("R0", "甲", int(Level.SENIOR), 10, base_load=1, base_value=100.0),
    RepSide("R1", "乙", int(Level.JUNIOR), 10),
    RepSide("R2", "丙", int(Level.MID), 10, base_load=2, base_value=50.0),
]
OWNER = np.array([0, 0, 1, -1, -1], dtype=np.int32)
VALUE = np.array([100.0, 200.0, 300.0, 400.0, 500.0])
TIER = np.array([0, 0, 1, 2, 0], dtype=np.int8)
OUTCOME = Outcome(
    rep=np.array([0, 1, -1, 2, -1], dtype=np.int32),
    tier=TIER,
    reasons=("", "", "capacity_used", "", "no_rep_in_region"),
    objective=1234.5,
)


def test_book_metrics_hand_computed() -> None:
    m = book_metrics(OUTCOME, owner=OWNER, value=VALUE, reps=SIDES)
    assert (m.customers, m.assigned, m.unassigned) == (5, 3, 2)
    assert m.unassigned_reasons == (("capacity_used", 1), ("no_rep_in_region", 1))
    # c0 kept by R0; c1 R0 → R1; c2 R1 → pool; c3 pool → R2
    assert (m.kept, m.moved, m.released, m.new, m.changed) == (1, 1, 1, 1, 3)
    assert m.loads == (2, 1, 3)  # base 1 + c0; c1; base 2 + c3
    assert m.values == (200.0, 200.0, 450.0)
    # loads 1, 2, 3: Σ|xi−xj| over ordered pairs = 8, 2·n²·mean = 36
    assert m.fairness.load_gini == pytest.approx(8 / 36)
    # values 200, 200, 450: Σ|xi−xj| = 4·250 = 1000, 2·9·(850/3) = 5100
    assert m.fairness.value_gini == pytest.approx(1000 / 5100)
    assert m.fairness.reps == 3
    # tier A assigned: c0 with senior R0, c1 with junior R1 (c4 is unassigned)
    assert (m.tier_a, m.tier_a_senior, m.tier_a_senior_share) == (2, 1, 0.5)
    assert m.tier_level == ((1, 0, 1), (0, 0, 0), (0, 1, 0))
    assert m.objective == 1234.5


def test_fairness_is_prorated_for_availability() -> None:
    half = [*SIDES[:2], dataclasses.replace(SIDES[2], available=0.5)]
    m = book_metrics(OUTCOME, owner=OWNER, value=VALUE, reps=half)
    # loads 2, 1, 3/0.5 = 6 → sorted 1, 2, 6: Σ|xi−xj| = 2·(1+5+4) = 20, 2·9·3 = 54
    assert m.fairness.load_gini == pytest.approx(20 / 54)
    gone = [*SIDES[:2], dataclasses.replace(SIDES[2], available=0.0)]
    assert book_metrics(OUTCOME, owner=OWNER, value=VALUE, reps=gone).fairness.reps == 2


def test_compare_before_is_todays_book_and_identical_outcomes_do_not_differ() -> None:
    cmp = compare(
        owner=OWNER, before_tier=TIER, active=OUTCOME, draft=OUTCOME, value=VALUE, reps=SIDES
    )
    assert cmp.differ == ()
    assert cmp.active == cmp.draft
    before = cmp.before
    assert (before.kept, before.moved, before.released, before.new) == (3, 0, 0, 0)
    assert before.unassigned == 2
    assert before.loads == (3, 1, 2)  # R0 base 1 + c0 + c1; R1 c2; R2 base 2
    assert before.objective is None
    assert before.unassigned_reasons == ()


def test_compare_lists_the_customers_that_differ() -> None:
    draft = dataclasses.replace(OUTCOME, rep=np.array([0, 0, -1, 1, 2], dtype=np.int32))
    cmp = compare(
        owner=OWNER, before_tier=TIER, active=OUTCOME, draft=draft, value=VALUE, reps=SIDES
    )
    assert cmp.differ == (1, 3, 4)
    assert cmp.draft.kept == 2 and cmp.draft.moved == 0


# ------------------------------------------------------------------ arrivals replay

# Priority 100 for every customer (intent high is the only weight), no level or product
# bonus: R0 knows the industry (fit 1.3, score 130), R1 does not (fit 1.0, score 100).
# λ = 60, capacity 10: each customer already held costs 6 points.
POLICY = policy_from_toml(
    """
[priority]
value = 0
intent = 100
newness = 0
history = 0
[fit]
level = 0
[allocation]
balance_weight = 60
"""
)


def _reps(capacity: int = 10, *, r1_load: int = 0) -> list[Rep]:
    return [
        Rep(
            "R0",
            "甲",
            regions=frozenset({"上海"}),
            industries=frozenset({"制造业"}),
            capacity=capacity,
        ),
        Rep("R1", "乙", regions=frozenset({"上海"}), capacity=capacity, existing_load=r1_load),
    ]


def _arrivals(n: int, *, region: str = "上海") -> CustomerTable:
    return CustomerTable.from_customers(
        [
            Customer(f"C{i}", f"客户{i}", region=region, industry="制造业", intent=Intent.HIGH)
            for i in range(n)
        ]
    )


def test_replay_hand_worked() -> None:
    problem = build_problem(_arrivals(10), _reps(), POLICY, as_of=AS_OF)
    assert problem.priority.tolist() == [100.0] * 10
    out = replay_arrivals(problem)
    # R0 wins while 130 − 6·L0 ≥ 100 − 6·L1 (a tie goes to the better fit): six in a row,
    # then R1 (94 < 100), R0 (94 = 94), R1 (88 < 94), R0 (88 = 88)
    assert out.rep.tolist() == [0, 0, 0, 0, 0, 0, 1, 0, 1, 0]
    assert out.reasons == ("",) * 10
    # objective: 10·M + 8·130 + 2·100 − 60·(0+…+7)/10 − 60·(0+1)/10
    assert out.objective == pytest.approx(10_000 + 1040 + 200 - 6 * 28 - 6)


def test_replay_starts_from_the_given_loads_and_respects_leave() -> None:
    problem = build_problem(_arrivals(10), _reps(r1_load=2), POLICY, as_of=AS_OF)
    # R1 starts at 12 points down: R0 takes the first eight (130 − 6·7 = 88 ≥ 88)
    assert replay_arrivals(problem).rep.tolist()[:9] == [0] * 8 + [1]
    plain = build_problem(_arrivals(10), _reps(), POLICY, as_of=AS_OF)
    available = np.ones((10, 2), dtype=np.bool_)
    available[2, 0] = False  # R0 on leave the day the third customer arrived
    out = replay_arrivals(plain, available)
    assert out.rep.tolist() == [0, 0, 1, 0, 0, 0, 0, 0, 1, 0]


def test_replay_unassigned_reasons() -> None:
    full = replay_arrivals(build_problem(_arrivals(3), _reps(capacity=1), POLICY, as_of=AS_OF))
    assert full.rep.tolist() == [0, 1, -1]
    assert full.reasons[2] == "capacity_used"
    far = replay_arrivals(build_problem(_arrivals(1, region="新疆"), _reps(), POLICY, as_of=AS_OF))
    assert far.rep.tolist() == [-1] and far.reasons == ("no_rep_in_region",)
    away = np.zeros((1, 2), dtype=np.bool_)
    gone = replay_arrivals(build_problem(_arrivals(1), _reps(), POLICY, as_of=AS_OF), away)
    assert gone.reasons == ("all_unavailable",)


def test_replay_matches_the_engine_on_one_customer_at_a_time() -> None:
    """Each replayed decision is as good as the full solver's on a one-customer problem
    with the loads of that moment (the rule real-time routing applies)."""
    industries = ["制造业", "零售", "金融", ""]
    customers = [
        Customer(
            f"C{i}",
            f"客户{i}",
            region=["上海", "江苏", "浙江"][i % 3],
            industry=industries[i % 4],
            potential_value=float(20_000 * (1 + (i * 7) % 13)),
            intent=Intent(i % 4),
            deal_count=i % 3,
            deal_amount=float(5_000 * (i % 5)),
        )
        for i in range(40)
    ]
    reps = [
        Rep(
            "A",
            "甲",
            regions=frozenset({"上海", "江苏"}),
            industries=frozenset({"制造业"}),
            level=Level.SENIOR,
            capacity=12,
            existing_load=3,
        ),
        Rep(
            "B",
            "乙",
            regions=frozenset({"上海", "浙江"}),
            industries=frozenset({"零售"}),
            level=Level.JUNIOR,
            capacity=15,
        ),
        Rep(
            "C",
            "丙",
            regions=frozenset({"全国"}),
            industries=frozenset({"金融"}),
            capacity=8,
            existing_load=5,
        ),
    ]
    policy = policy_from_toml("[allocation]\nbalance_weight = 200\ncoverage_weight = 100\n")
    out = replay_arrivals(
        build_problem(CustomerTable.from_customers(customers), reps, policy, as_of=AS_OF)
    )
    loads = [r.existing_load for r in reps]
    for i, c in enumerate(customers):
        now = [dataclasses.replace(r, existing_load=loads[j]) for j, r in enumerate(reps)]
        one = build_problem(CustomerTable.from_customers([c]), now, policy, as_of=AS_OF)
        engine = solve(one)
        chosen = int(out.rep[i])
        assert (int(engine.rep[0]) >= 0) == (chosen >= 0), i
        if chosen >= 0:
            mine = _objective(one, np.array([chosen], dtype=np.int32))
            assert mine == pytest.approx(engine.objective, abs=1e-6), i
            loads[chosen] += 1
    assert sum(loads) > sum(r.existing_load for r in reps)  # something was routed
