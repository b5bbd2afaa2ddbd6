"""The review report (定期审核): one period of one team (or all of a manager's teams, or
the whole company for an admin), in five sections — what changed, fairness, goals,
results by rep, suggestions. Everything is read from the logs at the time of asking, so a
report of a past month can be made again at any time; the scheduled one stores only its
headline figures (`ReviewReport.summary`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fenpei.reviews.attainment import GoalLine, goals_in
from fenpei.reviews.balance import Balance, balance_in
from fenpei.reviews.changes import Changes, changes_in
from fenpei.reviews.models import ReviewReport, ReviewSchedule
from fenpei.reviews.results import Results, results_in
from fenpei.reviews.scope import Scope, review_scope, window_of
from fenpei.reviews.suggestions import Suggestion, suggestions_for
from fenpei.teams.access import Viewer


@dataclass(frozen=True, slots=True)
class Review:
    scope: Scope
    start: date
    end: date  # last day, included
    generated_at: datetime
    #: the period's last moment counted: its end, or now for a period still running
    until: datetime
    changes: Changes
    balance: Balance
    goals: tuple[GoalLine, ...]
    results: Results
    suggestions: tuple[Suggestion, ...]


def review_build(
    viewer: Viewer,
    team_id: int | None,
    start: date,
    end: date,
    *,
    now: datetime | None = None,
    suggest: bool = True,
) -> Review:
    """The review of `start`…`end` (both included) for the viewer's team `team_id` (None:
    all theirs). PermissionDenied for reps and outsiders; Team.DoesNotExist for a team
    that is not the viewer's. `suggest=False` leaves out the suggestions (they solve a
    rebalance per team)."""
    scope = review_scope(viewer, team_id)
    window = window_of(start, end, now)
    goals = goals_in(scope, window)
    suggestions = suggestions_for(viewer, scope, goals, window.now, window.today) if suggest else []
    return Review(
        scope=scope,
        start=start,
        end=end,
        generated_at=window.now,
        until=window.until,
        changes=changes_in(scope, window),
        balance=balance_in(scope, window),
        goals=tuple(goals),
        results=results_in(scope, window),
        suggestions=tuple(suggestions),
    )


def schedules_visible_to(viewer: Viewer) -> list[ReviewSchedule]:
    """A manager's teams' schedules and their own all-teams one; an admin's: all."""
    rows = ReviewSchedule.objects.select_related("team", "owner")
    if viewer.is_admin:
        return list(rows)
    if not viewer.can_manage:
        return []
    return list(rows.filter(team_id__in=viewer.team_ids)) + list(
        rows.filter(team__isnull=True, owner_id=viewer.user_id)
    )


def reports_visible_to(viewer: Viewer, limit: int = 24) -> list[ReviewReport]:
    """Recent reports of the viewer's teams (and their own all-teams ones), newest first."""
    rows = ReviewReport.objects.select_related("team")
    if not viewer.can_manage:
        return []
    if not viewer.is_admin:
        own = rows.filter(team__isnull=True, owner_id=viewer.user_id)
        rows = rows.filter(team_id__in=viewer.team_ids) | own
    return list(rows.order_by("-period_start", "-id")[:limit])
