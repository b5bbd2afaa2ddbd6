"""Learning from results: win rates shrunk towards the team's, the fit bonus they give,
the reason that says so, and nothing at all when the term is off.

The track records below, used by several tests (k = 10, min_deals = 10 unless said):

    rep 0: 金融 上海 A 12 deals 8 won;  金融 江苏 B  8 deals 4 won   (20 deals, 12 won)
    rep 1: 金融 上海 A 10 deals 2 won;  制造业 上海 C 20 deals 6 won  (30 deals,  8 won)
    team:  50 deals, 20 won → p = 0.4
"""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np
import pytest

from fenpei.engine import (
    Customer,
    CustomerTable,
    Intent,
    Level,
    Policy,
    PolicyError,
    Rep,
    allocate,
    build_problem,
    explain_assignments,
    explain_unassigned,
    policy_from_toml,
    reason_text,
    solve,
)
from fenpei.engine.model import DealTally
from fenpei.engine.performance import (
    pair_rates,
    performance_bonus,
    prior_deals_estimate,
    segment_names,
    shrunk_rate,
    tallies_of,
    tallies_of_records,
    win_rates,
)
from fenpei.engine.policy import PerformanceTerm, policy_from_dict, policy_to_dict, policy_to_toml
from fenpei.engine.solve import METHODS
from fenpei.engine.why import candidates_why

AS_OF = date(2026, 6, 30)
ROWS = [
    (0, "金融", "上海", "A", 12, 8),
    (0, "金融", "江苏", "B", 8, 4),
    (1, "金融", "上海", "A", 10, 2),
    (1, "制造业", "上海", "C", 20, 6),
]
RECORDS = (
    (DealTally("金融", "上海", "A", 12, 8), DealTally("金融", "江苏", "B", 8, 4)),
    (DealTally("金融", "上海", "A", 10, 2), DealTally("制造业", "上海", "C", 20, 6)),
)


def test_shrinkage_arithmetic() -> None:
    # 12 of 20 with the team at 35 % and k = 10: (12 + 3.5) / 30, not 60 %
    assert float(shrunk_rate(12, 20, 0.35, 10)) == pytest.approx(15.5 / 30)
    # no deals: the team's rate; many deals: close to the rep's own
    assert float(shrunk_rate(0, 0, 0.35, 10)) == pytest.approx(0.35)
    assert float(shrunk_rate(600, 1000, 0.35, 10)) == pytest.approx(603.5 / 1010)


def _rates(segments: tuple[str, ...] = ("industry", "region", "tier"), min_deals: int = 10):
    return win_rates(tallies_of(ROWS), segments, prior_deals=10, min_deals=min_deals)


def _codes(rates, industry: str, region: str, tier: int) -> np.ndarray:
    ind = rates.codes_of(0, [industry])[0]
    reg = rates.codes_of(1, [region])[0]
    return np.array([[ind, reg, tier]], dtype=np.int64)


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        # (rep, industry, province, tier) → (level, n, w, team p_s, rep q)
        # enough deals in the full segment: team (金融, 上海, A) 22 deals 10 won
        ((0, "金融", "上海", 0), (0, 12, 8, (10 + 4) / 32, (8 + 10 * 14 / 32) / 22)),
        # 8 deals in (金融, 江苏, B) and in (金融, 江苏): back off to 金融 (team 30, 14 won)
        ((0, "金融", "江苏", 1), (2, 20, 12, 18 / 40, (12 + 4.5) / 30)),
        # an industry nobody has deals in: all the rep's deals (team p_s = p = 0.4)
        ((0, "医疗", "上海", 0), (3, 20, 12, 0.4, (12 + 4) / 30)),
        # unknown tier: (金融, 上海) is the most specific segment that can be asked
        ((0, "金融", "上海", -1), (1, 12, 8, 14 / 32, (8 + 10 * 14 / 32) / 22)),
        ((1, "金融", "上海", 0), (0, 10, 2, 14 / 32, (2 + 10 * 14 / 32) / 20)),
        ((1, "零售", "北京", 2), (3, 30, 8, 0.4, (8 + 4) / 40)),
    ],
)
def test_rates_back_off_to_the_most_specific_segment_with_enough_deals(
    pair: tuple[int, str, str, int], expected: tuple[int, int, int, float, float]
) -> None:
    rep, industry, region, tier = pair
    level, n, w, team, rate = expected
    rates = _rates()
    assert rates.team_rate == pytest.approx(0.4) and rates.deals == 50
    got = pair_rates(rates, [rep], _codes(rates, industry, region, tier))
    assert (int(got.level[0]), int(got.deals[0]), int(got.wins[0])) == (level, n, w)
    assert float(got.team_rate[0]) == pytest.approx(team)
    assert float(got.rate[0]) == pytest.approx(rate)


def test_a_rep_without_enough_deals_gets_no_estimate() -> None:
    rates = _rates(min_deals=21)  # rep 0 has 20 deals in all
    got = pair_rates(rates, [0, 2], np.vstack([_codes(rates, "金融", "上海", 0)] * 2))
    assert got.level.tolist() == [-1, -1] and got.deals.tolist() == [0, 0]
    assert got.rate == pytest.approx([0.4, 0.4])  # the team's, and no bonus from it
    assert performance_bonus(got, 0.3).tolist() == [0.0, 0.0]


def test_bonus_is_the_lift_clipped_to_zero_and_one() -> None:
    rates = _rates()
    codes = np.vstack([_codes(rates, "金融", "江苏", 1), _codes(rates, "金融", "上海", 0)])
    got = pair_rates(rates, [0, 1], codes)
    # rep 0: 0.55 / 0.45 − 1 = 2/9; rep 1 is below the team: nothing, not a penalty
    assert performance_bonus(got, 0.3) == pytest.approx([0.3 * 2 / 9, 0.0])
    # a rep winning everything: capped at twice the team's rate
    big = pair_rates(
        win_rates(
            tallies_of([(0, "金融", "", "", 100, 100), (1, "金融", "", "", 300, 0)]),
            ("industry",),
            10,
            10,
        ),
        [0],
        np.array([[0, -1, -1]], dtype=np.int64),
    )
    assert float(big.lift[0]) > 3 and performance_bonus(big, 0.3).tolist() == [0.3]


def test_segment_names_follow_the_level_used() -> None:
    rates = _rates()
    codes = np.vstack([_codes(rates, "金融", "上海", 0), _codes(rates, "金融", "江苏", 1)])
    got = pair_rates(rates, [0, 0], codes)
    assert segment_names(rates, got, 0) == {"industry": "金融", "region": "上海", "tier": "A"}
    assert segment_names(rates, got, 1) == {"industry": "金融", "region": "", "tier": ""}


def test_tallies_refuse_more_wins_than_deals_and_drop_empty_rows() -> None:
    with pytest.raises(ValueError, match="wins"):
        tallies_of([(0, "金融", "", "", 2, 3)])
    assert len(tallies_of([(0, "金融", "", "", 0, 0)])) == 0
    assert len(tallies_of_records(RECORDS)) == 4


def test_prior_deals_estimate_by_hand() -> None:
    # two groups of 10 deals expected to win half: 8 and 2 won. Squared residuals over
    # p(1−p): 9/0.25 twice = 72; Σn = 20; Σn(n−1) = 180 → ρ = 52/180, k = 180/52 − 1
    assert prior_deals_estimate([10, 10], [8, 2], [0.5, 0.5]) == pytest.approx(180 / 52 - 1)
    # groups no further apart than chance: no spread to learn from
    assert prior_deals_estimate([10, 10], [5, 5], [0.5, 0.5]) == float("inf")


# ------------------------------------------------------------------ in the allocation


def _rep(key: str, record: tuple[DealTally, ...] = ()) -> Rep:
    return Rep(
        key=key,
        name=key,
        regions=frozenset({"上海"}),
        level=Level.MID,
        capacity=10,
        track_record=record,
    )


TERM = PerformanceTerm(weight=0.3, prior_deals=10, min_deals=10, segments=("industry",))


def _one(industry: str, term: PerformanceTerm = TERM, lang: str = "zh"):
    customers = CustomerTable.from_customers(
        [Customer(key="C1", name="C1", region="上海", industry=industry, potential_value=1e5)]
    )
    reps = [_rep("R0", RECORDS[0]), _rep("R1", RECORDS[1])]
    problem, allocation = allocate(customers, reps, Policy(performance=term), as_of=AS_OF)
    return problem, allocation, explain_assignments(problem, allocation, [0], lang)[0]


def test_bonus_enters_the_fit_and_the_reasons_say_why() -> None:
    problem, allocation, reasons = _one("金融")
    # R0 in 金融: 12 of 20, team 金融 (14 + 4)/40 = 0.45, rate (12 + 4.5)/30 = 0.55:
    # bonus 0.3 × (0.55/0.45 − 1) = 0.0667 → 0.07; R1 is below the team (no bonus)
    assert int(allocation.rep[0]) == 0
    assert [r["kind"] for r in reasons] == [
        "eligible",
        "priority",
        "fit",
        "performance",
        "balance",
        "runner_up",
    ]
    fit, perf = reasons[2], reasons[3]
    assert fit["performance"] == 0.07 and fit["level"] == 0.2  # a tier B customer, mid rep
    assert fit["total"] == pytest.approx(1.27)
    assert "业绩 +0.07" in fit["text"]
    assert perf == {
        "kind": "performance",
        "industry": "金融",
        "region": "",
        "tier": "",
        "wins": 12,
        "deals": 20,
        "rate": 0.55,
        "team_rate": 0.45,
        "bonus": 0.07,
        "text": "金融行业成交 12/20（估计胜率 55%），团队 45%",
    }
    assert reason_text(perf, "en") == (
        "won 12 of 20 deals in 金融 industry (estimated win rate 55%), team 45%"
    )
    why = candidates_why(problem, allocation)
    by_rep = {c.rep: c for c in why.candidates}
    assert by_rep[0].fit_parts["performance"] == 0.07 and by_rep[1].fit_parts["performance"] == 0


def test_overall_record_when_the_industry_has_too_few_deals() -> None:
    _, allocation, reasons = _one("制造业", lang="en")
    # R0 has no 制造业 deals: all 20 deals, team p = 0.4, rate (12 + 4)/30 = 0.5333:
    # bonus 0.3 × (0.5333/0.4 − 1) = 0.1. R1's 制造业: (6 + 10·(10/30))/30 < 1/3, none.
    assert int(allocation.rep[0]) == 0
    perf = reasons[3]
    assert (perf["wins"], perf["deals"], perf["bonus"], perf["industry"]) == (12, 20, 0.1, "")
    assert perf["text"] == "won 12 of 20 deals (estimated win rate 53%), team 40%"
    assert reason_text(perf, "zh") == "全部客户成交 12/20（估计胜率 53%），团队 40%"


def test_term_off_or_without_deals_changes_nothing() -> None:
    for term in (PerformanceTerm(), PerformanceTerm(weight=0.0, min_deals=1)):
        _, _, reasons = _one("金融", term)
        assert [r["kind"] for r in reasons] == [
            "eligible",
            "priority",
            "fit",
            "balance",
            "runner_up",
        ]
        assert reasons[2]["performance"] == 0.0 and reasons[2]["total"] == pytest.approx(1.2)
    # on, but nobody has a record: no data, no bonus, no reason
    customers = CustomerTable.from_customers([Customer(key="C1", name="C1", region="上海")])
    problem = build_problem(
        customers, [_rep("R0"), _rep("R1")], Policy(performance=TERM), as_of=AS_OF
    )
    assert problem.performance is None


@pytest.mark.parametrize("method", sorted(METHODS))
def test_classes_are_kept_and_every_solver_agrees(method: str) -> None:
    customers = CustomerTable.from_customers(
        [
            Customer(key=f"C{i}", name="c", region="上海", industry=ind, potential_value=1e5)
            for i, ind in enumerate(["金融", "金融", "制造业", "金融", "零售", "制造业"])
        ]
    )
    reps = [_rep("R0", RECORDS[0]), _rep("R1", RECORDS[1])]
    off = build_problem(customers, reps, Policy(), as_of=AS_OF)
    on = build_problem(customers, reps, Policy(performance=TERM, balance_weight=0), as_of=AS_OF)
    # the bonus depends on (rep, industry, province, tier): the classes stay the same
    assert np.array_equal(off.klass, on.klass) and np.array_equal(off.class_ptr, on.class_ptr)
    allocation = solve(on, method=method)
    assert sorted(int(r) for r in allocation.rep[[0, 1, 3]]) == [0, 0, 0]  # 金融 to R0
    for i in np.flatnonzero(allocation.rep < 0).tolist():
        assert explain_unassigned(on, allocation, i)["code"]


# ------------------------------------------------------------------ policy


def test_policy_section_round_trips_and_defaults_off() -> None:
    assert Policy().performance == PerformanceTerm(
        weight=0.0,
        prior_deals=10.0,
        min_deals=5,
        months=12,
        segments=("industry", "region", "tier"),
    )
    assert not Policy().performance.on
    # a policy file written before the term existed: off
    assert policy_from_toml("[allocation]\nterritory = 'soft'\n").performance == PerformanceTerm()
    policy = Policy(
        performance=PerformanceTerm(
            weight=0.25, prior_deals=7.5, min_deals=3, months=6, segments=("tier", "industry")
        )
    )
    text = policy_to_toml(policy)
    assert (
        "[performance]\nweight = 0.25\nprior_deals = 7.5\nmin_deals = 3\nmonths = 6\n"
        'segments = ["tier", "industry"]\n'
    ) in text
    assert policy_from_toml(text) == policy
    assert policy_from_dict(policy_to_dict(policy)) == policy
    empty = Policy(performance=PerformanceTerm(weight=1, segments=()))
    assert policy_from_toml(policy_to_toml(empty)) == empty


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("weight = -1", r"performance\.weight must be ≥ 0"),
        ("prior_deals = 0", r"performance\.prior_deals must be > 0"),
        ("min_deals = 0", r"performance\.min_deals must be at least 1"),
        ("months = 0", r"performance\.months must be between 1 and 120"),
        ("months = 1.5", r"performance\.months must be a whole number"),
        ('segments = ["industry", "city"]', r"performance\.segments"),
        ('segments = ["tier", "tier"]', r"performance\.segments"),
        ("learn = true", r"performance: unknown key.*learn"),
    ],
)
def test_bad_performance_values_name_the_key(text: str, match: str) -> None:
    with pytest.raises(PolicyError, match=match):
        policy_from_toml(f"[performance]\n{text}\n")


# ------------------------------------------------------------------ off = as before
#
# The instance and digest below are plain public-API code; the expected digest was
# computed with the engine as it was before the performance term existed (the commit
# the term was added on), so "off" is checked against the old engine's own output, not
# only against itself.


# --- begin digest instance
def digest_instance(seed: int = 11) -> tuple[CustomerTable, list[Rep]]:
    rng = np.random.default_rng(seed)
    provinces = ["上海", "江苏", "浙江", "广东", "北京"]
    industries = ["金融", "制造业", "零售", "医疗", ""]
    products = ["云服务", "安全", "数据分析", "运维"]
    reps = []
    for j in range(14):
        regions = set(rng.choice(provinces, size=int(rng.integers(1, 3)), replace=False).tolist())
        if j == 13:
            regions = {"全国"}
        reps.append(
            Rep(
                key=f"S{j:02d}",
                name=f"rep{j}",
                team="T" + str(j % 3),
                regions=frozenset(regions),
                industries=frozenset(rng.choice(industries[:4], size=2, replace=False).tolist()),
                products=frozenset(rng.choice(products, size=2, replace=False).tolist()),
                level=Level(int(rng.integers(1, 4))),
                capacity=int(rng.integers(15, 40)),
                existing_load=int(rng.integers(0, 10)),
                active=j != 5,
            )
        )
    customers = []
    for i in range(400):
        owner = f"S{int(rng.integers(0, 14)):02d}" if rng.random() < 0.2 else ""
        customers.append(
            Customer(
                key=f"C{i:04d}",
                name=f"customer{i}",
                region=str(rng.choice(provinces)),
                industry=str(rng.choice(industries)),
                potential_value=float(np.round(rng.lognormal(12, 1.2), -2)),
                intent=Intent(int(rng.integers(0, 4))),
                products=frozenset(
                    rng.choice(products, size=int(rng.integers(0, 3)), replace=False).tolist()
                ),
                deal_count=int(rng.integers(0, 4)),
                deal_amount=float(rng.integers(0, 5) * 50_000),
                last_deal=date(2026, 1, 1) if rng.random() < 0.3 else None,
                owner=owner,
                locked=bool(owner) and rng.random() < 0.1,
            )
        )
    return CustomerTable.from_customers(customers), reps


def digest_of(customers: CustomerTable, reps: list[Rep], policy: Policy) -> str:
    problem, allocation = allocate(customers, reps, policy, as_of=date(2026, 6, 30))
    h = hashlib.sha256()
    for array in (allocation.rep, allocation.fit, allocation.score, allocation.priority):
        h.update(np.ascontiguousarray(array).tobytes())
    h.update(repr(allocation.objective).encode())
    assigned = np.flatnonzero(allocation.rep >= 0)
    for reasons in explain_assignments(problem, allocation, assigned):
        h.update("|".join(r["text"] for r in reasons).encode())
    for i in np.flatnonzero(allocation.rep < 0).tolist():
        h.update(explain_unassigned(problem, allocation, i)["text"].encode())
    return h.hexdigest()


# --- end digest instance


BEFORE_TERM = {  # the old engine's digests (commit 68a9bac)
    "hard": "d30ff7d58e55fde2e5810b7acea9dc87639a9e4b1e4f74360ca04005e058afd4",
    "soft": "5ccedcc4367e420822fe45b10e5bbc067a154448795fc8d294b6a11105c8c6ca",
}


@pytest.mark.parametrize("territory", ["hard", "soft"])
def test_term_off_is_byte_identical_to_the_engine_before_it(territory: str) -> None:
    customers, reps = digest_instance()
    policy = policy_from_toml(f"[allocation]\nterritory = '{territory}'\n")
    expected = BEFORE_TERM[territory]
    assert digest_of(customers, reps, policy) == expected
    # records present but the term off: still the same
    with_records = [
        Rep(**{**{f: getattr(r, f) for f in Rep.__slots__}, "track_record": RECORDS[j % 2]})
        for j, r in enumerate(reps)
    ]
    assert digest_of(customers, with_records, policy) == expected
