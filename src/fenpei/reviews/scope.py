"""Which teams a review covers, and the period as database moments.

A review is for managers: a manager reviews one of their teams or all of them, an admin
any team or the whole company. Another team is not forbidden but absent (Team.DoesNotExist,
a 404), as everywhere else a manager asks for something that is not theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from fenpei.teams.access import Viewer, teams_visible_to


@dataclass(frozen=True, slots=True)
class Scope:
    #: the teams covered; None: the whole company (an admin with no team chosen)
    team_ids: frozenset[int] | None
    #: (id, name) of the teams covered, by name
    teams: tuple[tuple[int, str], ...]
    #: the team chosen, None for "all my teams"
    team_id: int | None

    @property
    def company(self) -> bool:
        return self.team_ids is None

    def filter(self, *fields: str) -> Q:
        """Rows whose team, through any of `fields`, is covered (every row for the company)."""
        if self.team_ids is None:
            return Q()
        ids = sorted(self.team_ids)
        which = Q(pk__in=[])
        for name in fields:
            which |= Q(**{f"{name}__in": ids})
        return which


def review_scope(viewer: Viewer, team_id: int | None) -> Scope:
    """The scope of a review by `viewer`: PermissionDenied for anyone but managers and
    admins, Team.DoesNotExist for a team that is not theirs."""
    if not viewer.can_manage:
        raise PermissionDenied
    visible = teams_visible_to(viewer)
    if team_id is not None:
        team = visible.get(pk=team_id)
        return Scope(frozenset({team.pk}), ((team.pk, team.name),), team.pk)
    teams = tuple(visible.order_by("name").values_list("pk", "name"))
    if viewer.is_admin:
        return Scope(None, teams, None)
    return Scope(frozenset(pk for pk, _name in teams), teams, None)


@dataclass(frozen=True, slots=True)
class Window:
    """The period's days and the moments that bound it: [since, until), local time,
    `until` never later than `now` (a period still running is reviewed so far)."""

    start: date
    end: date  # last day, included
    since: datetime
    until: datetime
    now: datetime

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def window_of(start: date, end: date, now: datetime | None = None) -> Window:
    if end < start:
        raise ValueError("the period ends before it starts")
    now = now or timezone.now()
    until = min(_midnight(end + timedelta(days=1)), max(now, _midnight(start)))
    return Window(start, end, _midnight(start), until, now)
