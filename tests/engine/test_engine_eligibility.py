"""Table-driven eligibility and fit tests on a small cast of named reps.

The cast (one company, four reps):

* 张伟 Zhang Wei (S01) — 华东 team, covers 上海 and 江苏, senior, knows 制造, sells CRM/ERP
* 李娜 Li Na (S02)     — 华南 team, covers 广东, mid, knows 零售, sells CRM
* 王芳 Wang Fang (S03) — 总部 team, covers the whole country (全国), junior
* 赵磊 Zhao Lei (S04)  — 大客户部 (key accounts), covers 北京, senior, knows 金融
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pytest

from fenpei.engine import (
    Customer,
    CustomerTable,
    Intent,
    Level,
    Policy,
    Rep,
    build_problem,
    explain_unassigned,
    solve,
)
from fenpei.engine.eligibility import FIT_PARTS, Problem, fit_parts
from fenpei.engine.policy import FitBonuses, PriorityWeights, RoutingRule, RuleCondition

AS_OF = date(2026, 6, 30)

ZHANG = Rep(
    key="S01",
    name="Zhang Wei",
    team="华东",
    regions=frozenset({"上海", "江苏"}),
    industries=frozenset({"制造"}),
    products=frozenset({"CRM", "ERP"}),
    level=Level.SENIOR,
    capacity=10,
)
LI = Rep(
    key="S02",
    name="Li Na",
    team="华南",
    regions=frozenset({"广东"}),
    industries=frozenset({"零售"}),
    products=frozenset({"CRM"}),
    level=Level.MID,
    capacity=10,
)
WANG = Rep(
    key="S03",
    name="Wang Fang",
    team="总部",
    regions=frozenset({"全国"}),
    level=Level.JUNIOR,
    capacity=10,
)
ZHAO = Rep(
    key="S04",
    name="Zhao Lei",
    team="大客户部",
    regions=frozenset({"北京"}),
    industries=frozenset({"金融"}),
    level=Level.SENIOR,
    capacity=10,
)
CAST = (ZHANG, LI, WANG, ZHAO)
EVERYONE = frozenset(r.key for r in CAST)


def customer(region: str = "", **fields: Any) -> Customer:
    return Customer(
        key=fields.pop("key", "C1"), name=fields.pop("name", "某客户"), region=region, **fields
    )


def problem_of(
    customers: list[Customer], reps: tuple[Rep, ...] = CAST, policy: Policy | None = None
) -> Problem:
    return build_problem(
        CustomerTable.from_customers(customers), list(reps), policy or Policy(), as_of=AS_OF
    )


def eligible(problem: Problem, i: int = 0) -> frozenset[str]:
    reps, _ = problem.candidates(i)
    return frozenset(problem.reps[int(r)].key for r in reps)


def fits(problem: Problem, i: int = 0) -> dict[str, float]:
    reps, fit = problem.candidates(i)
    return {problem.reps[int(r)].key: float(f) for r, f in zip(reps, fit, strict=True)}


def with_rep(rep: Rep, **changes: Any) -> tuple[Rep, ...]:
    return tuple(replace(r, **changes) if r.key == rep.key else r for r in CAST)


def test_candidates_agree_with_pairs() -> None:
    # the helper `eligible` reads Problem.candidates; pairs() must list the same pairs
    problem = problem_of([customer("上海"), customer("广东", key="C2"), customer("新疆", key="C3")])
    cust, rep, _ = problem.pairs()
    for i in range(3):
        assert frozenset(problem.reps[int(r)].key for r in rep[cust == i]) == eligible(problem, i)


# --- territory ------------------------------------------------------------------------------

HARD, SOFT, OFF = Policy(territory="hard"), Policy(territory="soft"), Policy(territory="off")

TERRITORY_CASES = [
    pytest.param(HARD, "上海", {"S01", "S03"}, id="hard: 上海 → Zhang (covers) + Wang (全国)"),
    pytest.param(HARD, "江苏", {"S01", "S03"}, id="hard: second region of Zhang"),
    pytest.param(HARD, "广东", {"S02", "S03"}, id="hard: 广东 → Li + Wang"),
    pytest.param(HARD, "北京", {"S04", "S03"}, id="hard: 北京 → Zhao + Wang"),
    pytest.param(HARD, "新疆", {"S03"}, id="hard: 新疆 → only the nationwide rep"),
    pytest.param(HARD, "", {"S03"}, id="hard: unknown region → only the nationwide rep"),
    pytest.param(SOFT, "新疆", EVERYONE, id="soft: everyone, even for 新疆"),
    pytest.param(SOFT, "上海", EVERYONE, id="soft: everyone for 上海"),
    pytest.param(OFF, "上海", EVERYONE, id="off: everyone"),
    pytest.param(OFF, "", EVERYONE, id="off: everyone, unknown region"),
]


@pytest.mark.parametrize(("policy", "region", "expected"), TERRITORY_CASES)
def test_territory_modes(policy: Policy, region: str, expected: set[str]) -> None:
    assert eligible(problem_of([customer(region)], policy=policy)) == expected


def test_nationwide_rep_alone_covers_every_region() -> None:
    regions = ["上海", "广东", "新疆", "西藏", ""]
    problem = problem_of([customer(r, key=f"C{k}") for k, r in enumerate(regions)], reps=(WANG,))
    for i in range(len(regions)):
        assert eligible(problem, i) == {"S03"}


# Level and industry bonuses are switched off so that only the region bonus can differ.
REGION_ONLY = FitBonuses(industry=0.0, product=0.0, level=0.0, incumbent=0.0, region=0.3)


@pytest.mark.parametrize(
    ("territory", "region", "bonus_for"),
    [
        pytest.param("soft", "上海", {"S01", "S03"}, id="soft 上海: Zhang and Wang get +0.3"),
        pytest.param("soft", "广东", {"S02", "S03"}, id="soft 广东: Li and Wang get +0.3"),
        pytest.param("soft", "新疆", {"S03"}, id="soft 新疆: only the nationwide rep"),
        pytest.param("off", "上海", set(), id="off: no region bonus at all"),
        pytest.param("hard", "上海", set(), id="hard: region is the rule, not a bonus"),
    ],
)
def test_region_bonus_only_for_covering_reps_when_territory_is_soft(
    territory: str, region: str, bonus_for: set[str]
) -> None:
    policy = Policy(territory=territory, fit=REGION_ONLY)
    got = fits(problem_of([customer(region)], policy=policy))
    assert got == {k: (1.3 if k in bonus_for else 1.0) for k in got}


# --- rep status and capacity ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("reps", "expected"),
    [
        pytest.param(CAST, {"S01", "S03"}, id="all active"),
        pytest.param(with_rep(ZHANG, active=False), {"S03"}, id="Zhang inactive (离职)"),
        pytest.param(with_rep(WANG, active=False), {"S01"}, id="Wang inactive"),
        pytest.param(
            with_rep(ZHANG, capacity=3, existing_load=3), {"S03"}, id="Zhang full: load = capacity"
        ),
        pytest.param(
            with_rep(ZHANG, capacity=3, existing_load=7), {"S03"}, id="Zhang over capacity"
        ),
        pytest.param(
            with_rep(ZHANG, capacity=3, existing_load=2), {"S01", "S03"}, id="Zhang one slot left"
        ),
        pytest.param(with_rep(ZHANG, capacity=0), {"S03"}, id="Zhang capacity 0"),
        pytest.param(
            with_rep(ZHANG, capacity=None), {"S01", "S03"}, id="capacity None → default 200"
        ),
        pytest.param(
            with_rep(ZHANG, capacity=None, existing_load=200),
            {"S03"},
            id="capacity None, 200 owned → full at default",
        ),
        pytest.param(
            with_rep(ZHANG, capacity=None, existing_load=199),
            {"S01", "S03"},
            id="capacity None, 199 owned → one slot",
        ),
    ],
)
def test_status_and_capacity(reps: tuple[Rep, ...], expected: set[str]) -> None:
    assert eligible(problem_of([customer("上海")], reps=reps)) == expected


@pytest.mark.parametrize(
    ("default_capacity", "expected"),
    [
        pytest.param(0, {"S03"}, id="default 0: Zhang (None) takes nobody"),
        pytest.param(5, {"S01", "S03"}, id="default 5: Zhang (None) eligible"),
    ],
)
def test_capacity_none_takes_policy_default(default_capacity: int, expected: set[str]) -> None:
    reps = with_rep(ZHANG, capacity=None)
    problem = problem_of(
        [customer("上海")], reps=reps, policy=Policy(default_capacity=default_capacity)
    )
    assert eligible(problem) == expected
    assert int(problem.capacity[0]) == default_capacity
    assert int(problem.capacity[2]) == 10  # Wang's own capacity is kept


def test_inactive_rep_gets_no_customer_even_when_best() -> None:
    reps = with_rep(ZHANG, active=False)
    problem = problem_of(
        [customer("上海", industry="制造", key=f"C{k}") for k in range(3)], reps=reps
    )
    allocation = solve(problem)
    assert allocation.loads[0].assigned == 0
    assert {problem.reps[int(r)].key for r in allocation.rep} == {"S03"}


# --- routing rules --------------------------------------------------------------------------

KA = RoutingRule(
    name="大客户归大客户部",
    when=RuleCondition(min_value=5_000_000.0),
    teams=frozenset({"大客户部"}),
    ignore_territory=True,
)
KA_STRICT = replace(KA, name="大客户部（不跨区）", ignore_territory=False)
FINANCE_TO_LI = RoutingRule(
    name="金融给李娜",
    when=RuleCondition(industries=frozenset({"金融"})),
    reps=frozenset({"Li Na"}),  # by name
    ignore_territory=True,
)
HIGH_INTENT_TO_ZHANG = RoutingRule(
    name="高意向 A 类给张伟",
    when=RuleCondition(tiers=frozenset({"A"}), intents=frozenset({"high"})),
    reps=frozenset({"S01"}),  # by key
    ignore_territory=True,
)
SMALL_TO_HQ = RoutingRule(
    name="小客户总部跟进",
    when=RuleCondition(max_value=10_000.0, regions=frozenset({"广东"})),
    teams=frozenset({"总部"}),
)
NOBODY = RoutingRule(
    name="没人", when=RuleCondition(regions=frozenset({"西藏"})), teams=frozenset({"X"})
)

BIG = 6_000_000.0

RULE_CASES = [
    pytest.param(
        (KA,),
        customer("上海", potential_value=BIG),
        {"S04"},
        0,
        id="KA rule: 600万 in 上海 goes to 大客户部 across territory",
    ),
    pytest.param(
        (KA,),
        customer("上海", potential_value=5_000_000.0),
        {"S04"},
        0,
        id="KA rule: min_value is inclusive",
    ),
    pytest.param(
        (KA,),
        customer("上海", potential_value=4_999_999.0),
        {"S01", "S03"},
        -1,
        id="KA rule: below min_value, territory applies",
    ),
    pytest.param(
        (KA_STRICT,),
        customer("北京", potential_value=BIG),
        {"S04"},
        0,
        id="KA rule without ignore_territory: 北京 is Zhao's",
    ),
    pytest.param(
        (KA_STRICT,),
        customer("上海", potential_value=BIG),
        set(),
        0,
        id="KA rule without ignore_territory: nobody in 大客户部 covers 上海",
    ),
    pytest.param(
        (FINANCE_TO_LI, KA),
        customer("上海", industry="金融", potential_value=BIG),
        {"S02"},
        0,
        id="ordered: finance rule first wins over KA",
    ),
    pytest.param(
        (KA, FINANCE_TO_LI),
        customer("上海", industry="金融", potential_value=BIG),
        {"S04"},
        0,
        id="ordered: KA first wins over finance",
    ),
    pytest.param(
        (KA, FINANCE_TO_LI),
        customer("上海", industry="金融"),
        {"S02"},
        1,
        id="ordered: small finance customer falls through to the second rule",
    ),
    pytest.param(
        (HIGH_INTENT_TO_ZHANG,),
        customer("广东", intent=Intent.HIGH, potential_value=BIG),
        {"S01"},
        0,
        id="tier A + high intent rule by rep key",
    ),
    pytest.param(
        (HIGH_INTENT_TO_ZHANG,),
        customer("广东", intent=Intent.MEDIUM, potential_value=BIG),
        {"S02", "S03"},
        -1,
        id="intent condition not met",
    ),
    pytest.param(
        (HIGH_INTENT_TO_ZHANG,),
        customer("广东", intent=Intent.HIGH),
        {"S02", "S03"},
        -1,
        id="tier condition not met (tier C)",
    ),
    pytest.param(
        (SMALL_TO_HQ,),
        customer("广东", potential_value=10_000.0),
        {"S03"},
        0,
        id="max_value is inclusive, region condition met",
    ),
    pytest.param(
        (SMALL_TO_HQ,),
        customer("上海", potential_value=10_000.0),
        {"S01", "S03"},
        -1,
        id="region condition not met",
    ),
    pytest.param((NOBODY,), customer("西藏"), set(), 0, id="rule naming an unknown team: nobody"),
]


@pytest.mark.parametrize(("rules", "cust", "expected", "rule_index"), RULE_CASES)
def test_routing_rules(
    rules: tuple[RoutingRule, ...], cust: Customer, expected: set[str], rule_index: int
) -> None:
    problem = problem_of([cust], policy=Policy(rules=rules))
    assert int(problem.rule[0]) == rule_index
    assert eligible(problem) == expected


def test_rule_gives_region_bonus_when_ignoring_territory() -> None:
    # ignore_territory makes territory a bonus for the customers of that rule
    rule = replace(KA, teams=frozenset({"大客户部", "华东"}))
    policy = Policy(rules=(rule,), fit=REGION_ONLY)
    got = fits(problem_of([customer("上海", potential_value=BIG)], policy=policy))
    assert got == {"S01": 1.3, "S04": 1.0}


def test_rule_no_rep_is_the_unassigned_reason() -> None:
    problem = problem_of([customer("上海", potential_value=BIG)], policy=Policy(rules=(KA_STRICT,)))
    reason = explain_unassigned(problem, solve(problem), 0)
    assert reason["code"] == "rule_no_rep"
    assert reason["rule"] == "大客户部（不跨区）"


# --- locked customers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cust", "reps", "expected"),
    [
        pytest.param(
            customer("广东", owner="S01", locked=True),
            CAST,
            {"S01"},
            id="locked to Zhang, even outside his territory",
        ),
        pytest.param(
            customer("上海", owner="S03", locked=True),
            CAST,
            {"S03"},
            id="locked to Wang, Zhang covers but may not take it",
        ),
        pytest.param(
            customer("上海", owner="S01", locked=True),
            with_rep(ZHANG, active=False),
            set(),
            id="locked, owner inactive: nobody",
        ),
        pytest.param(
            customer("上海", owner="S01", locked=True),
            with_rep(ZHANG, capacity=2, existing_load=2),
            set(),
            id="locked, owner full: nobody",
        ),
        pytest.param(
            customer("上海", owner="S99", locked=True),
            CAST,
            set(),
            id="locked to an unknown rep key: nobody",
        ),
        pytest.param(
            customer("上海", owner="", locked=True), CAST, set(), id="locked without owner: nobody"
        ),
        pytest.param(
            customer("上海", owner="S01", locked=False),
            with_rep(ZHANG, active=False),
            {"S03"},
            id="not locked, owner inactive: others may take it",
        ),
    ],
)
def test_locked_customers(cust: Customer, reps: tuple[Rep, ...], expected: set[str]) -> None:
    problem = problem_of([cust], reps=reps)
    assert eligible(problem) == expected
    allocation = solve(problem)
    if expected:
        assert problem.reps[int(allocation.rep[0])].key in expected
    else:
        assert int(allocation.rep[0]) == -1
        assert explain_unassigned(problem, allocation, 0)["code"] in {
            "locked_owner_unavailable",
            "all_unavailable",
        }


@pytest.mark.parametrize(
    "reps",
    [
        pytest.param(with_rep(ZHANG, active=False), id="owner inactive"),
        pytest.param(with_rep(ZHANG, capacity=1, existing_load=1), id="owner full"),
    ],
)
def test_locked_customer_unassigned_when_owner_unavailable(reps: tuple[Rep, ...]) -> None:
    problem = problem_of([customer("上海", owner="S01", locked=True)], reps=reps)
    allocation = solve(problem)
    assert int(allocation.rep[0]) == -1
    reason = explain_unassigned(problem, allocation, 0)
    assert reason["code"] == "locked_owner_unavailable"


def test_locked_customer_keeps_owner_despite_better_fit_elsewhere() -> None:
    # 制造 in 上海 is Zhang's speciality, but the customer is locked to Wang
    cust = customer("上海", industry="制造", owner="S03", locked=True, potential_value=BIG)
    problem = problem_of([cust])
    allocation = solve(problem)
    assert problem.reps[int(allocation.rep[0])].key == "S03"


# --- fit ------------------------------------------------------------------------------------


def test_incumbent_gets_stickiness_bonus() -> None:
    plain = fits(problem_of([customer("上海")]))
    owned = fits(problem_of([customer("上海", owner="S03")]))
    assert owned["S03"] == pytest.approx(plain["S03"] + 0.5)
    assert owned["S01"] == plain["S01"]


def test_incumbent_keeps_customer_against_a_better_stranger() -> None:
    # Zhang: industry +0.3; Wang (owner): +0.5 stickiness. Wang keeps the customer.
    cust = customer("上海", industry="制造", owner="S03")
    problem = problem_of([cust], policy=Policy(fit=replace(FitBonuses(), level=0.0)))
    allocation = solve(problem)
    assert fits(problem) == {"S01": 1.3, "S03": 1.5}
    assert problem.reps[int(allocation.rep[0])].key == "S03"
    # without stickiness Zhang would win
    no_stick = problem_of([cust], policy=Policy(fit=FitBonuses(level=0.0, incumbent=0.0)))
    assert problem.reps[int(solve(no_stick).rep[0])].key == "S01"


def test_incumbent_outside_territory_is_not_kept() -> None:
    # owner Li does not cover 上海 and the customer is not locked: no owner arc
    problem = problem_of([customer("上海", owner="S02")])
    assert eligible(problem) == {"S01", "S03"}


# Tier from intent alone: HIGH → 100 (A), UNKNOWN → 35 (B), LOW → 20 (C).
TIER_BY_INTENT = PriorityWeights(value=0, intent=1, newness=0, history=0)
TIER_A, TIER_B, TIER_C = Intent.HIGH, Intent.UNKNOWN, Intent.LOW

FIT_CASES = [
    # (customer fields, rep, expected parts) — hard territory in 上海 so Zhang/Wang qualify
    pytest.param(dict(intent=TIER_A), ZHANG, {"level": 0.2}, id="A tier, senior rep: level"),
    pytest.param(dict(intent=TIER_A), WANG, {}, id="A tier, junior rep: nothing"),
    pytest.param(dict(intent=TIER_B), ZHANG, {}, id="B tier, senior rep: nothing"),
    pytest.param(
        dict(intent=TIER_B),
        replace(WANG, level=Level.MID),
        {"level": 0.2},
        id="B tier, mid rep: level",
    ),
    pytest.param(dict(intent=TIER_C), WANG, {"level": 0.2}, id="C tier, junior rep: level"),
    pytest.param(
        dict(intent=TIER_C, industry="制造"), ZHANG, {"industry": 0.3}, id="industry expertise"
    ),
    pytest.param(dict(intent=TIER_C, industry="零售"), ZHANG, {}, id="other industry"),
    pytest.param(
        dict(intent=TIER_C, products=frozenset({"CRM", "ERP"})),
        ZHANG,
        {"product": 0.2},
        id="sells every product needed",
    ),
    pytest.param(
        dict(intent=TIER_C, products=frozenset({"CRM", "BI"})),
        ZHANG,
        {"product": 0.1},
        id="sells half the products",
    ),
    pytest.param(
        dict(intent=TIER_C, products=frozenset({"CRM", "BI", "OA"})),
        ZHANG,
        {"product": 0.2 / 3},
        id="sells a third of the products",
    ),
    pytest.param(dict(intent=TIER_C, products=frozenset({"BI"})), ZHANG, {}, id="sells none"),
    pytest.param(dict(intent=TIER_C), ZHANG, {}, id="customer needs no products"),
    pytest.param(dict(intent=TIER_C, owner="S01"), ZHANG, {"incumbent": 0.5}, id="incumbent"),
    pytest.param(
        dict(intent=TIER_A, industry="制造", products=frozenset({"ERP"}), owner="S01"),
        ZHANG,
        {"level": 0.2, "industry": 0.3, "product": 0.2, "incumbent": 0.5},
        id="everything at once",
    ),
]


@pytest.mark.parametrize(("fields", "rep", "expected"), FIT_CASES)
def test_fit_parts(fields: dict[str, Any], rep: Rep, expected: dict[str, float]) -> None:
    policy = Policy(priority_weights=TIER_BY_INTENT)
    problem = problem_of([customer("上海", **fields)], reps=(rep,), policy=policy)
    parts = fit_parts(problem, np.array([0], dtype=np.int64), np.array([0], dtype=np.int32))[0]
    got = {name: float(parts[k]) for k, name in enumerate(FIT_PARTS)}
    assert got == pytest.approx({name: expected.get(name, 0.0) for name in FIT_PARTS})
    # the candidate list carries fit = 1 + parts, rounded to two decimals
    assert fits(problem) == {rep.key: pytest.approx(round(1 + sum(expected.values()), 2))}


def test_candidates_sorted_best_fit_first_then_rep_order() -> None:
    reps = (
        replace(WANG, key="W2", name="W2"),
        replace(ZHANG, key="Z1", name="Z1"),
        replace(WANG, key="W1", name="W1"),
    )
    problem = problem_of(
        [customer("上海", industry="制造")], reps=reps, policy=Policy(fit=FitBonuses(level=0.0))
    )
    rep, fit = problem.candidates(0)
    assert [problem.reps[int(r)].key for r in rep] == ["Z1", "W2", "W1"]
    assert list(fit) == [1.3, 1.0, 1.0]
