"""Section 5 of a review: what to do next, per team.

- Rebalance: the exact trade-off of `fenpei.allocation.rebalance.rebalance_trade_off` at
  the policy's move cost: "moving N customers would raise the objective by X net of the
  move cost", with a link to the rebalance page. It is exact and fast (100k customers in
  about 2 s), and still bounded: a team with more than `REBALANCE_MAX_CUSTOMERS` owned
  customers, or any team once `REBALANCE_BUDGET_SECONDS` have gone on earlier teams, is
  skipped with a note rather than holding up the page.
- Rules of thumb: reps over capacity or under half of it, reps with many stale customers
  (no follow-up for half the reclaim time), goals behind pace.

Suggestions are about what to do next, so they read today's books (not the period's end).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from fenpei.allocation.rebalance import rebalance_customers, rebalance_trade_off
from fenpei.allocation.selectors import default_capacity, policy_current
from fenpei.customers.models import Customer, Stage
from fenpei.reviews.attainment import BEHIND, MISSED, GoalLine
from fenpei.reviews.scope import Scope
from fenpei.teams.access import Viewer
from fenpei.teams.models import Rep, RepStatus

log = logging.getLogger(__name__)

REBALANCE_MAX_CUSTOMERS = 150_000
REBALANCE_BUDGET_SECONDS = 20.0
#: a rep below this share of their capacity has room for more
UNDER_SHARE = 0.5
#: stale customers worth a word: at least this many and this share of the rep's book
STALE_MIN = 5
STALE_SHARE = 0.2

REBALANCE = "rebalance"
BALANCED = "balanced"
SKIPPED = "skipped"
OVER = "over_capacity"
UNDER = "under_capacity"
STALE = "stale"
GOAL = "goal_behind"


@dataclass(frozen=True, slots=True)
class Suggestion:
    kind: str
    team_id: int | None
    team: str
    text: str
    url: str = ""
    figures: dict[str, Any] = field(default_factory=dict)


def _rebalance(viewer: Viewer, team_id: int, team: str, started: float) -> Suggestion:
    url = f"{reverse('allocation:rebalance')}?team={team_id}"
    if time.monotonic() - started > REBALANCE_BUDGET_SECONDS:
        return Suggestion(SKIPPED, team_id, team, _("Rebalance not worked out: out of time."), url)
    books = rebalance_customers(viewer, team_id).count()
    if books > REBALANCE_MAX_CUSTOMERS:
        text = _("Rebalance not worked out here: %(n)d customers, open the rebalance page.")
        return Suggestion(SKIPPED, team_id, team, text % {"n": books}, url)
    cost = policy_current().move_cost
    try:
        points = rebalance_trade_off(viewer, team_id, [cost])
    except Exception:  # one team's solve must not take the whole review down
        log.exception("rebalance trade-off of team %s failed", team_id)
        return Suggestion(SKIPPED, team_id, team, _("Rebalance could not be worked out."), url)
    point = points[0] if points else {"moves": 0, "net_gain": 0.0, "improvement": 0.0}
    figures = {"move_cost": cost, **point}
    if point["moves"] > 0 and point["net_gain"] > 0:
        text = _(
            "Moving %(moves)d customers would raise the objective by %(gain).1f, net of the "
            "move cost (%(cost)g per move)."
        ) % {"moves": point["moves"], "gain": point["net_gain"], "cost": cost}
        return Suggestion(REBALANCE, team_id, team, text, url, figures)
    text = _("No move gains more than its cost (%(cost)g per move): the books are balanced.")
    return Suggestion(BALANCED, team_id, team, text % {"cost": cost}, url, figures)


def _capacity(reps: Sequence[Rep], loads: dict[int, int], today: Any) -> list[Suggestion]:
    default = default_capacity()
    out = []
    for r in reps:
        team = r.team.name if r.team else ""
        load, cap = loads.get(r.pk, 0), r.capacity_or(default)
        figures = {"rep": r.name, "load": load, "capacity": cap}
        url = reverse("teams:rep", args=[r.pk])
        if load > cap:
            text = _("%(rep)s holds %(load)d customers, over the capacity of %(capacity)d.")
            out.append(Suggestion(OVER, r.team_id, team, text % figures, url, figures))
        elif r.available_on(today) and cap > 0 and load < cap * UNDER_SHARE:
            text = _(
                "%(rep)s holds %(load)d customers of a capacity of %(capacity)d: room for more."
            )
            out.append(Suggestion(UNDER, r.team_id, team, text % figures, url, figures))
    return out


def _stale(reps: Sequence[Rep], loads: dict[int, int], now: datetime) -> list[Suggestion]:
    rules = policy_current().pool
    days = rules.reclaim_no_followup_days // 2 if rules.reclaim_no_followup_days > 0 else 30
    days = max(days, 1)
    cut = now - timedelta(days=days)
    idle = dict(
        Customer.objects.filter(owner_id__in=[r.pk for r in reps])
        .exclude(stage__in=[Stage.WON, Stage.LOST])
        .filter(Q(last_followup_at__isnull=True) | Q(last_followup_at__lt=cut))
        .filter(Q(owned_since__isnull=True) | Q(owned_since__lt=cut))
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("owner_id", "n")
    )
    out = []
    for r in reps:
        n, load = idle.get(r.pk, 0), loads.get(r.pk, 0)
        if n >= STALE_MIN and n >= load * STALE_SHARE:
            figures = {"rep": r.name, "count": n, "days": days}
            text = _("%(rep)s has %(count)d customers with no follow-up for %(days)d days or more.")
            url = reverse("teams:rep", args=[r.pk])
            team = r.team.name if r.team else ""
            out.append(Suggestion(STALE, r.team_id, team, text % figures, url, figures))
    return out


def _goals(goals: Sequence[GoalLine]) -> list[Suggestion]:
    out = []
    for g in goals:
        if g.status not in (BEHIND, MISSED):
            continue
        figures = {
            "who": g.who,
            "metric": g.metric_label,
            "percent": g.percent,
            "pace": g.pace_percent,
        }
        if g.status == BEHIND:
            text = _(
                "%(who)s is behind on %(metric)s: %(percent)d%% done with %(pace)d%% of the "
                "period gone."
            )
        else:
            text = _("%(who)s missed the goal on %(metric)s: %(percent)d%% done.")
        out.append(
            Suggestion(GOAL, g.team_id, g.team, text % figures, reverse("goals:page"), figures)
        )
    return out


def suggestions_for(
    viewer: Viewer, scope: Scope, goals: Sequence[GoalLine], now: datetime, today: Any
) -> list[Suggestion]:
    out: list[Suggestion] = []
    started = time.monotonic()
    for team_id, name in scope.teams:
        out.append(_rebalance(viewer, team_id, name, started))
    reps = list(
        Rep.objects.filter(scope.filter("team_id"))
        .exclude(status=RepStatus.DEPARTED)
        .select_related("team")
        .annotate(load=Count("customers"))
        .order_by("team__name", "key")
    )
    loads = {r.pk: int(r.load) for r in reps}
    out += _capacity(reps, loads, today)
    out += _stale(reps, loads, now)
    out += _goals(goals)
    return out
