"""The policy file: defaults, round trips and one clear error per bad value."""

from __future__ import annotations

import re

import pytest

from fenpei.engine import DEFAULT_POLICY_TOML, Policy, PolicyError, default_policy, policy_from_toml
from fenpei.engine.policy import (
    FitBonuses,
    PriorityScales,
    PriorityWeights,
    RoutingRule,
    RuleCondition,
    Tiers,
)


def test_default_file_equals_code_defaults() -> None:
    assert policy_from_toml(DEFAULT_POLICY_TOML) == Policy()
    assert default_policy() == Policy()


def test_empty_file_is_the_default_policy() -> None:
    assert policy_from_toml("") == Policy()


def test_default_file_is_commented_in_both_languages() -> None:
    comments = [line for line in DEFAULT_POLICY_TOML.splitlines() if line.lstrip().startswith("#")]
    assert any(re.search(r"[\u4e00-\u9fff]", c) for c in comments)
    assert any("objective" in c for c in comments)


def test_every_value_is_read() -> None:
    text = """
[priority]
value = 1
intent = 2
newness = 3
history = 4

[value]
unit = 1000
full = 2000000

[intent]
high = 0.9
medium = 0.5
low = 0.1
unknown = 0.3

[history]
full = 500000
half_life_days = 90

[tiers]
a = 70
b = 40

[fit]
industry = 0.1
product = 0.2
level = 0.3
incumbent = 0.4
region = 0.5

[allocation]
coverage_weight = 500
balance_weight = 0
default_capacity = 80
territory = "soft"

[[rules]]
name = "大客户 / key accounts"
when = { min_value = 5000000, regions = ["上海", "北京"], tiers = ["A"], intents = ["high"] }
teams = ["大客户部"]
ignore_territory = true

[[rules]]
when = { industries = "金融", max_value = 100000 }
reps = ["S001", " S007 "]
"""
    assert policy_from_toml(text) == Policy(
        priority_weights=PriorityWeights(value=1, intent=2, newness=3, history=4),
        priority_scales=PriorityScales(
            value_unit=1000,
            value_full=2_000_000,
            intent_high=0.9,
            intent_medium=0.5,
            intent_low=0.1,
            intent_unknown=0.3,
            history_full=500_000,
            recency_half_life_days=90,
        ),
        tiers=Tiers(a=70, b=40),
        fit=FitBonuses(industry=0.1, product=0.2, level=0.3, incumbent=0.4, region=0.5),
        coverage_weight=500,
        balance_weight=0,
        default_capacity=80,
        territory="soft",
        rules=(
            RoutingRule(
                name="大客户 / key accounts",
                when=RuleCondition(
                    regions=frozenset({"上海", "北京"}),
                    tiers=frozenset({"A"}),
                    intents=frozenset({"high"}),
                    min_value=5_000_000,
                ),
                teams=frozenset({"大客户部"}),
                ignore_territory=True,
            ),
            RoutingRule(
                name="rule 2",  # unnamed rules are numbered from 1
                when=RuleCondition(industries=frozenset({"金融"}), max_value=100_000),
                reps=frozenset({"S001", "S007"}),  # trimmed
            ),
        ),
    )


def test_partial_file_keeps_other_defaults() -> None:
    policy = policy_from_toml("[allocation]\nbalance_weight = 5\n[fit]\nregion = 0\n")
    assert policy.balance_weight == 5.0
    assert policy.fit == FitBonuses(region=0.0)
    assert policy.coverage_weight == Policy().coverage_weight
    assert policy.priority_weights == PriorityWeights()


BAD = [
    pytest.param("[priority]\nvalue = -1", "priority.value", id="negative weight"),
    pytest.param(
        "[allocation]\ncoverage_weight = 1e9",
        "allocation.coverage_weight",
        id="coverage weight beyond the solver's integer range",
    ),
    pytest.param("[fit]\nindustry = 1000", "fit.industry", id="fit bonus too large"),
    pytest.param("[fit]\nincumbent = -0.5", "fit.incumbent", id="negative fit bonus"),
    pytest.param(
        "[allocation]\nbalance_weight = -3",
        "allocation.balance_weight",
        id="negative balance weight",
    ),
    pytest.param(
        '[allocation]\ncoverage_weight = "lots"',
        "allocation.coverage_weight",
        id="weight not a number",
    ),
    pytest.param(
        "[allocation]\ncoverage_weight = true",
        "allocation.coverage_weight",
        id="weight is a boolean",
    ),
    pytest.param("[allocation]\nbalance_weight = nan", "allocation.balance_weight", id="nan"),
    pytest.param(
        "[priority]\nvalue = 0\nintent = 0\nnewness = 0\nhistory = 0",
        "priority",
        id="all priority weights zero",
    ),
    pytest.param('colour = "red"', "colour", id="unknown top-level key"),
    pytest.param("[fit]\nindusty = 0.3", "industy", id="misspelt key in a section"),
    pytest.param('[allocation]\nterritory = "strict"', "allocation.territory", id="bad territory"),
    pytest.param(
        "[allocation]\ndefault_capacity = 2.5",
        "allocation.default_capacity",
        id="fractional capacity",
    ),
    pytest.param(
        "[allocation]\ndefault_capacity = -1", "allocation.default_capacity", id="negative capacity"
    ),
    pytest.param("[tiers]\na = 30\nb = 50", "tiers", id="tiers b > a"),
    pytest.param("[tiers]\na = 120", "tiers", id="tier above 100"),
    pytest.param("[intent]\nhigh = 1.5", "intent.high", id="intent points above 1"),
    pytest.param("[value]\nfull = 5000", "value.full", id="value full below unit"),
    pytest.param("[history]\nhalf_life_days = 0", "history.half_life_days", id="zero half-life"),
    pytest.param(
        '[[rules]]\nname = "x"\nwhen = { min_value = 1 }',
        "rules[0]",
        id="rule with no teams or reps",
    ),
    pytest.param(
        '[[rules]]\nwhen = { tiers = ["D"] }\nteams = ["t"]',
        "rules[0].when.tiers",
        id="bad tier letter",
    ),
    pytest.param(
        '[[rules]]\nwhen = { intents = ["hot"] }\nteams = ["t"]',
        "rules[0].when.intents",
        id="bad intent",
    ),
    pytest.param(
        '[[rules]]\nteams = ["t"]\n[[rules]]\nwhen = { colour = 1 }\nteams = ["t"]',
        "rules[1].when",
        id="unknown condition in the second rule",
    ),
    pytest.param(
        '[[rules]]\nteams = ["t"]\nignore_territory = "yes"',
        "rules[0].ignore_territory",
        id="ignore_territory not a boolean",
    ),
    pytest.param("[[rules]]\nteams = [1, 2]", "rules[0].teams", id="teams not strings"),
    pytest.param("rules = 3", "rules", id="rules not an array"),
    pytest.param("priority = 3", "[priority]", id="section not a table"),
    pytest.param("[allocation\n", "TOML", id="not TOML at all"),
]


@pytest.mark.parametrize(("text", "names"), BAD)
def test_bad_values_name_the_key(text: str, names: str) -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from_toml(text)
    assert names in str(caught.value)


def test_policy_error_is_a_value_error() -> None:
    # callers (CLI, web forms) may catch ValueError for every bad-input case
    assert issubclass(PolicyError, ValueError)
