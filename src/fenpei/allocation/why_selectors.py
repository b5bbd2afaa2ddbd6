"""Why me / why not me (为什么是我): who would get a customer now, and why each rep would
or would not.

The engine decides on a one-customer problem exactly as real-time routing does (see
routing.py `customer_best_rep`): the customer's team's reps with their loads now, the active policy,
today's leave. The current owner's load leaves this customer out, so the question is "if
it were allocated again now", and the owner keeps its stickiness bonus.

Privacy: a manager or admin sees every candidate by name with loads; a rep sees their own
line in full and the others as "another rep #n" with only their eligibility and score
(load, capacity, leave and balance would tell a rep about a colleague's book).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fenpei.allocation.inputs import engine_customers, engine_reps
from fenpei.allocation.selectors import policy_current, rep_loads
from fenpei.customers.models import Customer
from fenpei.customers.selectors import customer_get
from fenpei.engine import allocate
from fenpei.engine.eligibility import (
    FIT_PARTS,
    VIA_LOCKED,
    VIA_NATIONWIDE,
    VIA_OPEN,
    VIA_RULE,
)
from fenpei.engine.why import (
    NOT_FULL,
    NOT_INACTIVE,
    NOT_LOCKED,
    NOT_RULE,
    NOT_TERRITORY,
    Candidate,
    candidates_why,
)
from fenpei.teams.access import OUTSIDER, Viewer
from fenpei.teams.models import Rep, RepStatus


@dataclass(frozen=True, slots=True)
class WhyLine:
    label: str  # the rep's name, or "another rep #n"
    rep_id: int | None  # None when anonymised
    is_self: bool
    full: bool  # every number shown (own line, or a manager's view)
    eligible: bool
    rule: str  # the rule deciding eligibility, in words
    rank: int | None
    score: float
    fit: float | None
    fit_parts: dict[str, float] | None
    load: int | None
    capacity: int | None
    balance_cost: float | None
    value: float | None
    chosen: bool
    runner_up: bool


@dataclass(frozen=True, slots=True)
class WhyPage:
    customer: Customer
    priority: float
    priority_parts: dict[str, float]
    tier: str
    coverage_weight: float
    balance_weight: float
    lines: list[WhyLine]
    chosen: WhyLine | None
    runner_up: WhyLine | None
    #: part → gap in marginal value (chosen − runner-up); None when not shown to the viewer
    gap_parts: dict[str, float] | None
    gap_score: float | None
    gap_value: float | None
    names_shown: bool  # manager / admin view
    own: WhyLine | None  # the viewer's own line (a rep)


def _n(x: float) -> float:
    """2.0 → 2 and 130.6 stays: numbers read as a person writes them, here and in JSON."""
    return int(x) if float(x).is_integer() else x


def _parts(parts: dict[str, float]) -> dict[str, float]:
    return {k: _n(v) for k, v in parts.items()}


def _candidate_reps(viewer: Viewer, customer: Customer) -> list[Rep]:
    """The reps the engine would consider: the customer's team (the owner's, if the
    customer has no team; the viewer's team or teams for the unrouted pool), plus the
    current owner and the viewing rep so both always have a line."""
    if customer.team_id is not None:
        where = Q(team_id=customer.team_id)
    elif customer.owner_id is not None and customer.owner is not None and customer.owner.team_id:
        where = Q(team_id=customer.owner.team_id)
    elif viewer.is_admin:
        where = Q()
    else:
        where = Q(team_id__in=viewer.team_ids)
    extra = {customer.owner_id, viewer.rep_id} - {None}
    reps = Rep.objects.select_related("team").filter(where | Q(pk__in=extra))
    return list(reps.order_by("pk"))


def _rule_text(c: Candidate, rep: Rep, full: bool) -> str:
    via, detail = c.via, c.detail
    if c.eligible:
        if via == VIA_RULE:
            return _("allowed by routing rule “%(rule)s”") % {"rule": detail}
        if via == VIA_NATIONWIDE:
            return _("covers the whole country")
        if via == VIA_LOCKED:
            return _("the customer is locked to this rep")
        if via == VIA_OPEN:
            return _("territory is not a hard rule")
        return _("territory includes %(region)s") % {"region": detail or _("unknown region")}
    if via in (NOT_INACTIVE, NOT_FULL) and not full:
        return _("not available now")
    if via == NOT_INACTIVE:
        if rep.status == RepStatus.DEPARTED:
            return _("departed")
        return _("on leave")
    if via == NOT_LOCKED:
        return _("the customer is locked to its current owner")
    if via == NOT_RULE:
        return _("routing rule “%(rule)s” gives it to other teams or reps") % {"rule": detail}
    if via == NOT_TERRITORY:
        return _("territory does not include %(region)s") % {
            "region": detail or _("unknown region")
        }
    return _("full: at capacity")


def customer_why(viewer: Viewer, customer_id: int) -> WhyPage:
    """Customer.DoesNotExist (→ 404) for a customer the viewer may not see;
    PermissionDenied for a user with no role."""
    if viewer.role == OUTSIDER:
        raise PermissionDenied
    customer = customer_get(viewer, customer_id)
    reps = _candidate_reps(viewer, customer)
    policy = policy_current()
    today = timezone.localdate()
    loads = rep_loads([r.pk for r in reps])
    if customer.owner_id is not None and customer.owner_id in loads:
        loads[customer.owner_id] -= 1  # considered anew: its own customer is not counted
    table = engine_customers([customer], {r.pk: r.key for r in reps})
    problem, allocation = allocate(table, engine_reps(reps, loads, today), policy, as_of=today)
    why = candidates_why(problem, allocation, 0)
    names_shown = viewer.can_manage
    lines: list[WhyLine] = []
    others = 0
    for c in why.candidates:
        rep = reps[c.rep]
        is_self = viewer.rep_id == rep.pk
        full = names_shown or is_self
        if not full:
            others += 1
        lines.append(
            WhyLine(
                label=rep.name if full else _("Another rep #%(n)s") % {"n": others},
                rep_id=rep.pk if full else None,
                is_self=is_self,
                full=full,
                eligible=c.eligible,
                rule=_rule_text(c, rep, full),
                rank=c.rank,
                score=_n(c.score),
                fit=_n(c.fit) if full else None,
                fit_parts=_parts(c.fit_parts) if full else None,
                load=c.load if full else None,
                capacity=c.capacity if full else None,
                balance_cost=_n(c.balance_cost) if full else None,
                value=_n(c.value) if full and not math.isnan(c.value) else None,
                chosen=c.rep == why.chosen,
                runner_up=c.rep == why.runner_up,
            )
        )
    chosen = next((line for line in lines if line.chosen), None)
    runner = next((line for line in lines if line.runner_up), None)
    gap = why.comparison
    return WhyPage(
        customer=customer,
        priority=_n(why.priority),
        priority_parts=_parts(why.priority_parts),
        tier=why.tier,
        coverage_weight=_n(why.coverage_weight),
        balance_weight=_n(why.balance_weight),
        lines=lines,
        chosen=chosen,
        runner_up=runner,
        # the gap by part shows the other rep's fit and balance: managers only
        gap_parts=_parts(gap.parts) if gap is not None and names_shown else None,
        gap_score=_n(gap.score) if gap is not None else None,
        gap_value=_n(gap.value) if gap is not None and names_shown else None,
        names_shown=names_shown,
        own=next((line for line in lines if line.is_self), None),
    )


def why_parts_labelled(parts: dict[str, float]) -> list[tuple[str, float]]:
    """Fit and balance parts with their names, in a fixed order."""
    labels = {
        "industry": _("industry"),
        "product": _("products"),
        "level": _("level"),
        "incumbent": _("current owner"),
        "region": _("region"),
        "performance": _("track record"),
        "balance": _("balance"),
    }
    return [(labels[k], parts[k]) for k in (*FIT_PARTS, "balance") if k in parts]
