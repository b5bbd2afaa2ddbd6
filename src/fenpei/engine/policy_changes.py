"""What changed between two policies, value by value, for the published rules page.

A text diff of the TOML tells a manager which lines moved; a rep wants "覆盖权重 1000 →
1200". This compares the plain documents (`policy_to_dict`) key by key and routing rules
by name, and returns codes and numbers; the app words them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fenpei.engine.policy import Policy, policy_to_dict

# Change kinds
CHANGED = "changed"  # a value: before → after
RULE_ADDED = "rule_added"
RULE_REMOVED = "rule_removed"
RULE_CHANGED = "rule_changed"  # same name, other conditions or reps
RULES_REORDERED = "rules_reordered"  # same rules, another order (the first match decides)


@dataclass(frozen=True, slots=True)
class PolicyChange:
    kind: str
    key: str  # "section.key" for CHANGED (e.g. "allocation.coverage_weight"); rule name
    before: Any = None
    after: Any = None


def policy_changes(before: Policy, after: Policy) -> list[PolicyChange]:
    """Every difference, in the order of the policy document; rules last."""
    a, b = policy_to_dict(before), policy_to_dict(after)
    out: list[PolicyChange] = []
    for section, table in b.items():
        if section == "rules":
            continue
        old = a.get(section, {})
        for key, value in table.items():
            if old.get(key) != value:
                out.append(PolicyChange(CHANGED, f"{section}.{key}", old.get(key), value))
    out.extend(_rule_changes(a["rules"], b["rules"]))
    return out


def _rule_changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[PolicyChange]:
    old = {r["name"]: r for r in before}
    new = {r["name"]: r for r in after}
    out: list[PolicyChange] = []
    for name, rule in new.items():
        if name not in old:
            out.append(PolicyChange(RULE_ADDED, name, None, rule))
        elif old[name] != rule:
            out.append(PolicyChange(RULE_CHANGED, name, old[name], rule))
    out.extend(
        PolicyChange(RULE_REMOVED, name, rule, None)
        for name, rule in old.items()
        if name not in new
    )
    kept_old = [r["name"] for r in before if r["name"] in new]
    kept_new = [r["name"] for r in after if r["name"] in old]
    if kept_old != kept_new:
        out.append(PolicyChange(RULES_REORDERED, "", kept_old, kept_new))
    return out


__all__ = [
    "CHANGED",
    "RULES_REORDERED",
    "RULE_ADDED",
    "RULE_CHANGED",
    "RULE_REMOVED",
    "PolicyChange",
    "policy_changes",
]
