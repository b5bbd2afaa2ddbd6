"""Writing a policy back to TOML: the editor stores versions this way, so every policy
must come back equal, and the text must be the same for the same policy."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fenpei.engine import DEFAULT_POLICY_TOML, Policy, PolicyError, default_policy, policy_from_toml
from fenpei.engine.policy import (
    MAX_DAYS,
    MAX_FIT_BONUS,
    MAX_WEIGHT,
    FitBonuses,
    PoolRules,
    PriorityScales,
    PriorityWeights,
    RoutingRule,
    RuleCondition,
    Tiers,
    policy_from_dict,
    policy_to_dict,
    policy_to_toml,
)


def test_default_policy_round_trips() -> None:
    policy = default_policy()
    text = policy_to_toml(policy)
    assert policy_from_toml(text) == policy == policy_from_toml(DEFAULT_POLICY_TOML)
    assert policy_from_dict(policy_to_dict(policy)) == policy
    # whole numbers are written as a person would type them
    assert "coverage_weight = 1000\n" in text and "medium = 0.6\n" in text


def test_pool_section_defaults_and_round_trip() -> None:
    assert default_policy().pool == PoolRules(
        scope="team",
        claims_per_day=10,
        cooldown_days=30,
        reclaim_no_followup_days=30,
        reclaim_no_deal_days=180,
        warn_days=7,
    )
    # A policy file written before the pool existed takes the defaults.
    assert policy_from_toml("[allocation]\nterritory = 'soft'\n").pool == PoolRules()
    policy = Policy(pool=PoolRules(scope="company", claims_per_day=0, reclaim_no_deal_days=0))
    text = policy_to_toml(policy)
    assert '[pool]\nscope = "company"\nclaims_per_day = 0\n' in text
    assert policy_from_toml(text) == policy
    assert policy_from_dict(policy_to_dict(policy)).pool == policy.pool


def test_rebalance_move_cost_defaults_and_round_trips() -> None:
    assert default_policy().move_cost == 50.0
    # a policy file written before rebalancing existed takes the default
    assert policy_from_toml("[allocation]\nterritory = 'soft'\n").move_cost == 50.0
    policy = Policy(move_cost=12.5)
    text = policy_to_toml(policy)
    assert "[rebalance]\nmove_cost = 12.5\n" in text
    assert policy_from_toml(text) == policy
    with pytest.raises(PolicyError, match=r"rebalance: unknown key.*cost"):
        policy_from_toml("[rebalance]\ncost = 3\n")


def test_unknown_pool_key_is_named() -> None:
    with pytest.raises(PolicyError, match=r"pool: unknown key.*claim_limit"):
        policy_from_toml("[pool]\nclaim_limit = 3\n")
    with pytest.raises(PolicyError, match=r"\[pool\] must be a table"):
        policy_from_dict({"pool": 3})


def test_output_is_deterministic_and_keeps_rule_order() -> None:
    rules = tuple(
        RoutingRule(
            name=name,
            when=RuleCondition(regions=frozenset({"江苏", "上海", "北京"})),
            teams=frozenset({"华东", "大客户部"}),
        )
        for name in ("第三 / third", "first", "二")
    )
    policy = Policy(rules=rules)
    text = policy_to_toml(policy)
    assert text == policy_to_toml(Policy(rules=rules))
    names = [r["name"] for r in tomllib.loads(text)["rules"]]
    assert names == ["第三 / third", "first", "二"]
    assert policy_from_toml(text).rules == rules
    assert 'regions = ["上海", "北京", "江苏"]' in text  # sets written sorted


def test_awkward_strings_are_escaped() -> None:
    rule = RoutingRule(
        name='quote " backslash \\ tab\tnewline\nbell\x07 del\x7f 中文',
        when=RuleCondition(industries=frozenset({'a"b', "c\\d"})),
        reps=frozenset({"S001"}),
    )
    policy = Policy(rules=(rule,))
    assert policy_from_toml(policy_to_toml(policy)) == policy


def test_huge_whole_numbers_stay_floats() -> None:
    # 1e20 written as an integer would overflow TOML's 64-bit integers
    rule = RoutingRule(
        name="big", when=RuleCondition(min_value=1e20, max_value=1e300), teams=frozenset({"t"})
    )
    policy = Policy(rules=(rule,))
    assert policy_from_toml(policy_to_toml(policy)) == policy


def test_empty_condition_round_trips() -> None:
    policy = Policy(rules=(RoutingRule(name="all", when=RuleCondition(), reps=frozenset({"r"})),))
    assert "[rules.when]" in policy_to_toml(policy)
    assert policy_from_toml(policy_to_toml(policy)) == policy


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("allocation", "balance_weight", -1.0),
        ("allocation", "coverage_weight", MAX_WEIGHT * 2),
        ("fit", "region", -0.1),
        ("intent", "low", 2.0),
        ("history", "half_life_days", 0.0),
        ("allocation", "territory", "strict"),
        ("allocation", "default_capacity", 1.5),
        ("pool", "scope", "region"),
        ("pool", "claims_per_day", -1),
        ("pool", "cooldown_days", 2.5),
        ("pool", "reclaim_no_followup_days", True),
        ("pool", "reclaim_no_deal_days", "180"),
        ("pool", "warn_days", MAX_DAYS + 1),
        ("rebalance", "move_cost", -5.0),
        ("rebalance", "move_cost", "50"),
        ("rebalance", "move_cost", MAX_WEIGHT * 2),
    ],
)
def test_bad_values_from_a_dict_name_the_key(section: str, key: str, value: object) -> None:
    doc = policy_to_dict(default_policy())
    doc[section][key] = value
    with pytest.raises(PolicyError, match=f"{section}.{key}"):
        policy_from_dict(doc)


def test_bad_rule_from_a_dict_names_the_rule() -> None:
    doc = policy_to_dict(default_policy())
    doc["rules"] = [{"name": "ok", "teams": ["t"]}, {"name": "no target", "when": {}}]
    with pytest.raises(PolicyError, match=r"rules\[1\]"):
        policy_from_dict(doc)


# ------------------------------------------------------------------ random policies

# Values the parser keeps as they are: trimmed, non-empty strings (it trims and drops the
# rest), finite numbers in each key's range.
names = st.text(min_size=1, max_size=12).filter(lambda s: s == s.strip() and s != "")
name_sets = st.frozensets(names, max_size=3)


def floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


@st.composite
def conditions(draw: st.DrawFn) -> RuleCondition:
    return RuleCondition(
        regions=draw(name_sets),
        industries=draw(name_sets),
        tiers=draw(st.frozensets(st.sampled_from("ABC"))),
        intents=draw(st.frozensets(st.sampled_from(["high", "medium", "low", "unknown"]))),
        min_value=draw(st.none() | floats(-1.0, 1e300)),
        max_value=draw(st.none() | floats(-1.0, 1e300)),
    )


@st.composite
def rules(draw: st.DrawFn) -> RoutingRule:
    teams = draw(name_sets)
    reps = draw(name_sets if teams else st.frozensets(names, min_size=1, max_size=3))
    return RoutingRule(
        name=draw(names),
        when=draw(conditions()),
        teams=teams,
        reps=reps,
        ignore_territory=draw(st.booleans()),
    )


@st.composite
def pools(draw: st.DrawFn) -> PoolRules:
    days = st.integers(0, MAX_DAYS)
    return PoolRules(
        scope=draw(st.sampled_from(["team", "company"])),
        claims_per_day=draw(days),
        cooldown_days=draw(days),
        reclaim_no_followup_days=draw(days),
        reclaim_no_deal_days=draw(days),
        warn_days=draw(days),
    )


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    weight = floats(0.0, 1e6)
    unit = draw(floats(1.0, 1e9))
    tier_a = draw(floats(0.0, 100.0))
    intent = floats(0.0, 1.0)
    weights = PriorityWeights(draw(weight), draw(weight), draw(weight), draw(floats(0.5, 1e6)))
    return Policy(
        priority_weights=weights,
        priority_scales=PriorityScales(
            value_unit=unit,
            value_full=draw(floats(unit * 2 + 1, 1e12)),
            intent_high=draw(intent),
            intent_medium=draw(intent),
            intent_low=draw(intent),
            intent_unknown=draw(intent),
            history_full=draw(floats(1.0, 1e12)),
            recency_half_life_days=draw(floats(1.0, 1e5)),
        ),
        tiers=Tiers(a=tier_a, b=draw(floats(0.0, tier_a))),
        fit=FitBonuses(*(draw(floats(0.0, MAX_FIT_BONUS)) for _ in range(5))),
        coverage_weight=draw(floats(0.0, MAX_WEIGHT)),
        balance_weight=draw(floats(0.0, MAX_WEIGHT)),
        default_capacity=draw(st.integers(0, 2**40)),
        territory=draw(st.sampled_from(["hard", "soft", "off"])),
        rules=tuple(draw(st.lists(rules(), max_size=4))),
        pool=draw(pools()),
        move_cost=draw(floats(0.0, MAX_WEIGHT)),
    )


@given(policies())
def test_random_policies_round_trip(policy: Policy) -> None:
    text = policy_to_toml(policy)
    assert policy_from_toml(text) == policy
    assert policy_from_dict(policy_to_dict(policy)) == policy
    assert policy_to_toml(policy_from_toml(text)) == text  # a fixed point
