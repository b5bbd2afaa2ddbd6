"""Section 3 of a review: goals that overlap the period, with how far each got.

Progress is the goals app's own (`fenpei.goals.selectors.goals_progress`, over the goal's
whole month or quarter), so a review and the goals page never disagree. Pace compares
progress with the share of the goal's period gone by: a goal half-way through its month
at 30 % of its target is behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy

from fenpei.goals.models import Goal, Metric
from fenpei.goals.selectors import goals_progress, period_end_of
from fenpei.reviews.scope import Scope, Window

MET = "met"
ON_TRACK = "on_track"
BEHIND = "behind"
MISSED = "missed"
STATUS_LABELS = {
    MET: gettext_lazy("Met"),
    ON_TRACK: gettext_lazy("On track"),
    BEHIND: gettext_lazy("Behind"),
    MISSED: gettext_lazy("Missed"),
}


@dataclass(frozen=True, slots=True)
class GoalLine:
    rep_id: int | None
    team_id: int | None
    who: str  # the rep's or the team's name
    team: str
    period_kind: str
    period_start: date
    period_end: date  # last day, included
    metric: str
    target: Decimal
    value: Decimal
    elapsed: float  # share of the goal's period gone by, 0–1

    @property
    def metric_label(self) -> str:
        return str(Metric(self.metric).label) if self.metric in Metric.values else self.metric

    @property
    def percent(self) -> int:
        if self.target <= 0:
            return 100
        return int(self.value * 100 / self.target)

    @property
    def pace_percent(self) -> int:
        return round(self.elapsed * 100)

    @property
    def status(self) -> str:
        if self.value >= self.target:
            return MET
        if self.elapsed >= 1:
            return MISSED
        if self.value < self.target * Decimal(str(round(self.elapsed, 4))):
            return BEHIND
        return ON_TRACK

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def _elapsed(start: date, end_excl: date, today: date) -> float:
    days = (end_excl - start).days
    gone = (min(max(today, start), end_excl) - start).days
    return gone / days if days > 0 else 1.0


def goals_in(scope: Scope, window: Window) -> list[GoalLine]:
    # A goal's period is at most a quarter: one starting 100 days before cannot reach in.
    goals = [
        g
        for g in Goal.objects.filter(
            period_start__lte=window.end, period_start__gt=window.start - timedelta(days=100)
        )
        .filter(scope.filter("rep__team_id", "team_id"))
        .select_related("rep", "rep__team", "team")
        if period_end_of(g.period, g.period_start) > window.start
    ]
    progress = goals_progress(goals)
    today = window.today
    lines = []
    for g in goals:
        end_excl = period_end_of(g.period, g.period_start)
        value = progress[(g.rep_id, g.team_id, g.period, g.period_start, g.metric)]
        if g.rep is not None:
            who, team = g.rep.name, g.rep.team.name if g.rep.team else ""
        else:
            who = team = g.team.name if g.team else ""
        lines.append(
            GoalLine(
                g.rep_id,
                g.team_id,
                who,
                team,
                g.period,
                g.period_start,
                end_excl - timedelta(days=1),
                g.metric,
                g.target,
                value,
                _elapsed(g.period_start, end_excl, today),
            )
        )
    # teams first, then reps, each by name; then the period and metric
    lines.sort(key=lambda ln: (ln.team, ln.rep_id is not None, ln.who, ln.period_start, ln.metric))
    return lines
