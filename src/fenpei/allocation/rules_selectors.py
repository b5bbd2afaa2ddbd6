"""The published rules (分配规则公示): the active policy in sentences, and its history in
words ("Coverage weight M: 1000 → 1200").

Every sentence is built from the policy's values, so the page can never drift from what
a run does; the wording is gettext's, so it reads in the viewer's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fenpei.allocation.models import PolicyVersion
from fenpei.allocation.policy_selectors import policy_versions
from fenpei.allocation.selectors import policy_active, policy_engine
from fenpei.engine import Policy, PolicyError
from fenpei.engine.policy import RoutingRule
from fenpei.engine.policy_changes import (
    CHANGED,
    RULE_ADDED,
    RULE_CHANGED,
    RULE_REMOVED,
    PolicyChange,
    policy_changes,
)

#: how many versions the rules page lists (the policy history page has them all)
HISTORY_SHOWN = 30


def num(x: float) -> str:
    """30.0 → "30", 12.5 → "12.5", 5000000 → "5,000,000": as a person reads numbers."""
    value = int(x) if float(x).is_integer() else round(float(x), 4)
    return f"{value:,}" if abs(value) >= 10_000 else f"{value:g}"


@dataclass(frozen=True, slots=True)
class Example:
    """Balance in numbers: two reps, one empty, one half full, the same customer."""

    capacity: int
    half: int
    cost_half: float
    priority: float
    fit_a: float
    fit_b: float
    score_a: float  # the half-full rep, better fit
    score_b: float  # the empty rep
    value_a: float
    value_b: float
    winner: str  # "a" or "b"


@dataclass(frozen=True, slots=True)
class VersionChanges:
    version: PolicyVersion
    changes: list[str]  # in words; empty for the first version or an identical one
    first: bool


@dataclass(frozen=True, slots=True)
class RulesPage:
    version: PolicyVersion
    policy: Policy
    priority: list[str]
    tiers: list[str]
    eligibility: list[str]
    routing: list[str]
    fit: list[str]
    example: Example
    example_text: list[str]
    objective: list[str]
    pool: list[str]
    history: list[VersionChanges]


def _share(weight: float, total: float) -> str:
    return num(round(weight * 100.0 / total, 2)) if total else "0"


def _priority(p: Policy) -> list[str]:
    w, s = p.priority_weights, p.priority_scales
    t = w.total
    value = _share(w.value, t)
    intent = w.intent * 100.0 / t if t else 0.0
    return [
        _(
            "Priority is a score from 0 to 100 made of four parts: potential value up to "
            "%(value)s points, intent up to %(intent)s, being a new customer up to "
            "%(newness)s and past deals up to %(history)s."
        )
        % {
            "value": value,
            "intent": num(round(intent, 2)),
            "newness": _share(w.newness, t),
            "history": _share(w.history, t),
        },
        _(
            "Potential value: 0 yuan gives 0 points and %(full)s yuan or more gives all "
            "%(points)s, on a logarithmic scale counted in steps of %(unit)s yuan (so the "
            "first hundred thousand counts more than the next)."
        )
        % {"full": num(s.value_full), "points": value, "unit": num(s.value_unit)},
        _(
            "Intent: high gives %(high)s points, medium %(medium)s, low %(low)s and "
            "unknown %(unknown)s."
        )
        % {
            "high": num(round(s.intent_high * intent, 2)),
            "medium": num(round(s.intent_medium * intent, 2)),
            "low": num(round(s.intent_low * intent, 2)),
            "unknown": num(round(s.intent_unknown * intent, 2)),
        },
        _(
            "New customer: a customer marked new, or with no past deal, gets all "
            "%(points)s points; an existing customer gets none."
        )
        % {"points": _share(w.newness, t)},
        _(
            "Past deals: half of the %(points)s points from the amount won (full at "
            "%(full)s yuan), half from how recent the last deal is (a deal %(days)s days "
            "ago counts half)."
        )
        % {
            "points": _share(w.history, t),
            "full": num(s.history_full),
            "days": num(s.recency_half_life_days),
        },
    ]


def _tiers(p: Policy) -> list[str]:
    return [
        _(
            "Tier A: priority %(a)s or more. Tier B: %(b)s or more. Tier C: the rest. "
            "Tier A customers suit senior reps, B mid-level and C junior reps."
        )
        % {"a": num(p.tiers.a), "b": num(p.tiers.b)}
    ]


def _territory(p: Policy) -> str:
    if p.territory == "hard":
        return _(
            "Territory is a hard rule: only a rep whose regions include the customer's "
            "province or city (or who covers 全国) may get it."
        )
    if p.territory == "soft":
        return _(
            "Territory is soft: any rep may get any customer; covering its region adds "
            "%(bonus)s to fit."
        ) % {"bonus": num(p.fit.region)}
    return _("Territory is off: regions play no part.")


def _eligibility(p: Policy) -> list[str]:
    return [
        _territory(p),
        _(
            "A rep on leave gets no new customers between the leave dates; a departed rep "
            "gets none. A locked customer stays with its owner."
        ),
        _(
            "Each rep holds at most their own capacity, or %(capacity)s customers when "
            "none is set; a full rep gets no new customer."
        )
        % {"capacity": p.default_capacity},
    ]


def _condition(rule: RoutingRule) -> str:
    w = rule.when
    parts = []
    if w.regions:
        parts.append(_("region %(list)s") % {"list": "、".join(sorted(w.regions))})
    if w.industries:
        parts.append(_("industry %(list)s") % {"list": "、".join(sorted(w.industries))})
    if w.tiers:
        parts.append(_("tier %(list)s") % {"list": "/".join(sorted(w.tiers))})
    if w.intents:
        parts.append(_("intent %(list)s") % {"list": "/".join(_(x) for x in sorted(w.intents))})
    if w.min_value is not None:
        parts.append(_("value at least %(v)s yuan") % {"v": num(w.min_value)})
    if w.max_value is not None:
        parts.append(_("value at most %(v)s yuan") % {"v": num(w.max_value)})
    return "; ".join(parts) if parts else _("every customer")


def rule_sentence(position: int, rule: RoutingRule) -> str:
    who = "、".join(sorted(rule.teams | rule.reps)) or _("nobody")
    text = _("%(n)s. “%(name)s”: customers with %(when)s go only to %(who)s.") % {
        "n": position,
        "name": rule.name,
        "when": _condition(rule),
        "who": who,
    }
    if rule.ignore_territory:
        text += " " + _("Territory does not apply to them.")
    return text


def _routing(p: Policy) -> list[str]:
    if not p.rules:
        return [_("There are no routing rules: every customer may go to any eligible rep.")]
    return [
        _(
            "Routing rules are tried in this order; the first one a customer matches decides "
            "who may take it. A customer matching none may go to any eligible rep."
        ),
        *(rule_sentence(k, rule) for k, rule in enumerate(p.rules, start=1)),
    ]


def _fit(p: Policy) -> list[str]:
    f = p.fit
    lines = [
        _(
            "Fit says how well a rep suits the customer: 1, plus %(industry)s when the rep "
            "knows the customer's industry, plus up to %(product)s for the share of its "
            "product needs the rep sells, plus %(level)s when the rep's level suits the "
            "tier, plus %(incumbent)s for the current owner (so customers do not move "
            "without reason)."
        )
        % {
            "industry": num(f.industry),
            "product": num(f.product),
            "level": num(f.level),
            "incumbent": num(f.incumbent),
        },
        _("Score = priority × fit: the better the customer and the better the match, the higher."),
    ]
    term = p.performance
    if term.on:
        lines.insert(
            1,
            _(
                "Learning from results is on: a rep who has won more often than the team with "
                "customers like this one (same industry, region and tier, or broader when the "
                "rep has fewer than %(min)s deals there; deals of the last %(months)s months) "
                "gets up to %(weight)s more fit. The rep's rate is pulled towards the team's "
                "as if the team's record were %(k)s more deals, so a lucky streak of two or "
                "three wins counts for little. Below the team's rate gives no bonus, never a "
                "penalty."
            )
            % {
                "min": term.min_deals,
                "months": term.months,
                "weight": num(term.weight),
                "k": num(term.prior_deals),
            },
        )
    return lines


def example_of(p: Policy) -> Example:
    cap = p.default_capacity
    half = cap // 2
    cost_half = round(p.balance_weight * half / max(cap, 1), 2)
    priority = 60.0
    fit_a = round(1.0 + p.fit.industry, 2)
    fit_b = 1.0
    score_a, score_b = round(priority * fit_a, 2), round(priority * fit_b, 2)
    value_a = round(p.coverage_weight + score_a - cost_half, 2)
    value_b = round(p.coverage_weight + score_b, 2)
    return Example(
        cap,
        half,
        cost_half,
        priority,
        fit_a,
        fit_b,
        score_a,
        score_b,
        value_a,
        value_b,
        "a" if value_a > value_b else "b",
    )


def _example_text(p: Policy, e: Example) -> list[str]:
    values = {
        "cap": e.capacity,
        "half": e.half,
        "lam": num(p.balance_weight),
        "m": num(p.coverage_weight),
        "cost": num(e.cost_half),
        "priority": num(e.priority),
        "fit_a": num(e.fit_a),
        "score_a": num(e.score_a),
        "score_b": num(e.score_b),
        "value_a": num(e.value_a),
        "value_b": num(e.value_b),
    }
    lines = [
        _(
            "Balance: giving a rep one more customer costs λ × their load ÷ their capacity, "
            "with λ = %(lam)s. A rep with %(half)s of %(cap)s customers pays "
            "%(lam)s × %(half)s ÷ %(cap)s = %(cost)s; an empty rep pays 0."
        )
        % values,
        _(
            "Example: a customer with priority %(priority)s. Rep A knows its industry (fit "
            "%(fit_a)s, score %(score_a)s) and holds %(half)s customers; rep B does not "
            "(fit 1, score %(score_b)s) and holds none. A is worth %(m)s + %(score_a)s − "
            "%(cost)s = %(value_a)s, B is worth %(m)s + %(score_b)s − 0 = %(value_b)s."
        )
        % values,
    ]
    if e.winner == "a":
        lines.append(_("So rep A gets it: the better match outweighs the fuller book."))
    else:
        lines.append(_("So rep B gets it: the even workload outweighs the better match."))
    return lines


def _objective(p: Policy) -> list[str]:
    return [
        _(
            "Each customer counts M = %(m)s plus its score when it is given to someone, so "
            "nobody is left out while any eligible rep has room."
        )
        % {"m": num(p.coverage_weight)},
        _(
            "An allocation gives each customer to at most one eligible rep, never beyond "
            "capacity, and makes the total of all these values minus all balance costs as "
            "large as possible. It is the true best, not a first-come order; ties are "
            "settled by a fixed order."
        ),
        _(
            "λ = %(lam)s sets how much an even workload counts against the best match: 0 "
            "means best match only, larger means more even."
        )
        % {"lam": num(p.balance_weight)},
    ]


def _days(days: int, text_on: str, text_off: str) -> str:
    return text_on % {"days": days} if days else text_off


def _pool(p: Policy) -> list[str]:
    pool = p.pool
    scope = (
        _("Each team has its own pool, plus the customers not yet given to a team.")
        if pool.scope == "team"
        else _("There is one pool for the whole company: any rep may claim any customer in it.")
    )
    return [
        scope,
        _("A rep may claim at most %(n)s customers a day.") % {"n": pool.claims_per_day},
        _days(
            pool.cooldown_days,
            _("A rep who owned a customer waits %(days)s days before claiming it again."),
            _("A former owner may claim a customer again at once."),
        ),
        _days(
            pool.reclaim_no_followup_days,
            _("A customer with no follow-up for %(days)s days goes back to the pool."),
            _("Customers are not reclaimed for lack of follow-up."),
        ),
        _days(
            pool.reclaim_no_deal_days,
            _("A customer with no deal for %(days)s days goes back to the pool."),
            _("Customers are not reclaimed for lack of a deal."),
        ),
        _days(
            pool.warn_days,
            _("The owner is warned %(days)s days before."),
            _("The owner is not warned before."),
        ),
    ]


def _labels() -> dict[str, str]:
    """Names of the policy's keys: the editor's field labels (one wording everywhere)."""
    return {
        "priority.value": _("Weight of potential value"),
        "priority.intent": _("Weight of intent"),
        "priority.newness": _("Weight of newness"),
        "priority.history": _("Weight of history"),
        "value.unit": _("Value unit (yuan)"),
        "value.full": _("Full-score value (yuan)"),
        "intent.high": _("Points for high intent"),
        "intent.medium": _("Points for medium intent"),
        "intent.low": _("Points for low intent"),
        "intent.unknown": _("Points for unknown intent"),
        "history.full": _("Full-score deal amount (yuan)"),
        "history.half_life_days": _("Recency half-life (days)"),
        "tiers.a": _("Tier A from priority"),
        "tiers.b": _("Tier B from priority"),
        "fit.industry": _("Industry bonus"),
        "fit.product": _("Product bonus"),
        "fit.level": _("Level bonus"),
        "fit.incumbent": _("Current owner bonus"),
        "fit.region": _("Region bonus"),
        "allocation.coverage_weight": _("Coverage weight M"),
        "allocation.balance_weight": _("Balance weight λ"),
        "allocation.default_capacity": _("Default capacity"),
        "allocation.territory": _("Territory"),
        "allocation.route_new": _("Route new customers at once"),
        "allocation.route_imports": _("Route imported customers at once"),
        "pool.scope": _("Pool scope"),
        "pool.claims_per_day": _("Claims per day"),
        "pool.cooldown_days": _("Cooldown (days)"),
        "pool.reclaim_no_followup_days": _("Reclaim after days without follow-up"),
        "pool.reclaim_no_deal_days": _("Reclaim after days without a deal"),
        "pool.warn_days": _("Warn days before"),
        "performance.weight": _("Track record bonus"),
        "performance.prior_deals": _("Team rate counts as (deals)"),
        "performance.min_deals": _("Fewest deals for a segment"),
        "performance.months": _("Deals of the last (months)"),
        "performance.segments": _("Segments"),
    }


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return num(value)
    if isinstance(value, list | tuple):  # performance.segments
        names = {"industry": _("industry"), "region": _("region"), "tier": _("tier")}
        return " › ".join(names.get(str(v), str(v)) for v in value)
    words = {
        "hard": _("hard rule"),
        "soft": _("soft (bonus only)"),
        "off": _("off"),
        "team": _("team"),
        "company": _("company"),
    }
    return words.get(str(value), str(value))


def change_text(change: PolicyChange, labels: dict[str, str]) -> str:
    if change.kind == CHANGED:
        label = labels.get(change.key, change.key)
        return f"{label} {_value(change.before)} → {_value(change.after)}"
    if change.kind == RULE_ADDED:
        return _("Routing rule “%(name)s” added") % {"name": change.key}
    if change.kind == RULE_REMOVED:
        return _("Routing rule “%(name)s” removed") % {"name": change.key}
    if change.kind == RULE_CHANGED:
        return _("Routing rule “%(name)s” changed") % {"name": change.key}
    return _("Routing rules reordered: %(before)s → %(after)s") % {
        "before": "、".join(change.before),
        "after": "、".join(change.after),
    }


def _parsed(version: PolicyVersion) -> Policy | None:
    try:
        return policy_engine(version)
    except PolicyError:  # a version this engine cannot read: listed without changes
        return None


def policy_history_words(limit: int = HISTORY_SHOWN) -> list[VersionChanges]:
    """The newest versions, each with what changed against the one before, in words."""
    versions = list(policy_versions()[: limit + 1])  # one more: the last row's predecessor
    labels = _labels()
    out = []
    for k, version in enumerate(versions[:limit]):
        before = versions[k + 1] if k + 1 < len(versions) else None
        after_policy = _parsed(version)
        before_policy = _parsed(before) if before is not None else None
        changes: list[str] = []
        if before_policy is not None and after_policy is not None:
            changes = [change_text(c, labels) for c in policy_changes(before_policy, after_policy)]
        out.append(VersionChanges(version, changes, first=before is None))
    return out


def rules_published() -> RulesPage:
    version = policy_active()
    p = policy_engine(version)
    example = example_of(p)
    return RulesPage(
        version=version,
        policy=p,
        priority=_priority(p),
        tiers=_tiers(p),
        eligibility=_eligibility(p),
        routing=_routing(p),
        fit=_fit(p),
        example=example,
        example_text=_example_text(p, example),
        objective=_objective(p),
        pool=_pool(p),
        history=policy_history_words(),
    )
