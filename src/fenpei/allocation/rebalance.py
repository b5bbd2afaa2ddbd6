"""Rebalance (再平衡) in the app: re-optimise a team's owned books, paying per move.

A rebalance is a run whose items are the moves only (customers whose owner changes);
`run_apply` applies it like any run: atomically, refused whole if a customer changed
owner since the preview, capacity re-checked under the lock.

Protected (they stay with their owner unless the manager unticks it):
- a follow-up in the last `protect_days` days (`Customer.last_followup_at`);
- an open relationship: stage "following" with a next step due today or later
  (`next_step_due`), i.e. the rep has a dated commitment to this customer.
Locked customers never move (the engine keeps them).

Existing load: `Rep.existing_load` = customers the rep owns OUTSIDE the table (lost
customers and anything not in the team's books); the engine adds the table's fixed ones.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fenpei.allocation.inputs import engine_customers, engine_reps
from fenpei.allocation.models import Run, RunItem, RunScope, RunStatus
from fenpei.allocation.selectors import policy_active, policy_engine, rep_loads
from fenpei.allocation.services import reasons_structured, run_compute
from fenpei.customers.models import Customer, Stage
from fenpei.customers.selectors import customers_visible_to
from fenpei.engine.fairness import utilisation_spread
from fenpei.engine.model import CustomerTable
from fenpei.engine.model import Rep as EngineRep
from fenpei.engine.policy import Policy
from fenpei.engine.rebalance import RebalanceResult, rebalance, trade_off
from fenpei.teams.access import Viewer, reps_visible_to, viewer_of
from fenpei.teams.models import Rep, RepStatus

DEFAULT_COSTS: tuple[float, ...] = (0, 10, 25, 50, 100, 200)


def _team_check(viewer: Viewer, team_id: int) -> None:
    if not viewer.can_manage:
        raise PermissionDenied
    if not (viewer.is_admin or team_id in viewer.team_ids):
        # not "forbidden": to this manager another team does not exist
        raise Run.DoesNotExist


def rebalance_customers(viewer: Viewer, team_id: int | None) -> QuerySet[Customer]:
    """The books being rebalanced: customers owned by the team's current reps, lost ones
    aside (they stay with their owner and count as existing load)."""
    if team_id is None:
        return Customer.objects.none()
    return (
        customers_visible_to(viewer)
        .filter(owner__team_id=team_id)
        .exclude(owner__status=RepStatus.DEPARTED)
        .exclude(stage=Stage.LOST)
    )


def _team_reps(viewer: Viewer, team_id: int) -> list[Rep]:
    return list(
        reps_visible_to(viewer)
        .filter(team_id=team_id)
        .exclude(status=RepStatus.DEPARTED)
        .select_related("team")
        .order_by("key")
    )


def _protected(
    customers: Sequence[Customer], protect_days: int, protect_open: bool
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    now = timezone.now()
    since = now - timedelta(days=max(protect_days, 0))
    today = timezone.localdate()
    flags = np.zeros(len(customers), dtype=np.bool_)
    for i, c in enumerate(customers):
        recent = protect_days > 0 and c.last_followup_at is not None and c.last_followup_at >= since
        open_ = (
            protect_open
            and c.stage == Stage.FOLLOWING
            and c.next_step_due is not None
            and c.next_step_due >= today
        )
        flags[i] = recent or open_
    return flags


@dataclass(slots=True)
class _Inputs:
    customers: list[Customer]
    reps: list[Rep]
    table: CustomerTable
    engine_reps: list[EngineRep]
    protected: np.ndarray[Any, np.dtype[np.bool_]]
    loads_now: dict[int, int]


def _inputs(viewer: Viewer, team_id: int, protect_days: int, protect_open: bool) -> _Inputs:
    customers = list(rebalance_customers(viewer, team_id).order_by("pk"))
    reps = _team_reps(viewer, team_id)
    keys = {r.pk: r.key for r in reps}
    loads_now = rep_loads([r.pk for r in reps])
    in_table: dict[int, int] = {}
    for c in customers:
        if c.owner_id in keys:
            in_table[c.owner_id] = in_table.get(c.owner_id, 0) + 1
    existing = {r.pk: loads_now.get(r.pk, 0) - in_table.get(r.pk, 0) for r in reps}
    day = timezone.localdate()
    return _Inputs(
        customers=customers,
        reps=reps,
        table=engine_customers(customers, keys),
        engine_reps=engine_reps(reps, existing, day),
        protected=_protected(customers, protect_days, protect_open),
        loads_now=loads_now,
    )


def rebalance_trade_off(
    viewer: Viewer,
    team_id: int,
    costs: Sequence[float] = DEFAULT_COSTS,
    *,
    protect_days: int = 30,
    protect_open: bool = True,
) -> list[dict[str, float]]:
    """Moves against improvement per move cost, cheapest first (the page's curve)."""
    _team_check(viewer, team_id)
    data = _inputs(viewer, team_id, protect_days, protect_open)
    if not data.customers or not data.reps:
        return []
    points = trade_off(
        data.table,
        data.engine_reps,
        policy_engine(policy_active()),
        [float(c) for c in costs],
        protected=data.protected,
        as_of=timezone.localdate(),
    )
    return [
        {
            "move_cost": p.move_cost,
            "moves": p.moves,
            "improvement": round(p.improvement, 2),
            "net_gain": round(p.net_gain, 2),
            "spread_before": round(p.spread_before, 4),
            "spread_after": round(p.spread_after, 4),
        }
        for p in points
    ]


@transaction.atomic
def rebalance_preview(
    viewer: Viewer,
    team_id: int,
    *,
    move_cost: float | None = None,
    protect_days: int = 30,
    protect_open: bool = True,
) -> Run:
    """Create a rebalance run for the team and compute its preview (the moves only)."""
    _team_check(viewer, team_id)
    if move_cost is not None and move_cost < 0:
        raise ValidationError(_("The move cost cannot be negative."))
    version = policy_active()
    run = Run.objects.create(
        policy=version,
        scope=RunScope.REBALANCE,
        team_id=team_id,
        as_of=timezone.localdate(),
        created_by_id=viewer.user_id,
        status=RunStatus.QUEUED,
        summary={
            "move_cost": policy_engine(version).move_cost if move_cost is None else move_cost,
            "protect_days": protect_days,
            "protect_open": protect_open,
        },
    )
    if not rebalance_customers(viewer, team_id).exists():
        run.delete()
        raise ValidationError(_("This team's reps own no customers to rebalance."))
    run_compute(run.pk)
    run.refresh_from_db()
    return run


def rebalance_compute(run: Run) -> None:
    """The preview of a rebalance run (called by `run_compute`, which handles failures)."""
    if run.team_id is None:
        raise ValidationError(_("Choose a team."))
    viewer = viewer_of(run.created_by)
    params = dict(run.summary)
    move_cost = float(params["move_cost"])
    data = _inputs(
        viewer, run.team_id, int(params.get("protect_days", 30)), bool(params.get("protect_open"))
    )
    policy: Policy = policy_engine(run.policy)
    started = time.monotonic()
    res = rebalance(
        data.table,
        data.engine_reps,
        policy,
        move_cost=move_cost,
        protected=data.protected,
        as_of=run.as_of,
    )
    seconds = time.monotonic() - started
    names = {r.key: r.name for r in data.reps}
    items = []
    for mv in res.moves:
        c = data.customers[mv.customer]
        reasons = [reasons_structured(dict(r)) for r in res.reasons.get(mv.customer, [])]
        head = reasons[0] if reasons else {}
        if head.get("kind") == "rebalance_move":  # the reader knows reps by name, not key
            for end in ("from", "to"):
                head[f"{end}_key"] = head.get(end, "")
                head[end] = names.get(head[end], head[end])
        items.append(
            RunItem(
                run=run,
                customer=c,
                previous_owner_id=c.owner_id,
                rep_id=data.reps[mv.to_rep].pk if mv.to_rep >= 0 else None,
                priority=c.priority,
                tier=c.tier,
                score=float(head.get("score_to", 0.0)) if mv.to_rep >= 0 else None,
                reasons=reasons,
            )
        )
    loads = [
        {
            "rep": r.pk,
            "key": r.key,
            "name": r.name,
            "level": int(r.level),
            "team": r.team.name if r.team else "",
            "capacity": int(res.loads[j].capacity),
            "before": data.loads_now.get(r.pk, 0),
            "after": data.loads_now.get(r.pk, 0) - res.loads[j].before + res.loads[j].after,
            "active": bool(res.active[j]),
        }
        for j, r in enumerate(data.reps)
    ]
    summary = {**params, **_summary(data, res, loads, seconds)}
    with transaction.atomic():
        RunItem.objects.filter(run_id=run.pk).delete()
        RunItem.objects.bulk_create(items, batch_size=500)
        Run.objects.filter(pk=run.pk).update(
            status=RunStatus.PREVIEW, progress=1.0, stage="", summary=summary, loads=loads
        )


def _summary(
    data: _Inputs, res: RebalanceResult, loads: list[dict[str, Any]], seconds: float
) -> dict[str, Any]:
    active = [ld for ld in loads if ld["capacity"] > 0 and ld["active"]]
    released = sum(1 for mv in res.moves if mv.to_rep < 0)
    return {
        "customers": len(data.customers),
        "protected": int(data.protected.sum()),
        "movable": int(res.movable.sum()),
        "assigned": len(res.moves) - released,
        "unassigned": released,
        "new": 0,
        "kept": len(data.customers) - len(res.moves),
        "moved": len(res.moves),
        "charged_moves": res.charged_moves,
        "reps": len(data.reps),
        "at_capacity": sum(1 for ld in active if ld["after"] >= ld["capacity"]),
        "objective": round(res.net_after, 4),
        "objective_before": round(res.objective_before, 4),
        "improvement": round(res.objective_after - res.objective_before, 4),
        "gain": round(res.gain, 4),
        "solver": "rebalance",
        "seconds": round(seconds, 3),
        "utilisation_before": utilisation_spread([ld["before"] / ld["capacity"] for ld in active]),
        "utilisation_after": utilisation_spread([ld["after"] / ld["capacity"] for ld in active]),
        "tier_a": 0,
        "tier_a_senior": 0,
    }
