"""Reasons (分配理由): the structure other tools read, and the words managers read.

Scenarios use the same kind of cast as the eligibility tests: 张伟 Zhang (上海, knows 制造),
李娜 Li (广东), 王芳 Wang (全国) and 赵磊 Zhao (大客户部, 北京). Rep and rule names are
ASCII here on purpose, so that the English texts can be checked for stray Chinese.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
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
    explain_assignment,
    explain_unassigned,
    reason_text,
    solve,
)
from fenpei.engine.eligibility import FIT_PARTS, Problem
from fenpei.engine.model import Allocation
from fenpei.engine.policy import FitBonuses, RoutingRule, RuleCondition
from fenpei.engine.scoring import PARTS

AS_OF = date(2026, 6, 30)
KINDS = ["eligible", "priority", "fit", "balance", "runner_up"]
UNASSIGNED_CODES = {
    "locked_owner_unavailable",
    "capacity_used",
    "all_unavailable",
    "rule_no_rep",
    "no_rep_in_region",
}
# CJK ideographs and CJK / full-width punctuation (，。：（）「」 …)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")

ZHANG = Rep(
    key="S01",
    name="Zhang Wei",
    team="East",
    regions=frozenset({"上海"}),
    industries=frozenset({"制造"}),
    products=frozenset({"CRM"}),
    level=Level.SENIOR,
    capacity=10,
)
LI = Rep(key="S02", name="Li Na", team="South", regions=frozenset({"广东"}), capacity=10)
WANG = Rep(
    key="S03",
    name="Wang Fang",
    team="HQ",
    regions=frozenset({"全国"}),
    level=Level.JUNIOR,
    capacity=10,
)
ZHAO = Rep(key="S04", name="Zhao Lei", team="KA", regions=frozenset({"北京"}), capacity=10)
CAST = (ZHANG, LI, WANG, ZHAO)
KA_RULE = RoutingRule(
    name="key accounts",
    when=RuleCondition(min_value=5_000_000.0),
    teams=frozenset({"KA"}),
    ignore_territory=True,
)
KA_STRICT = replace(KA_RULE, name="key accounts, own region", ignore_territory=False)


def customer(key: str, region: str, **fields: Any) -> Customer:
    return Customer(key=key, name=f"客户{key}", region=region, **fields)


def run(
    customers: list[Customer], reps: tuple[Rep, ...] = CAST, policy: Policy | None = None
) -> tuple[Problem, Allocation]:
    table = CustomerTable.from_customers(customers)
    problem = build_problem(table, list(reps), policy or Policy(), as_of=AS_OF)
    return problem, solve(problem)


def rep_key(problem: Problem, allocation: Allocation, i: int) -> str | None:
    r = int(allocation.rep[i])
    return problem.reps[r].key if r >= 0 else None


def runner_up(problem: Problem, allocation: Allocation, i: int) -> dict[str, Any]:
    reasons = explain_assignment(problem, allocation, i, "en")
    assert reasons[-1]["kind"] == "runner_up"
    return reasons[-1]


# A book with every kind of reason in it.
BOOK = [
    customer(
        "1",
        "上海",
        industry="制造",
        potential_value=2_000_000.0,
        intent=Intent.HIGH,
        products=frozenset({"CRM", "ERP", "BI"}),
    ),
    customer(
        "2",
        "上海",
        potential_value=300_000.0,
        intent=Intent.MEDIUM,
        deal_count=2,
        deal_amount=150_000.0,
        last_deal=AS_OF - timedelta(days=40),
    ),
    customer("3", "广东", potential_value=80_000.0, intent=Intent.LOW, owner="S03"),
    customer("4", "新疆", potential_value=1_000_000.0, is_new=True),
    customer("5", "北京", potential_value=9_000_000.0, intent=Intent.HIGH),  # key account
    customer("6", "广东", owner="S01", locked=True),  # locked to Zhang outside his region
    customer("7", "西藏", owner="S09", locked=True),  # locked to nobody we know
    customer("8", "", potential_value=10_000.0),
]
BOOK_POLICY = Policy(rules=(KA_RULE,))


@pytest.fixture(scope="module")
def book() -> tuple[Problem, Allocation]:
    return run(BOOK, policy=BOOK_POLICY)


def test_book_has_assigned_and_unassigned(book: tuple[Problem, Allocation]) -> None:
    problem, allocation = book
    assert [rep_key(problem, allocation, i) for i in range(len(BOOK))] == [
        "S01",
        "S01",
        "S03",
        "S03",
        "S04",
        "S01",
        None,
        "S03",
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_assignment_has_five_reasons_in_order(
    book: tuple[Problem, Allocation], lang: str
) -> None:
    problem, allocation = book
    for i in np.flatnonzero(allocation.rep >= 0):
        reasons = explain_assignment(problem, allocation, int(i), lang)
        assert [r["kind"] for r in reasons] == KINDS
        for r in reasons:
            assert r["text"] == reason_text(r, lang)
            assert r["text"]


def test_priority_reason_matches_allocation(book: tuple[Problem, Allocation]) -> None:
    problem, allocation = book
    for i in np.flatnonzero(allocation.rep >= 0):
        priority = explain_assignment(problem, allocation, int(i))[1]
        assert priority["total"] == float(allocation.priority[i])
        assert priority["tier"] == "ABC"[int(allocation.tier[i])]
        parts = [priority[name] for name in PARTS]
        assert parts == [round(float(p), 2) for p in allocation.priority_parts[i]]
        assert sum(parts) == pytest.approx(priority["total"], abs=0.02 + 1e-9)


def test_fit_reason_adds_up(book: tuple[Problem, Allocation]) -> None:
    problem, allocation = book
    for i in np.flatnonzero(allocation.rep >= 0):
        fit = explain_assignment(problem, allocation, int(i))[2]
        assert set(FIT_PARTS) <= fit.keys()
        assert fit["total"] == pytest.approx(1 + sum(fit[name] for name in FIT_PARTS), abs=1e-9)
        assert fit["total"] == float(allocation.fit[i])
        assert fit["score"] == float(allocation.score[i])
        assert fit["score"] == round(float(allocation.priority[i]) * fit["total"], 4)


def test_fit_reason_of_a_rich_match(book: tuple[Problem, Allocation]) -> None:
    # customer 1: 制造 (+0.3), needs CRM/ERP/BI of which Zhang sells CRM (+0.2/3), tier A
    # with a senior rep (+0.2)
    problem, allocation = book
    fit = explain_assignment(problem, allocation, 0)[2]
    assert (fit["industry"], fit["product"], fit["level"], fit["incumbent"], fit["region"]) == (
        0.3,
        0.07,
        0.2,
        0.0,
        0.0,
    )
    assert fit["total"] == 1.57
    # customer 3 stays with its owner Wang: stickiness +0.5
    assert explain_assignment(problem, allocation, 2)[2]["incumbent"] == 0.5


def test_balance_reason(book: tuple[Problem, Allocation]) -> None:
    problem, allocation = book
    lam = BOOK_POLICY.balance_weight
    for i in np.flatnonzero(allocation.rep >= 0):
        r = int(allocation.rep[i])
        balance = explain_assignment(problem, allocation, int(i))[3]
        load = problem.reps[r].existing_load + allocation.loads[r].assigned
        assert balance["load"] == load
        assert balance["capacity"] == problem.reps[r].capacity
        assert balance["cost"] == round(lam * (load - 1) / balance["capacity"], 4)


@pytest.mark.parametrize(
    ("index", "via", "detail", "en"),
    [
        pytest.param(0, "territory", "上海", "territory includes 上海", id="own territory"),
        pytest.param(3, "nationwide", "全国", "covers the whole country", id="nationwide rep"),
        pytest.param(
            4, "rule", "key accounts", "allowed by routing rule “key accounts”", id="routing rule"
        ),
        pytest.param(5, "locked", "", "customer is locked to its current owner", id="locked"),
    ],
)
def test_eligible_reason(
    book: tuple[Problem, Allocation], index: int, via: str, detail: str, en: str
) -> None:
    problem, allocation = book
    eligible = explain_assignment(problem, allocation, index, "en")[0]
    assert (eligible["via"], eligible["detail"], eligible["text"]) == (via, detail, en)


def test_eligible_reason_when_territory_is_soft() -> None:
    problem, allocation = run([customer("1", "新疆")], policy=Policy(territory="soft"))
    eligible = explain_assignment(problem, allocation, 0, "en")[0]
    assert (eligible["via"], eligible["detail"]) == ("open", "soft")
    assert eligible["text"] == "territory is not a hard rule"


# --- runner-up ------------------------------------------------------------------------------


def test_runner_up_lower_score() -> None:
    # a tier-C customer: Zhang knows 制造 (+0.3), Wang is junior, which suits tier C (+0.2)
    problem, allocation = run([customer("1", "上海", industry="制造")])
    assert "ABC"[int(allocation.tier[0])] == "C"
    assert rep_key(problem, allocation, 0) == "S01"
    r = runner_up(problem, allocation, 0)
    assert (r["why"], r["rep_key"], r["rep"]) == ("lower_score", "S03", "Wang Fang")
    assert r["score"] < float(allocation.score[0])
    assert r["score"] == round(float(allocation.priority[0]) * 1.2, 4)
    assert r["text"].startswith("runner-up: Wang Fang (score")


def test_runner_up_at_capacity() -> None:
    # both customers prefer Zhang, who has room for one: the bigger one gets him
    reps = (replace(ZHANG, capacity=1), WANG)
    big = customer("1", "上海", industry="制造", potential_value=5_000_000.0)
    small = customer("2", "上海", industry="制造", potential_value=10_000.0)
    problem, allocation = run([big, small], reps=reps)
    assert [rep_key(problem, allocation, i) for i in range(2)] == ["S01", "S03"]
    r = runner_up(problem, allocation, 1)
    assert (r["why"], r["rep_key"], r["load"], r["capacity"]) == ("at_capacity", "S01", 1, 1)
    assert r["score"] > float(allocation.score[1])
    assert "full at 1/1" in r["text"]


def test_runner_up_balance() -> None:
    # Zhang fits better (+0.3 industry) but already owns 3 of 4: his next slot costs
    # λ·3/4 = 75 points, far more than the 0.3 × priority he would add
    reps = (replace(ZHANG, capacity=4, existing_load=3), replace(WANG, capacity=4))
    policy = Policy(balance_weight=100.0, fit=FitBonuses(level=0.0))
    problem, allocation = run([customer("1", "上海", industry="制造")], reps=reps, policy=policy)
    assert rep_key(problem, allocation, 0) == "S03"
    r = runner_up(problem, allocation, 0)
    assert (r["why"], r["rep_key"], r["load"], r["capacity"]) == ("balance", "S01", 3, 4)
    assert r["score"] > float(allocation.score[0])
    assert "costs more balance" in r["text"]
    # with λ = 0 the better fit wins instead
    problem, allocation = run(
        [customer("1", "上海", industry="制造")],
        reps=reps,
        policy=replace(policy, balance_weight=0.0),
    )
    assert rep_key(problem, allocation, 0) == "S01"


def test_runner_up_only_candidate() -> None:
    problem, allocation = run([customer("1", "新疆")])
    r = runner_up(problem, allocation, 0)
    assert r == {"kind": "runner_up", "why": "only_candidate", "text": "no other eligible rep"}
    assert reason_text(r, "zh") == "没有其他可分配的销售"


# --- unassigned -----------------------------------------------------------------------------


def unassigned(problem: Problem, allocation: Allocation, i: int, lang: str) -> dict[str, Any]:
    assert int(allocation.rep[i]) == -1
    return explain_unassigned(problem, allocation, i, lang)


def test_no_rep_in_region_names_the_region() -> None:
    problem, allocation = run([customer("1", "新疆")], reps=(ZHANG, LI))
    zh = unassigned(problem, allocation, 0, "zh")
    assert zh["code"] == "no_rep_in_region"
    assert "新疆" in zh["text"]
    assert zh["text"] == "没有销售负责新疆"
    assert unassigned(problem, allocation, 0, "en")["text"] == "no rep covers 新疆"


def test_no_rep_for_unknown_region() -> None:
    problem, allocation = run([customer("1", "")], reps=(ZHANG, LI))
    reason = unassigned(problem, allocation, 0, "en")
    assert reason["code"] == "no_rep_in_region"
    assert reason["text"] == "no rep covers an unknown region"


def test_capacity_used_when_higher_priority_customers_filled_the_reps() -> None:
    reps = (replace(ZHANG, capacity=1),)
    big = customer("1", "上海", potential_value=5_000_000.0)
    small = customer("2", "上海", potential_value=10_000.0)
    problem, allocation = run([small, big], reps=reps)
    assert [rep_key(problem, allocation, i) for i in range(2)] == [None, "S01"]
    reason = unassigned(problem, allocation, 0, "en")
    assert (reason["code"], reason["reps"]) == ("capacity_used", 1)
    assert "filled by higher-value customers" in reason["text"]


@pytest.mark.parametrize(
    ("reps", "count", "en"),
    [
        pytest.param(
            (replace(LI, active=False), ZHANG),
            1,
            "the only rep covering 广东 is inactive or already full",
            id="only rep inactive",
        ),
        pytest.param(
            (replace(LI, capacity=3, existing_load=3), ZHANG),
            1,
            "the only rep covering 广东 is inactive or already full",
            id="only rep full",
        ),
        pytest.param(
            (replace(LI, active=False), replace(LI, key="S05", name="Chen", capacity=0)),
            2,
            "all 2 reps covering 广东 are inactive or already full",
            id="two reps, one inactive, one with no capacity",
        ),
    ],
)
def test_all_unavailable(reps: tuple[Rep, ...], count: int, en: str) -> None:
    problem, allocation = run([customer("1", "广东")], reps=reps)
    reason = unassigned(problem, allocation, 0, "en")
    assert (reason["code"], reason["reps"], reason["text"]) == ("all_unavailable", count, en)
    assert "广东" in unassigned(problem, allocation, 0, "zh")["text"]


def test_rule_no_rep() -> None:
    # the KA team only covers 北京, and this rule keeps territory
    problem, allocation = run(
        [customer("1", "上海", potential_value=6_000_000.0)], policy=Policy(rules=(KA_STRICT,))
    )
    reason = unassigned(problem, allocation, 0, "en")
    assert reason["code"] == "rule_no_rep"
    assert reason["rule"] == "key accounts, own region"
    assert reason["text"] == "routing rule “key accounts, own region” allows no rep who covers 上海"


@pytest.mark.parametrize(
    "reps",
    [
        pytest.param((replace(ZHANG, active=False), WANG), id="owner inactive"),
        pytest.param((replace(ZHANG, capacity=2, existing_load=2), WANG), id="owner full"),
        pytest.param((WANG,), id="owner unknown"),
    ],
)
def test_locked_owner_unavailable(reps: tuple[Rep, ...]) -> None:
    problem, allocation = run([customer("1", "上海", owner="S01", locked=True)], reps=reps)
    reason = unassigned(problem, allocation, 0, "en")
    assert reason["code"] == "locked_owner_unavailable"
    assert reason["text"] == "locked, but its owner is inactive, unknown or full"


def test_book_unassigned_codes(book: tuple[Problem, Allocation]) -> None:
    problem, allocation = book
    codes = {
        int(i): explain_unassigned(problem, allocation, int(i))["code"]
        for i in np.flatnonzero(allocation.rep < 0)
    }
    assert codes == {6: "locked_owner_unavailable"}


# --- language -------------------------------------------------------------------------------

DATA_WORDS = ("上海", "广东", "北京", "新疆", "西藏")


def strip_data(text: str) -> str:
    for word in DATA_WORDS:
        text = text.replace(word, "")
    return text


def every_reason(problem: Problem, allocation: Allocation, lang: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(problem.n_customers):
        if allocation.rep[i] >= 0:
            out += explain_assignment(problem, allocation, i, lang)
        else:
            out.append(explain_unassigned(problem, allocation, i, lang))
    return out


SCENES = {
    "book": (BOOK, CAST, BOOK_POLICY),
    "balance": (
        [customer("1", "上海", industry="制造")],
        (replace(ZHANG, capacity=4, existing_load=3), replace(WANG, capacity=4)),
        Policy(balance_weight=100.0),
    ),
    "full": (
        [
            customer("1", "上海", industry="制造", potential_value=5e6),
            customer("2", "上海", industry="制造"),
            customer("3", "上海"),
        ],
        (replace(ZHANG, capacity=1), replace(WANG, capacity=1)),
        Policy(fit=FitBonuses(level=0.0)),
    ),
    "no one": (
        [customer("1", "新疆"), customer("2", "广东"), customer("3", "上海", potential_value=6e6)],
        (replace(LI, active=False), ZHANG),
        Policy(rules=(KA_STRICT,)),
    ),
    "soft": ([customer("1", "新疆"), customer("2", "上海")], CAST, Policy(territory="soft")),
}


@pytest.mark.parametrize("scene", list(SCENES))
def test_english_text_has_no_chinese_but_data(scene: str) -> None:
    customers, reps, policy = SCENES[scene]
    problem, allocation = run(customers, reps=reps, policy=policy)
    for reason in every_reason(problem, allocation, "en"):
        assert not CJK.search(strip_data(reason["text"])), reason["text"]
    for reason in every_reason(problem, allocation, "zh"):
        assert CJK.search(reason["text"]) or reason.get("kind") == "eligible", reason["text"]


def test_scenes_cover_every_reason_kind() -> None:
    whys, codes, vias = set(), set(), set()
    for customers, reps, policy in SCENES.values():
        problem, allocation = run(customers, reps=reps, policy=policy)
        for reason in every_reason(problem, allocation, "en"):
            whys.add(reason.get("why"))
            codes.add(reason.get("code"))
            vias.add(reason.get("via"))
    assert {"lower_score", "at_capacity", "balance", "only_candidate"} <= whys
    assert codes >= UNASSIGNED_CODES
    assert {"territory", "nationwide", "rule", "locked", "open"} <= vias


def test_chinese_rule_name_is_kept_verbatim_in_english() -> None:
    rule = replace(KA_STRICT, name="大客户部")
    problem, allocation = run(
        [customer("1", "上海", potential_value=6e6)], policy=Policy(rules=(rule,))
    )
    assert explain_unassigned(problem, allocation, 0, "en")["text"] == (
        "routing rule “大客户部” allows no rep who covers 上海"
    )


def test_bad_calls_raise() -> None:
    problem, allocation = run(
        [customer("1", "新疆"), customer("2", "新疆")], reps=(replace(WANG, capacity=1),)
    )
    assigned = int(np.flatnonzero(allocation.rep >= 0)[0])
    left = int(np.flatnonzero(allocation.rep < 0)[0])
    with pytest.raises(ValueError, match="not assigned"):
        explain_assignment(problem, allocation, left)
    with pytest.raises(ValueError, match="is assigned"):
        explain_unassigned(problem, allocation, assigned)
    with pytest.raises(ValueError, match="unknown language"):
        reason_text({"kind": "eligible", "via": "open", "detail": "soft"}, "fr")
