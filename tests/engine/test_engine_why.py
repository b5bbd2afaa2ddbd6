"""Why me / why not me: every rep's line for one customer, and the policy changes in words.

The cast: Zhang (上海, knows 制造, senior), Li (上海, junior), Wang (全国), Zhao (北京),
Qian (上海, on leave), Sun (上海, full). The chosen rep must be the one with the highest
marginal value M + score − λ·L/C, as the solver decides.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fenpei.engine import Customer, CustomerTable, Intent, Level, Policy, Rep, allocate
from fenpei.engine.eligibility import VIA_NATIONWIDE, VIA_RULE, VIA_TERRITORY
from fenpei.engine.policy import RoutingRule, RuleCondition
from fenpei.engine.policy_changes import (
    CHANGED,
    RULE_ADDED,
    RULE_CHANGED,
    RULE_REMOVED,
    RULES_REORDERED,
    policy_changes,
)
from fenpei.engine.why import (
    NOT_FULL,
    NOT_INACTIVE,
    NOT_LOCKED,
    NOT_RULE,
    NOT_TERRITORY,
    candidates_why,
)

AS_OF = date(2026, 6, 30)


def cast() -> list[Rep]:
    return [
        Rep("E1", "Zhang", "east", frozenset({"上海"}), frozenset({"制造"}), level=Level.SENIOR),
        Rep("E2", "Li", "east", frozenset({"上海"}), level=Level.JUNIOR, existing_load=50),
        Rep("E3", "Wang", "east", frozenset({"全国"})),
        Rep("E4", "Zhao", "east", frozenset({"北京"})),
        Rep("E5", "Qian", "east", frozenset({"上海"}), active=False),
        Rep("E6", "Sun", "east", frozenset({"上海"}), capacity=10, existing_load=10),
    ]


def customer(**kw: object) -> CustomerTable:
    base = Customer(
        "C1",
        "Acme",
        region="上海",
        industry="制造",
        potential_value=2_000_000,
        intent=Intent.HIGH,
    )
    return CustomerTable.from_customers([replace(base, **kw)])  # type: ignore[arg-type]


def why_of(table: CustomerTable, reps: list[Rep], policy: Policy | None = None):  # type: ignore[no-untyped-def]
    problem, allocation = allocate(table, reps, policy or Policy(), as_of=AS_OF)
    return problem, allocation, candidates_why(problem, allocation, 0)


def test_each_rep_gets_the_rule_that_decides_it() -> None:
    _, allocation, why = why_of(customer(), cast())
    by_name = {c.rep: c for c in why.candidates}
    assert (by_name[0].eligible, by_name[0].via, by_name[0].detail) == (True, VIA_TERRITORY, "上海")
    assert (by_name[2].eligible, by_name[2].via) == (True, VIA_NATIONWIDE)
    assert (by_name[3].eligible, by_name[3].via, by_name[3].detail) == (
        False,
        NOT_TERRITORY,
        "上海",
    )
    assert (by_name[4].eligible, by_name[4].via) == (False, NOT_INACTIVE)
    assert (by_name[5].eligible, by_name[5].via) == (False, NOT_FULL)
    assert why.chosen == int(allocation.rep[0]) == 0


def test_chosen_rep_has_the_top_marginal_value_and_ranks_first() -> None:
    _, _, why = why_of(customer(), cast())
    eligible = [c for c in why.candidates if c.eligible]
    assert [c.rank for c in eligible] == list(range(1, len(eligible) + 1))
    top = max(eligible, key=lambda c: c.value)
    assert why.chosen == top.rep == why.candidates[0].rep
    for c in eligible:
        assert c.value == pytest.approx(1000 + c.score - 30 * c.load / c.capacity, abs=1e-3)
    assert all(math.isnan(c.value) and c.rank is None for c in why.candidates if not c.eligible)


def test_score_parts_add_up_to_fit_and_score() -> None:
    _, _, why = why_of(customer(), cast())
    zhang = next(c for c in why.candidates if c.rep == 0)
    assert zhang.fit_parts["industry"] == 0.3
    assert zhang.fit_parts["level"] in (0.0, 0.2)
    assert zhang.fit == pytest.approx(1 + sum(zhang.fit_parts.values()))
    assert zhang.score == pytest.approx(why.priority * zhang.fit, abs=1e-3)
    assert sum(why.priority_parts.values()) == pytest.approx(why.priority, abs=0.05)


def test_runner_up_comparison_explains_the_gap_by_part() -> None:
    _, _, why = why_of(customer(), cast())
    assert why.chosen == 0 and why.comparison is not None
    runner = next(c for c in why.candidates if c.rep == why.runner_up)
    assert runner.rank == 2
    gap = why.comparison
    assert gap.parts["industry"] == pytest.approx(why.priority * 0.3, abs=1e-3)
    assert sum(gap.parts.values()) == pytest.approx(gap.value, abs=1e-3)


def test_balance_can_outweigh_fit() -> None:
    # Zhang full of customers (high balance cost) loses to Wang at a heavy λ.
    reps = cast()
    reps[0] = replace(reps[0], existing_load=190)
    reps[1] = replace(reps[1], existing_load=199)
    policy = replace(Policy(), balance_weight=500.0)
    _, allocation, why = why_of(customer(), reps, policy)
    assert why.chosen == 2 == int(allocation.rep[0])
    assert why.comparison is not None and why.comparison.parts["balance"] > 0
    assert why.runner_up == 0
    assert why.comparison.parts["industry"] < 0  # Wang is behind on industry, ahead on load


def test_routing_rule_excludes_reps_it_does_not_name() -> None:
    rule = RoutingRule("big", RuleCondition(industries=frozenset({"制造"})), reps=frozenset({"E4"}))
    policy = replace(Policy(), rules=(rule,))
    _, _, why = why_of(customer(), cast(), policy)
    lines = {c.rep: c for c in why.candidates}
    # named by the rule, but the territory is still a hard rule
    assert (lines[3].eligible, lines[3].via, lines[3].detail) == (False, NOT_TERRITORY, "上海")
    rule = replace(rule, ignore_territory=True)
    _, _, why = why_of(customer(), cast(), replace(policy, rules=(rule,)))
    lines = {c.rep: c for c in why.candidates}
    assert (lines[3].eligible, lines[3].via, lines[3].detail) == (True, VIA_RULE, "big")
    assert (lines[0].eligible, lines[0].via, lines[0].detail) == (False, NOT_RULE, "big")
    assert why.chosen == 3 and why.runner_up is None and why.comparison is None


def test_locked_customer_only_its_owner() -> None:
    _, _, why = why_of(customer(owner="E3", locked=True), cast())
    lines = {c.rep: c for c in why.candidates}
    assert lines[2].eligible and lines[2].fit_parts["incumbent"] == 0.5
    assert (lines[0].eligible, lines[0].via) == (False, NOT_LOCKED)
    assert why.chosen == 2


def test_nobody_eligible() -> None:
    _, _, why = why_of(customer(region="西藏"), [cast()[3]])
    assert why.chosen is None and why.candidates[0].via == NOT_TERRITORY


@given(
    loads=st.lists(st.integers(0, 199), min_size=4, max_size=4),
    value=st.floats(0, 10_000_000),
    lam=st.floats(0, 2000),
)
def test_property_choice_is_the_argmax_of_marginal_value(
    loads: list[int], value: float, lam: float
) -> None:
    reps = [replace(r, existing_load=load) for r, load in zip(cast()[:4], loads, strict=True)]
    policy = replace(Policy(), balance_weight=lam)
    _, allocation, why = why_of(customer(potential_value=value), reps, policy)
    eligible = [c for c in why.candidates if c.eligible]
    best = max((c.value for c in eligible), default=-1.0)
    if why.chosen is None:
        assert best <= 1e-3
    else:
        chosen = next(c for c in why.candidates if c.rep == why.chosen)
        assert chosen.value == pytest.approx(best, abs=1e-3)
        assert chosen.rank == 1 and why.chosen == int(allocation.rep[0])
    assert np.all([c.balance_cost >= 0 for c in why.candidates])


def test_policy_changes_name_each_value_and_rule() -> None:
    rule_a = RoutingRule("A", RuleCondition(industries=frozenset({"制造"})), teams=frozenset({"x"}))
    rule_b = RoutingRule("B", RuleCondition(regions=frozenset({"上海"})), teams=frozenset({"y"}))
    before = replace(Policy(), rules=(rule_a, rule_b))
    after = replace(
        Policy(),
        coverage_weight=1200.0,
        pool=replace(Policy().pool, claims_per_day=5),
        rules=(replace(rule_b, teams=frozenset({"z"})), RoutingRule("C", RuleCondition())),
    )
    changes = policy_changes(before, after)
    got = {(c.kind, c.key, str(c.before), str(c.after)) for c in changes if c.kind == CHANGED}
    assert ("changed", "allocation.coverage_weight", "1000.0", "1200.0") in got
    assert ("changed", "pool.claims_per_day", "10", "5") in got
    kinds = {(c.kind, c.key) for c in changes if c.kind != CHANGED}
    assert kinds == {(RULE_CHANGED, "B"), (RULE_ADDED, "C"), (RULE_REMOVED, "A")}
    assert policy_changes(before, before) == []


def test_policy_changes_see_a_new_rule_order() -> None:
    a = RoutingRule("A", RuleCondition(), teams=frozenset({"x"}))
    b = RoutingRule("B", RuleCondition(), teams=frozenset({"y"}))
    changes = policy_changes(replace(Policy(), rules=(a, b)), replace(Policy(), rules=(b, a)))
    assert [c.kind for c in changes] == [RULES_REORDERED]
    assert changes[0].after == ["B", "A"]
