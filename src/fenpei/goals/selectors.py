"""Reads for goals and feedback. Progress is computed here from the log (deals,
assignments, follow-ups) with one aggregate query per metric for all reps asked about,
never one query per rep."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from fenpei.allocation.models import Assignment
from fenpei.followups.models import Deal, DealResult, FollowUp
from fenpei.goals.models import Feedback, Goal, Metric, PeriodKind
from fenpei.teams.access import Viewer
from fenpei.teams.models import Rep

METRICS: tuple[str, ...] = tuple(Metric.values)
Progress = dict[int, dict[str, Decimal]]


def period_start_of(kind: str, day: dt.date) -> dt.date:
    """The first day of the month or quarter that contains `day`."""
    if kind == PeriodKind.QUARTER:
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return day.replace(day=1)


def period_end_of(kind: str, start: dt.date) -> dt.date:
    """The first day after the period that starts on `start`."""
    months = 3 if kind == PeriodKind.QUARTER else 1
    month0 = start.month - 1 + months
    return dt.date(start.year + month0 // 12, month0 % 12 + 1, 1)


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def progress_of_reps(rep_ids: Iterable[int], kind: str, start: dt.date) -> Progress:
    """Each rep's value of every metric in the period: won amount is the sum of won deals
    recorded for the rep (`Deal.rep`, the rep who closed it, so a later handover does not
    move it) closed in the period; new customers counts assignments the rep started in
    the period (any source); follow-ups counts the rep's follow-ups by contact time."""
    ids = sorted(set(rep_ids))
    result: Progress = {rid: dict.fromkeys(METRICS, Decimal(0)) for rid in ids}
    if not ids:
        return result
    end = period_end_of(kind, start)
    since, until = _local_midnight(start), _local_midnight(end)
    won = (
        Deal.objects.filter(
            rep_id__in=ids, result=DealResult.WON, closed_on__gte=start, closed_on__lt=end
        )
        .values("rep_id")
        .annotate(v=Sum("amount"))
    )
    for row in won:
        result[row["rep_id"]][Metric.WON_AMOUNT] = Decimal(row["v"] or 0)
    started = (
        Assignment.objects.filter(rep_id__in=ids, started_at__gte=since, started_at__lt=until)
        .values("rep_id")
        .annotate(v=Count("id"))
    )
    for row in started:
        result[row["rep_id"]][Metric.NEW_CUSTOMERS] = Decimal(row["v"])
    logged = (
        FollowUp.objects.filter(rep_id__in=ids, contact_at__gte=since, contact_at__lt=until)
        .values("rep_id")
        .annotate(v=Count("id"))
    )
    for row in logged:
        result[row["rep_id"]][Metric.FOLLOWUPS] = Decimal(row["v"])
    return result


def progress_sum(progress: Progress, rep_ids: Iterable[int]) -> dict[str, Decimal]:
    """A team's progress: the sum of its reps'."""
    total = dict.fromkeys(METRICS, Decimal(0))
    for rid in rep_ids:
        for metric, value in progress.get(rid, {}).items():
            total[metric] += value
    return total


def goals_progress(goals: Sequence[Goal]) -> dict[tuple[Any, ...], Decimal]:
    """Progress of each goal, keyed (rep, team, period, start, metric): one set of
    aggregates per period, team goals summed over the team's reps."""
    out: dict[tuple[Any, ...], Decimal] = {}
    periods = {(g.period, g.period_start) for g in goals}
    for kind, start in periods:
        in_period = [g for g in goals if (g.period, g.period_start) == (kind, start)]
        team_ids = {g.team_id for g in in_period if g.team_id}
        team_reps = dict(Rep.objects.filter(team_id__in=team_ids).values_list("pk", "team_id"))
        rep_ids = {g.rep_id for g in in_period if g.rep_id} | set(team_reps)
        progress = progress_of_reps(rep_ids, kind, start)
        for g in in_period:
            if g.rep_id is not None:
                values = progress[g.rep_id]
            else:
                values = progress_sum(progress, [r for r, t in team_reps.items() if t == g.team_id])
            out[(g.rep_id, g.team_id, g.period, g.period_start, g.metric)] = values[g.metric]
    return out


def goals_in_period(
    kind: str, start: dt.date, *, rep_ids: Iterable[int] = (), team_ids: Iterable[int] = ()
) -> tuple[dict[tuple[int, str], Decimal], dict[tuple[int, str], Decimal]]:
    """Targets set for the period, as {(rep_id, metric): target} and
    {(team_id, metric): target}."""
    rows = Goal.objects.filter(period=kind, period_start=start).filter(
        rep_id__in=list(rep_ids)
    ) | Goal.objects.filter(period=kind, period_start=start, team_id__in=list(team_ids))
    by_rep: dict[tuple[int, str], Decimal] = {}
    by_team: dict[tuple[int, str], Decimal] = {}
    for g in rows:
        if g.rep_id is not None:
            by_rep[(g.rep_id, g.metric)] = g.target
        elif g.team_id is not None:
            by_team[(g.team_id, g.metric)] = g.target
    return by_rep, by_team


@dataclass(frozen=True, slots=True)
class Bar:
    """One progress bar: a metric's target and how far the rep is."""

    period: str
    metric: str
    label: str
    target: Decimal
    value: Decimal

    @property
    def percent(self) -> int:
        if self.target <= 0:
            return 100
        return min(100, int(self.value * 100 / self.target))


def bars_of_rep(rep_id: int, today: dt.date) -> list[Bar]:
    """The rep's goals for the current month and quarter with their progress (only the
    metrics that have a goal)."""
    labels = dict(Metric.choices)
    bars: list[Bar] = []
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER):
        start = period_start_of(kind, today)
        targets, _teams = goals_in_period(kind, start, rep_ids=[rep_id])
        if not targets:
            continue
        values = progress_of_reps([rep_id], kind, start)[rep_id]
        for metric in METRICS:
            if (rep_id, metric) in targets:
                bars.append(
                    Bar(
                        kind, metric, str(labels[metric]), targets[(rep_id, metric)], values[metric]
                    )
                )
    return bars


def feedback_unacknowledged(rep_id: int) -> QuerySet[Feedback]:
    return Feedback.objects.filter(rep_id=rep_id, acknowledged_at__isnull=True).select_related(
        "author"
    )


def feedback_of_reps(rep_ids: Iterable[int], limit: int = 200) -> list[Feedback]:
    """Recent feedback to these reps, newest first, for the manager's page."""
    return list(
        Feedback.objects.filter(rep_id__in=list(rep_ids)).select_related("rep", "author")[:limit]
    )


def feedback_visible_to(viewer: Viewer) -> QuerySet[Feedback]:
    """Feedback a viewer may read: a manager's teams' reps, a rep's own."""
    notes = Feedback.objects.select_related("rep", "author")
    if viewer.is_admin:
        return notes
    if viewer.is_manager:
        return notes.filter(rep__team_id__in=viewer.team_ids)
    if viewer.is_rep and viewer.rep_id is not None:
        return notes.filter(rep_id=viewer.rep_id)
    return notes.none()


def goals_visible_to(viewer: Viewer) -> QuerySet[Goal]:
    goals = Goal.objects.all()
    if viewer.is_admin:
        return goals
    if viewer.is_manager:
        return goals.filter(rep__team_id__in=viewer.team_ids) | goals.filter(
            team_id__in=viewer.team_ids
        )
    if viewer.is_rep and viewer.rep_id is not None:
        return goals.filter(rep_id=viewer.rep_id)
    return goals.none()


def reps_of_teams(team_ids: Iterable[int]) -> list[Rep]:
    return list(Rep.objects.filter(team_id__in=list(team_ids)).order_by("team_id", "key"))
