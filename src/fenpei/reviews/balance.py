"""Section 2 of a review: fairness of the books at the start and at the end of the period.

A rep's book at a moment is read from the ownership history (`Assignment`: owned at T
when started before T and not ended by then), so the start of a past period costs one
grouped query like the end does. The figures are the engine's one definition of fairness
(`fenpei.engine.fairness`): Gini of load and of potential value, pro-rated for the share
of the period each rep was available.

What the history cannot tell is taken as it is now, and said so on the page: potential
values are today's, and leave is the rep's current leave (a rep on leave has dates; one
back at work keeps none). `Rep.created_at` is when the record was made, not when the rep
joined (imports make reps long after), so it is not used as a joining date. Departed
reps are left out: they hold nothing fairly or unfairly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, Sum

from fenpei.allocation.models import Assignment
from fenpei.allocation.selectors import default_capacity
from fenpei.engine.fairness import Fairness, available_share, fairness
from fenpei.reviews.scope import Scope, Window
from fenpei.teams.models import Rep, RepStatus


@dataclass(frozen=True, slots=True)
class RepBalance:
    rep_id: int
    key: str
    name: str
    team: str
    available: float  # share of the period, 0–1
    capacity: int
    load_start: int
    load_end: int
    value_start: float
    value_end: float


@dataclass(frozen=True, slots=True)
class Balance:
    start: Fairness
    end: Fairness
    reps: tuple[RepBalance, ...]
    start_at: datetime
    end_at: datetime


def _leave(rep: Rep, start: date) -> tuple[date | None, date | None]:
    """The leave to count: only a rep on leave has one; no start date means "since
    before the period", no end date "until further notice"."""
    if rep.status != RepStatus.ON_LEAVE:
        return None, None
    return rep.leave_from or start, rep.leave_until


def books_at(rep_ids: list[int], moment: datetime) -> dict[int, tuple[int, float]]:
    """(customers, potential value) each rep owned just before `moment`."""
    rows = (
        Assignment.objects.filter(rep_id__in=rep_ids, started_at__lt=moment)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=moment))
        .values("rep_id")
        .annotate(n=Count("id"), v=Sum("customer__potential_value"))
        .order_by()
    )
    return {r["rep_id"]: (int(r["n"]), float(r["v"] or 0)) for r in rows}


def balance_in(scope: Scope, window: Window) -> Balance:
    reps = list(
        Rep.objects.filter(scope.filter("team_id"))
        .exclude(status=RepStatus.DEPARTED)
        .select_related("team")
        .order_by("team__name", "key")
    )
    ids = [r.pk for r in reps]
    before, after = books_at(ids, window.since), books_at(ids, window.until)
    default = default_capacity()
    lines = []
    for r in reps:
        leave_from, leave_until = _leave(r, window.start)
        share = available_share(
            window.start, window.end, leave_from=leave_from, leave_until=leave_until
        )
        n0, v0 = before.get(r.pk, (0, 0.0))
        n1, v1 = after.get(r.pk, (0, 0.0))
        team = r.team.name if r.team else ""
        lines.append(
            RepBalance(r.pk, r.key, r.name, team, share, r.capacity_or(default), n0, n1, v0, v1)
        )
    shares = [ln.available for ln in lines]
    return Balance(
        start=fairness([ln.load_start for ln in lines], [ln.value_start for ln in lines], shares),
        end=fairness([ln.load_end for ln in lines], [ln.value_end for ln in lines], shares),
        reps=tuple(lines),
        start_at=window.since,
        end_at=window.until,
    )
