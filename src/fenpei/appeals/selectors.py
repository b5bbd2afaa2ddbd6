"""Reads of appeals: who may see which, the manager's queue, a rep's own, and the
engine's suggested target.

Visibility: a rep sees their own appeals; a manager those of the teams they manage —
the deciding team's, and (read-only) those their own reps opened on another team's
customer; an admin all. Deciding is for the deciding team's manager (or an admin), never
for the appellant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from fenpei.allocation.reasons import reason_lines
from fenpei.allocation.routing import customer_best_rep
from fenpei.allocation.selectors import default_capacity, policy_current, rep_loads
from fenpei.appeals.models import Appeal, AppealKind, AppealStatus
from fenpei.customers.models import Customer
from fenpei.customers.selectors import RepLoad
from fenpei.customers.services import customer_derive
from fenpei.teams.access import Viewer, reps_visible_to
from fenpei.teams.models import Rep, RepStatus


def appeals_visible_to(viewer: Viewer) -> QuerySet[Appeal]:
    rows = Appeal.objects.select_related(
        "customer", "customer__owner", "rep", "team", "target", "decided_by", "owner_at_open"
    ).defer("attachment_data")
    if viewer.is_admin:
        return rows
    if viewer.is_manager:
        return rows.filter(Q(team_id__in=viewer.team_ids) | Q(rep__team_id__in=viewer.team_ids))
    if viewer.rep_id is not None:
        return rows.filter(rep_id=viewer.rep_id)
    return rows.none()


def appeal_get(viewer: Viewer, pk: int) -> Appeal:
    """The appeal, or Appeal.DoesNotExist (404) when the viewer may not see it."""
    return appeals_visible_to(viewer).get(pk=pk)


def appeal_decidable_by(viewer: Viewer, appeal: Appeal) -> bool:
    """A manager decides the appeals of the teams they manage, never their own."""
    if viewer.rep_id is not None and appeal.rep_id == viewer.rep_id:
        return False
    if viewer.is_admin:
        return True
    return viewer.is_manager and appeal.team_id in viewer.team_ids


def appeal_queue(viewer: Viewer) -> QuerySet[Appeal]:
    """Open appeals the manager decides, oldest first (the longest waiting on top)."""
    rows = appeals_visible_to(viewer).filter(status=AppealStatus.OPEN)
    if not viewer.is_admin:
        rows = rows.filter(team_id__in=viewer.team_ids)
    return rows.order_by("created_at", "id")


def appeals_decided_recently(viewer: Viewer, limit: int = 20) -> list[Appeal]:
    rows = appeals_visible_to(viewer).exclude(status=AppealStatus.OPEN)
    return list(rows.order_by("-decided_at", "-id")[:limit])


def appeals_of_rep(viewer: Viewer) -> QuerySet[Appeal]:
    """The viewer's own appeals, newest first."""
    if viewer.rep_id is None:
        return Appeal.objects.none()
    return appeals_visible_to(viewer).filter(rep_id=viewer.rep_id).order_by("-created_at", "-id")


def appeals_open_on_customer(viewer: Viewer, customer_id: int) -> list[Appeal]:
    return list(
        appeals_visible_to(viewer).filter(customer_id=customer_id, status=AppealStatus.OPEN)
    )


def appeal_age_days(appeal: Appeal, now: datetime | None = None) -> int:
    return ((now or timezone.now()) - appeal.created_at).days


def appeal_attachment(viewer: Viewer, pk: int) -> Appeal:
    """The appeal with its file, for those who may see the appeal (else DoesNotExist)."""
    visible = appeals_visible_to(viewer).filter(pk=pk).values("pk")
    return Appeal.objects.exclude(attachment_name="").get(pk__in=visible)


def customer_by_ref(ref: str) -> Customer | None:
    """The customer a rep names for a claim: by customer no., credit code, normalised
    name or phone, in the order the import and the duplicate check match. Company-wide:
    the rep may be claiming a colleague's customer they cannot open."""
    ref = ref.strip()[:200]
    if not ref:
        return None
    probe = Customer(name=ref, key=ref[:40], phone=ref[:50])
    customer_derive(probe)
    checks: list[Q] = [Q(key=ref), Q(credit_code=ref.upper())]
    if probe.name_key:
        checks.append(Q(name_key=probe.name_key))
    if len(probe.phone_key) >= 7:
        checks.append(Q(phone_key=probe.phone_key))
    for check in checks:
        found = Customer.objects.select_related("owner", "team").filter(check).order_by("pk")
        first = found.first()
        if first is not None:
            return first
    return None


# ------------------------------------------------------------------ engine suggestion


@dataclass(frozen=True, slots=True)
class Suggestion:
    rep: Rep | None  # None: the engine finds no one (a hand-back then goes to the pool)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    #: a claim: whether the rules would let the appellant hold the customer
    appellant_eligible: bool | None = None


def _engine_choice(customer: Customer, reps: list[Rep]) -> tuple[Rep | None, list[dict[str, Any]]]:
    """The routing engine's choice with every rep's current load: the same eligibility,
    fit and balance as a run or a routing of a new customer."""
    if not reps:
        return None, [{"code": "no_rep_in_region", "region": customer.region}]
    loads = rep_loads([r.pk for r in reps])
    return customer_best_rep(customer, reps, loads, policy_current())


def _team_reps(appeal: Appeal) -> list[Rep]:
    team_id = appeal.team_id if appeal.team_id is not None else appeal.rep.team_id
    reps = Rep.objects.select_related("team").exclude(status=RepStatus.DEPARTED)
    if team_id is not None:
        reps = reps.filter(team_id=team_id)
    return list(reps.order_by("pk"))


def appeal_targets(viewer: Viewer, appeal: Appeal) -> list[RepLoad]:
    """Who the manager may give the appeal's customer to, with load and capacity: the
    viewer's reps who have not left, without the appellant for a hand-back, with the
    appellant (first) for a claim."""
    reps = list(reps_visible_to(viewer).exclude(status=RepStatus.DEPARTED).order_by("key"))
    if appeal.kind == AppealKind.HAND_BACK:
        reps = [r for r in reps if r.pk != appeal.rep_id]
    elif all(r.pk != appeal.rep_id for r in reps):
        reps.insert(0, appeal.rep)
    loads = rep_loads([r.pk for r in reps])
    default = default_capacity()
    return [RepLoad(r, loads.get(r.pk, 0), r.capacity_or(default)) for r in reps]


def appeal_suggest(viewer: Viewer, appeal: Appeal) -> Suggestion:
    """The engine's best target: for a hand-back the best rep of the deciding team other
    than the appellant; for a claim the appellant, if the rules let them hold it, with the
    reasons why or why not."""
    customer = Customer.objects.get(pk=appeal.customer_id)
    if appeal.kind == AppealKind.CLAIM:
        appellant = Rep.objects.select_related("team").get(pk=appeal.rep_id)
        if appellant.status == RepStatus.DEPARTED:
            return Suggestion(None, [], [], appellant_eligible=False)
        rep, reasons = _engine_choice(customer, [appellant])
        return Suggestion(rep, reasons, reason_lines(reasons), appellant_eligible=rep is not None)
    candidates = [r for r in _team_reps(appeal) if r.pk != appeal.rep_id]
    rep, reasons = _engine_choice(customer, candidates)
    return Suggestion(rep, reasons, reason_lines(reasons))
