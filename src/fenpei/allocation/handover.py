"""Handover (交接): a departing rep's customers go to the reps who stay.

A handover is an allocation run (scope "handover") over the customers the leaver owns when
it is previewed, so it has the run's preview page (who goes where and why, every rep's
load before → after) and its all-or-nothing apply (`run_apply`):

- With no successor named, the engine finds the optimum of the published objective over
  the leaver's team without the leaver: capacities, territory and routing rules, balance.
  The leaver's customers carry no stickiness (their owner is not in the run), and locked
  customers move too: a lock binds a customer to its owner, and that owner is leaving
  (the flag itself stays, so the customer is then locked to its new owner). A customer no
  remaining rep may take returns to the team's pool on apply, never stays with the leaver.
- With a successor named, every customer goes to that one rep (the manager's decision, as
  with assigning by hand: territory is not applied), refused up front if the successor
  lacks the room or is on leave that day.

Nothing of the leaver's history is lost: their assignments end with "handover: departure"
and stay in every customer's history; follow-ups and deals belong to the customer and stay
with it. Marking the rep departed is a separate edit of the rep (a sheet import may also
mark someone departed who still owns customers; this is how they are then handed over).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fenpei.allocation.models import Run, RunItem, RunScope, RunStatus
from fenpei.allocation.selectors import default_capacity, policy_active, rep_loads
from fenpei.allocation.services import run_compute
from fenpei.customers.models import Customer, Tier
from fenpei.customers.selectors import customers_visible_to
from fenpei.engine.fairness import utilisation_spread
from fenpei.teams.access import Viewer, reps_visible_to
from fenpei.teams.models import Level, Rep, RepStatus

# ------------------------------------------------------------------------ selectors


def handover_customers(viewer: Viewer, rep: Rep) -> QuerySet[Customer]:
    """The customers of `rep` that a handover by `viewer` would move."""
    return customers_visible_to(viewer).filter(owner_id=rep.pk)


def handover_successors(viewer: Viewer, rep: Rep) -> QuerySet[Rep]:
    """Reps the viewer may name as successor: their own reps who have not left, but not
    the leaver; the leaver's team first."""
    reps = reps_visible_to(viewer).exclude(status=RepStatus.DEPARTED).exclude(pk=rep.pk)
    return reps.order_by("team__name", "key")


# ------------------------------------------------------------------------- services


def _capacity(rep: Rep) -> int:
    return rep.capacity_or(default_capacity())


@transaction.atomic
def handover_preview(
    viewer: Viewer, rep_id: int, successor_id: int | None = None, *, as_of: date | None = None
) -> Run:
    """A run in preview that hands every customer `rep_id` owns to the remaining reps
    (the engine's optimum) or to the successor named. Apply it with `run_apply`.

    PermissionDenied for reps and outsiders; Rep.DoesNotExist when the leaver is not one of
    the viewer's reps; ValidationError when there is nothing to hand over or the successor
    cannot take them all."""
    if not viewer.can_manage:
        raise PermissionDenied
    leaver = reps_visible_to(viewer).filter(pk=rep_id).first()
    if leaver is None:
        raise Rep.DoesNotExist
    day = as_of or timezone.localdate()
    successor = None
    if successor_id is not None:
        successor = handover_successors(viewer, leaver).filter(pk=successor_id).first()
        if successor is None:
            raise ValidationError(
                {"successor": _("Choose one of your reps who stays, not the leaver.")}
            )
        if not successor.available_on(day):
            message = _("%(rep)s is on leave and cannot take customers now.")
            raise ValidationError({"successor": message % {"rep": successor.name}})
    ids = list(handover_customers(viewer, leaver).order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ValidationError(
            _("%(rep)s owns no customers: there is nothing to hand over.") % {"rep": leaver.name}
        )
    run = Run.objects.create(
        policy=policy_active(),
        scope=RunScope.HANDOVER,
        team_id=leaver.team_id,
        selection=ids,
        handover_from=leaver,
        handover_to=successor,
        as_of=day,
        created_by_id=viewer.user_id,
        status=RunStatus.QUEUED,
    )
    if successor is not None:
        _to_successor(run, leaver, successor)
    elif len(ids) > settings.FENPEI_BACKGROUND_RUN_SIZE:
        from fenpei.allocation.tasks import run_compute_task  # noqa: PLC0415

        run.summary = {"customers": len(ids)}
        run.save(update_fields=["summary"])
        transaction.on_commit(lambda: run_compute_task.enqueue(run.pk))
        return run
    else:
        run_compute(run.pk)
        _leaver_load_add(run, leaver)
    run.refresh_from_db()
    return run


def _load_row(rep: Rep, before: int, after: int, capacity: int, active: bool) -> dict[str, Any]:
    return {
        "rep": rep.pk,
        "key": rep.key,
        "name": rep.name,
        "level": int(rep.level),
        "team": rep.team.name if rep.team is not None else "",
        "capacity": capacity,
        "before": before,
        "after": after,
        "active": active,
    }


def _leaver_load_add(run: Run, leaver: Rep) -> None:
    """The preview's load chart shows the leaver going down as the others go up."""
    run.refresh_from_db(fields=["status", "loads"])
    if run.status != RunStatus.PREVIEW:
        return
    run.loads = [*run.loads, _leaver_row(run, leaver)]
    run.save(update_fields=["loads"])


def _leaver_row(run: Run, leaver: Rep) -> dict[str, Any]:
    before = rep_loads([leaver.pk]).get(leaver.pk, 0)
    moving = len(run.selection)
    return _load_row(leaver, before, before - moving, _capacity(leaver), active=False)


def _to_successor(run: Run, leaver: Rep, successor: Rep) -> None:
    """Every customer to the one successor: no engine, only the capacity check (and the
    same check again under row locks when the run is applied)."""
    customers = list(Customer.objects.filter(pk__in=run.selection).order_by("pk"))
    capacity = _capacity(successor)
    before = rep_loads([successor.pk]).get(successor.pk, 0)
    after = before + len(customers)
    if after > capacity:
        raise ValidationError(
            {
                "successor": ngettext(
                    "%(rep)s has room for %(free)d more customer; the handover needs %(count)d.",
                    "%(rep)s has room for %(free)d more customers; the handover needs %(count)d.",
                    max(capacity - before, 0),
                )
                % {
                    "rep": successor.name,
                    "free": max(capacity - before, 0),
                    "count": len(customers),
                }
            },
            code="over_capacity",
        )
    reason = {"kind": "handover", "from": leaver.name, "to": successor.name}
    RunItem.objects.bulk_create(
        [
            RunItem(
                run=run,
                customer=c,
                previous_owner_id=c.owner_id,
                rep=successor,
                priority=c.priority,
                tier=c.tier,
                score=None,
                reasons=[reason],
            )
            for c in customers
        ],
        batch_size=500,
    )
    tier_a = sum(1 for c in customers if c.tier == Tier.A)
    share = [before / capacity, after / capacity] if capacity > 0 else [0.0, 0.0]
    run.loads = [
        _load_row(successor, before, after, capacity, active=True),
        _leaver_row(run, leaver),
    ]
    run.summary = {
        "customers": len(customers),
        "assigned": len(customers),
        "unassigned": 0,
        "new": 0,
        "kept": 0,
        "moved": len(customers),
        "reps": 1,
        "at_capacity": int(after >= capacity),
        "objective": 0.0,
        "solver": "successor",
        "seconds": 0.0,
        "utilisation_before": utilisation_spread([share[0]]),
        "utilisation_after": utilisation_spread([share[1]]),
        "tier_a": tier_a,
        "tier_a_senior": tier_a if successor.level == Level.SENIOR else 0,
    }
    run.status = RunStatus.PREVIEW
    run.progress = 1.0
    run.save(update_fields=["loads", "summary", "status", "progress"])
