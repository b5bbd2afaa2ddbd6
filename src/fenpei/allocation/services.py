"""Ownership changes and allocation runs: every write that gives a customer an owner.

All ownership changes go through `owners_set`, which ends the current assignment and
starts the new one in the same transaction as the `Customer.owner` update; the partial
unique index on Assignment turns any race into an error instead of two owners.

A run is computed (preview) and then applied or discarded. Applying is atomic: the
customers are locked, and if any changed owner since the preview the whole apply is
refused, nothing is written, and the manager is told which customers to look at.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fenpei.allocation.inputs import engine_customers, engine_reps
from fenpei.allocation.models import (
    Assignment,
    AssignmentSource,
    Run,
    RunItem,
    RunScope,
    RunStatus,
)
from fenpei.allocation.selectors import (
    default_capacity,
    policy_active,
    policy_engine,
    rep_loads,
    run_get,
)
from fenpei.audit.services import audit_owner_changes, owner_move
from fenpei.customers.models import Customer, Stage
from fenpei.customers.selectors import customers_visible_to
from fenpei.db_rows import ids_param, rows_insert
from fenpei.engine import allocate, explain_assignments, explain_unassigned
from fenpei.engine.fairness import utilisation_spread
from fenpei.engine.model import TIERS, Level
from fenpei.teams.access import Viewer, reps_visible_to, viewer_of
from fenpei.teams.models import Rep, RepStatus

Progress = Callable[[str, float], None]


# ------------------------------------------------------------------ ownership changes


@dataclass(frozen=True, slots=True)
class OwnerChange:
    customer: Customer
    rep: Rep | None  # None: back to the pool
    reasons: list[dict[str, Any]]


def owners_set(
    changes: Sequence[OwnerChange],
    *,
    source: str,
    user_id: int | None,
    run: Run | None = None,
    note: str = "",
    end_reason: str = "",
    audit_source: str = "",
    at: datetime | None = None,
) -> int:
    """End the current assignments of the changed customers and start the new ones, and
    record each change in the audit trail (`audit_source` when the trail names the cause
    more precisely than the assignment's source: a reclaim, a return, a handover).
    `at` dates a change that happened earlier (history brought in, the demo's past); by
    default it is now. Must run inside a transaction that has locked the customers."""
    now = at or timezone.now()
    moving = [ch for ch in changes if ch.customer.owner_id != (ch.rep.pk if ch.rep else None)]
    if not moving:
        return 0
    bulk = connection.vendor == "postgresql" and len(moving) >= BULK_OWNER_CHANGES
    audit_owner_changes(
        [owner_move(ch.customer, ch.rep.pk if ch.rep else None, ch.reasons) for ch in moving],
        source=audit_source or source,
        actor_id=user_id,
        reason=note or end_reason,
        run_id=run.pk if run is not None else None,
        at=now,
        writer=rows_insert if bulk else None,
    )
    how = _OwnerWrite(source, user_id, run, note[:200], end_reason[:200], now)
    (_owners_write_bulk if bulk else _owners_write)(moving, how)
    for ch in moving:  # the callers' objects now say what the rows say
        c = ch.customer
        c.owner = ch.rep
        c.owned_since = now if ch.rep is not None else None
        if ch.rep is not None and ch.rep.team_id is not None:
            c.team_id = ch.rep.team_id
        c.updated_at = now
    return len(moving)


#: from this many owner changes on PostgreSQL, owners_set writes through COPY and arrays
BULK_OWNER_CHANGES = 2_000


@dataclass(frozen=True, slots=True)
class _OwnerWrite:
    """What every row of one owners_set call shares."""

    source: str
    user_id: int | None
    run: Run | None
    note: str
    end_reason: str
    now: datetime


def _owners_write(moving: Sequence[OwnerChange], how: _OwnerWrite) -> None:
    now = how.now
    ids = [ch.customer.pk for ch in moving]
    Assignment.objects.filter(customer_id__in=ids, ended_at__isnull=True).update(
        ended_at=now, ended_by_id=how.user_id, end_reason=how.end_reason
    )
    Assignment.objects.bulk_create(
        Assignment(
            customer=ch.customer,
            rep=ch.rep,
            source=how.source,
            run=how.run,
            reasons=ch.reasons,
            note=how.note,
            started_by_id=how.user_id,
            started_at=now,
        )
        for ch in moving
        if ch.rep is not None
    )
    # One UPDATE per new owner, not a CASE per row: a run gives ~2,000 customers to ~40
    # reps, and SQLite's bulk_update of that many rows took seconds.
    by_rep: dict[int | None, list[OwnerChange]] = {}
    for ch in moving:
        by_rep.setdefault(ch.rep.pk if ch.rep is not None else None, []).append(ch)
    for rep_id, group in by_rep.items():
        rows = Customer.objects.filter(pk__in=[ch.customer.pk for ch in group])
        rep = group[0].rep
        if rep is None:
            rows.update(owner=None, owned_since=None, updated_at=now)
        else:
            fields: dict[str, Any] = {"owner_id": rep_id, "owned_since": now, "updated_at": now}
            if rep.team_id is not None:
                fields["team_id"] = rep.team_id
            rows.update(**fields)


def _owners_write_bulk(moving: Sequence[OwnerChange], how: _OwnerWrite) -> None:
    """The same writes for a run of 100,000 (PostgreSQL): three statements in all. Django's
    path took 45 s there: a 100,000-row INSERT with 1.2M parameters, and per-rep UPDATEs
    with 100,000 placeholders between them."""
    now = how.now
    ids = ids_param([ch.customer.pk for ch in moving])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE allocation_assignment SET ended_at = %s, ended_by_id = %s, end_reason = %s "
            "WHERE ended_at IS NULL AND customer_id = ANY(%s)",
            [now, how.user_id, how.end_reason, ids],
        )
    defaults = {
        "source": how.source,
        "run_id": how.run.pk if how.run is not None else None,
        "note": how.note,
        "started_by_id": how.user_id,
        "started_at": now,
        "ended_by_id": None,
        "ended_at": None,
        "end_reason": "",
    }
    rows_insert(
        Assignment,
        (
            {**defaults, "customer_id": ch.customer.pk, "rep_id": ch.rep.pk, "reasons": ch.reasons}
            for ch in moving
            if ch.rep is not None
        ),
    )
    reps = [ch.rep.pk if ch.rep is not None else None for ch in moving]
    teams = [ch.rep.team_id if ch.rep is not None else None for ch in moving]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer AS c SET owner_id = v.rep, "
            "owned_since = CASE WHEN v.rep IS NULL THEN NULL ELSE %s END, "
            "team_id = COALESCE(v.team, c.team_id), updated_at = %s "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS v(id, rep, team) "
            "WHERE c.id = v.id",
            [now, now, ids, reps, teams],
        )


def _locked_customers(viewer: Viewer, ids: Sequence[int]) -> list[Customer]:
    # Locks are always taken customers first, then reps, each in primary-key order, so two
    # transactions wanting the same rows queue instead of deadlocking.
    visible = customers_visible_to(viewer).filter(pk__in=list(ids))
    customers = list(
        Customer.objects.select_for_update().filter(pk__in=visible.values("pk")).order_by("pk")
    )
    if len(customers) != len(set(ids)):
        # Not "permission denied": to the viewer the others simply do not exist.
        raise ValidationError(_("Some selected customers no longer exist or are not yours."))
    return sorted(customers, key=lambda c: c.pk)


def _require_manager(viewer: Viewer) -> None:
    if not viewer.can_manage:
        raise PermissionDenied


def _reps_lock_within_capacity(gains: dict[int, int], losses: dict[int, int] | None = None) -> None:
    """Lock the reps about to gain customers (pk order) and refuse if any would end above
    capacity. Counted under the lock, so concurrent assignments cannot both squeeze in."""
    gains = {pk: n for pk, n in gains.items() if n > 0}
    if not gains:
        return
    losses = losses or {}
    reps = list(
        Rep.objects.select_for_update(no_key=True).filter(pk__in=list(gains)).order_by("pk")
    )
    default = default_capacity()
    loads = rep_loads([r.pk for r in reps])
    full = [
        r
        for r in reps
        if loads.get(r.pk, 0) - losses.get(r.pk, 0) + gains[r.pk] > r.capacity_or(default)
    ]
    if full:
        raise ValidationError(
            _("Over capacity: %(names)s cannot take that many customers.")
            % {"names": ", ".join(r.name for r in full)},
            code="over_capacity",
        )


@transaction.atomic
def customers_assign(
    viewer: Viewer, customer_ids: Sequence[int], rep_id: int, note: str = ""
) -> int:
    """A manager gives the selected customers to one rep. Returns how many changed owner."""
    _require_manager(viewer)
    rep = reps_visible_to(viewer).filter(pk=rep_id).first()
    if rep is None:
        raise ValidationError(_("No such rep in your teams."))
    if rep.status == RepStatus.DEPARTED:
        raise ValidationError(_("%(rep)s has left and cannot take customers.") % {"rep": rep.name})
    customers = _locked_customers(viewer, customer_ids)
    _reps_lock_within_capacity({rep.pk: sum(1 for c in customers if c.owner_id != rep.pk)})
    reason = {"kind": "manual", "note": note[:200]}
    changes = [OwnerChange(c, rep, [reason]) for c in customers]
    return owners_set(
        changes,
        source=AssignmentSource.MANUAL,
        user_id=viewer.user_id,
        note=note,
        end_reason=_("reassigned by hand"),
    )


@transaction.atomic
def customers_release(viewer: Viewer, customer_ids: Sequence[int], note: str = "") -> int:
    """A manager returns the selected customers to the pool (公海)."""
    _require_manager(viewer)
    customers = _locked_customers(viewer, customer_ids)
    changes = [OwnerChange(c, None, []) for c in customers]
    return owners_set(
        changes,
        source=AssignmentSource.MANUAL,
        user_id=viewer.user_id,
        note=note,
        end_reason=note or _("returned to the pool"),
    )


# ----------------------------------------------------------------------------- runs


def _scope_customers(run: Run, viewer: Viewer) -> QuerySet[Customer]:
    if (
        run.scope == RunScope.REBALANCE
    ):  # the team's owned books, as allocation.rebalance reads them
        from fenpei.allocation.rebalance import rebalance_customers  # noqa: PLC0415

        return rebalance_customers(viewer, run.team_id)
    if run.scope == RunScope.HANDOVER:  # every customer the leaver still owns, even lost ones
        if run.handover_from_id is None:
            return Customer.objects.none()
        return customers_visible_to(viewer).filter(
            pk__in=run.selection, owner_id=run.handover_from_id
        )
    visible = customers_visible_to(viewer).exclude(stage=Stage.LOST)
    if run.scope == RunScope.SELECTION:
        return visible.filter(pk__in=run.selection)
    if run.scope == RunScope.TEAM:
        if run.team_id is None:
            raise ValidationError(_("Choose a team."))
        return visible.filter(
            Q(team_id=run.team_id)
            | Q(owner__team_id=run.team_id)
            | Q(owner__isnull=True, team__isnull=True)
        )
    visible = visible.filter(owner__isnull=True)
    if run.team_id is not None:
        visible = visible.filter(Q(team_id=run.team_id) | Q(team__isnull=True))
    return visible


def _scope_reps(run: Run, viewer: Viewer) -> QuerySet[Rep]:
    reps = reps_visible_to(viewer).exclude(status=RepStatus.DEPARTED)
    if run.scope == RunScope.HANDOVER and run.handover_from_id is not None:
        reps = reps.exclude(pk=run.handover_from_id)
    if run.team_id is not None:
        reps = reps.filter(team_id=run.team_id)
    return reps.order_by("key")


@transaction.atomic
def run_create(
    viewer: Viewer,
    *,
    scope: str,
    team_id: int | None = None,
    customer_ids: Sequence[int] = (),
    as_of: date | None = None,
) -> Run:
    """Create a run and compute its preview: during the request when it is small, in a
    background task (with progress) when it is big."""
    _require_manager(viewer)
    if scope not in RunScope.values or scope in (RunScope.HANDOVER, RunScope.REBALANCE):
        # those have their own entry points: allocation.handover, allocation.rebalance
        raise ValidationError(_("Unknown scope."))
    if team_id is not None and not (viewer.is_admin or team_id in viewer.team_ids):
        raise ValidationError(_("No such team among yours."))
    if scope == RunScope.TEAM and team_id is None:
        if len(viewer.team_ids) != 1:
            raise ValidationError(_("Choose a team."))
        team_id = next(iter(viewer.team_ids))
    if scope == RunScope.SELECTION and not customer_ids:
        raise ValidationError(_("Select at least one customer."))
    run = Run.objects.create(
        policy=policy_active(),
        scope=scope,
        team_id=team_id,
        selection=sorted({int(i) for i in customer_ids}),
        as_of=as_of or timezone.localdate(),
        created_by_id=viewer.user_id,
        status=RunStatus.QUEUED,
    )
    size = _scope_customers(run, viewer).count()
    if size == 0:
        run.delete()
        raise ValidationError(_("There are no customers to allocate in this scope."))
    if size > settings.FENPEI_BACKGROUND_RUN_SIZE:
        from fenpei.allocation.tasks import run_compute_task  # noqa: PLC0415

        run.summary = {"customers": size}
        run.save(update_fields=["summary"])
        transaction.on_commit(lambda: run_compute_task.enqueue(run.pk))
        return run
    run_compute(run.pk)
    run.refresh_from_db()
    return run


class _ProgressWriter:
    """Engine progress → Run.progress, at most a few writes a second."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.last = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last < 0.3 and fraction < 1.0:
            return
        self.last = now
        Run.objects.filter(pk=self.run_id).update(
            stage=stage[:20], progress=min(max(fraction, 0.0), 1.0)
        )


def run_compute(run_id: int) -> None:
    """Compute the preview of a queued run. Never leaves a run half-computed: on any
    error the run is marked failed with the message and its items are removed."""
    run = Run.objects.select_related("policy", "created_by").get(pk=run_id)
    if run.status not in (RunStatus.QUEUED, RunStatus.COMPUTING):
        return
    Run.objects.filter(pk=run_id).update(status=RunStatus.COMPUTING, progress=0.0)
    try:
        _compute(run, _ProgressWriter(run_id))
    except Exception as exc:
        RunItem.objects.filter(run_id=run_id).delete()
        Run.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=str(exc)[:2000])
        raise


def _compute(run: Run, progress: Progress) -> None:
    if run.scope == RunScope.REBALANCE:  # its own engine mode: only the moves are items
        from fenpei.allocation.rebalance import rebalance_compute  # noqa: PLC0415

        rebalance_compute(run)
        return
    viewer = viewer_of(run.created_by)
    policy = policy_engine(run.policy)
    customers = list(_scope_customers(run, viewer).order_by("pk"))
    if run.scope == RunScope.HANDOVER:
        # A lock keeps a customer with its owner; the owner is leaving, so in a handover
        # it must move too (in memory only: the flag stays and binds the new owner).
        for c in customers:
            c.locked = False
    reps = list(_scope_reps(run, viewer).select_related("team"))
    rep_index = {r.pk: j for j, r in enumerate(reps)}
    loads_now = rep_loads([r.pk for r in reps])
    in_scope_owned: dict[int, int] = {}
    for c in customers:
        if c.owner_id in rep_index:
            in_scope_owned[c.owner_id] = in_scope_owned.get(c.owner_id, 0) + 1
    existing = {r.pk: loads_now.get(r.pk, 0) - in_scope_owned.get(r.pk, 0) for r in reps}
    table = engine_customers(customers, {r.pk: r.key for r in reps})
    engine_rep_list = engine_reps(reps, existing, run.as_of)
    started = time.monotonic()
    problem, allocation = allocate(
        table, engine_rep_list, policy, as_of=run.as_of, progress=progress
    )
    seconds = time.monotonic() - started

    assigned = np.flatnonzero(allocation.rep >= 0)
    reasons: dict[int, list[dict[str, Any]]] = {}
    if assigned.size:
        for i, rs in zip(
            assigned.tolist(), explain_assignments(problem, allocation, assigned), strict=True
        ):
            reasons[i] = [reasons_structured(r) for r in rs]
    for i in np.flatnonzero(allocation.rep < 0).tolist():
        reasons[i] = [reasons_structured(explain_unassigned(problem, allocation, i))]
    if run.scope == RunScope.HANDOVER:  # the first reason says whose customer it was
        leaver = run.handover_from.name if run.handover_from is not None else ""
        for i, rs in reasons.items():
            rs.insert(0, {"kind": "handover", "from": leaver, "pool": bool(allocation.rep[i] < 0)})

    items = []
    for i, c in enumerate(customers):
        j = int(allocation.rep[i])
        score = float(allocation.score[i]) if j >= 0 else None
        items.append(
            RunItem(
                run=run,
                customer=c,
                previous_owner_id=c.owner_id,
                rep_id=reps[j].pk if j >= 0 else None,
                priority=float(allocation.priority[i]),
                tier=TIERS[int(allocation.tier[i])],
                score=score,
                reasons=reasons[i],
            )
        )
    loads = []
    for j, r in enumerate(reps):
        after = existing[r.pk] + allocation.loads[j].assigned
        loads.append(
            {
                "rep": r.pk,
                "key": r.key,
                "name": r.name,
                "level": int(r.level),
                "team": r.team.name if r.team else "",
                "capacity": int(allocation.capacity[j]),
                "before": loads_now.get(r.pk, 0),
                "after": after,
                "active": engine_rep_list[j].active,
            }
        )
    summary = _summary(customers, allocation, reps, loads, seconds)
    with transaction.atomic():
        RunItem.objects.filter(run_id=run.pk).delete()
        RunItem.objects.bulk_create(items, batch_size=500)
        Run.objects.filter(pk=run.pk).update(
            status=RunStatus.PREVIEW, progress=1.0, stage="", summary=summary, loads=loads
        )


def reasons_structured(reason: dict[str, Any]) -> dict[str, Any]:
    """Reasons are stored as data and worded when shown, in the reader's language."""
    out = {k: v for k, v in reason.items() if k != "text"}
    if isinstance(out.get("reason"), dict):
        out["reason"] = reasons_structured(out["reason"])
    return out


def _summary(
    customers: Sequence[Customer],
    allocation: Any,
    reps: Sequence[Rep],
    loads: Sequence[dict[str, Any]],
    seconds: float,
) -> dict[str, Any]:
    rep_of = allocation.rep
    moved = kept = new = 0
    for i, c in enumerate(customers):
        j = int(rep_of[i])
        if j < 0:
            continue
        if c.owner_id is None:
            new += 1
        elif reps[j].pk == c.owner_id:
            kept += 1
        else:
            moved += 1
    util_before = [
        ld["before"] / ld["capacity"] for ld in loads if ld["capacity"] > 0 and ld["active"]
    ]
    util_after = [
        ld["after"] / ld["capacity"] for ld in loads if ld["capacity"] > 0 and ld["active"]
    ]
    tier_a = np.flatnonzero((allocation.tier == 0) & (rep_of >= 0))
    senior = sum(1 for i in tier_a.tolist() if reps[int(rep_of[i])].level == Level.SENIOR)

    return {
        "customers": len(customers),
        "assigned": int((rep_of >= 0).sum()),
        "unassigned": int((rep_of < 0).sum()),
        "new": new,
        "kept": kept,
        "moved": moved,
        "reps": len(reps),
        "at_capacity": sum(1 for ld in loads if ld["active"] and ld["after"] >= ld["capacity"]),
        "objective": round(float(allocation.objective), 4),
        "solver": allocation.solver,
        "seconds": round(seconds, 3),
        "utilisation_before": utilisation_spread(util_before),
        "utilisation_after": utilisation_spread(util_after),
        "tier_a": int(tier_a.size),
        "tier_a_senior": senior,
    }


@transaction.atomic
def run_apply(viewer: Viewer, run_id: int) -> int:
    """Apply a previewed run: all of it or, if anything changed since, nothing."""
    _require_manager(viewer)
    run = Run.objects.select_for_update().get(pk=run_get(viewer, run_id).pk)
    if run.status != RunStatus.PREVIEW:
        raise ValidationError(_("Only a run in preview can be applied."))
    items = list(run.items.all())
    customers = {
        c.pk: c
        for c in Customer.objects.select_for_update()
        .filter(pk__in=[it.customer_id for it in items])
        .order_by("pk")
    }
    stale = [
        it
        for it in items
        if it.customer_id not in customers
        or customers[it.customer_id].owner_id != it.previous_owner_id
    ]
    if stale:
        names = ", ".join(
            customers[it.customer_id].name if it.customer_id in customers else f"#{it.customer_id}"
            for it in stale[:5]
        )
        raise ValidationError(
            ngettext(
                "%(count)d customer changed owner after the preview (%(names)s). Compute the run again.",
                "%(count)d customers changed owner after the preview (%(names)s). Compute the run again.",
                len(stale),
            )
            % {"count": len(stale), "names": names}
        )
    reps = {r.pk: r for r in Rep.objects.filter(pk__in={it.rep_id for it in items if it.rep_id})}
    gone = [r.name for r in reps.values() if r.status == RepStatus.DEPARTED]
    if gone:
        raise ValidationError(
            _("%(names)s left after the preview. Compute the run again.")
            % {"names": ", ".join(gone)}
        )
    gains: dict[int, int] = {}
    losses: dict[int, int] = {}
    for it in items:
        if it.rep_id is not None and it.rep_id != it.previous_owner_id:
            gains[it.rep_id] = gains.get(it.rep_id, 0) + 1
            if it.previous_owner_id is not None:
                losses[it.previous_owner_id] = losses.get(it.previous_owner_id, 0) + 1
    # Loads may have grown since the preview (routing, manual assignments): re-check.
    _reps_lock_within_capacity(gains, losses)
    changes = []
    rescored = []
    for it in items:
        c = customers[it.customer_id]
        if (c.priority, c.tier) != (it.priority, it.tier):  # usually none: same policy
            c.priority, c.tier = it.priority, it.tier
            rescored.append(c)
        if it.rep_id is not None:
            changes.append(OwnerChange(c, reps[it.rep_id], it.reasons))
        elif run.scope in (RunScope.HANDOVER, RunScope.REBALANCE):
            # nobody may take it: back to the team's pool, not to the leaver (handover) or
            # the rep whose book is over capacity (rebalance)
            changes.append(OwnerChange(c, None, it.reasons))
    Customer.objects.bulk_update(rescored, ["priority", "tier"], 500)
    changed = owners_set(
        changes,
        source=AssignmentSource.RUN,
        user_id=viewer.user_id,
        run=run,
        audit_source="handover" if run.scope == RunScope.HANDOVER else "",
        end_reason=_("handover: departure")
        if run.scope == RunScope.HANDOVER
        else _("moved by rebalance #%(run)d") % {"run": run.pk}
        if run.scope == RunScope.REBALANCE
        else _("moved by run #%(run)d") % {"run": run.pk},
    )
    run.status = RunStatus.APPLIED
    run.decided_by_id = viewer.user_id
    run.decided_at = timezone.now()
    run.summary = {**run.summary, "applied_changes": changed}
    run.save(update_fields=["status", "decided_by", "decided_at", "summary"])
    return changed


@transaction.atomic
def run_discard(viewer: Viewer, run_id: int) -> None:
    _require_manager(viewer)
    run = Run.objects.select_for_update().get(pk=run_get(viewer, run_id).pk)
    if run.status not in (RunStatus.PREVIEW, RunStatus.QUEUED, RunStatus.FAILED):
        raise ValidationError(_("Only a run in preview can be discarded."))
    run.status = RunStatus.DISCARDED
    run.decided_by_id = viewer.user_id
    run.decided_at = timezone.now()
    run.save(update_fields=["status", "decided_by", "decided_at"])
