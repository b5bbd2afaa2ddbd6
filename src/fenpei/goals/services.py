"""Writes for goals and feedback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fenpei.goals.models import Feedback, Goal, Metric, PeriodKind
from fenpei.goals.selectors import period_start_of
from fenpei.notifications.services import notify_users
from fenpei.teams.access import Viewer, reps_visible_to, teams_visible_to
from fenpei.teams.models import Rep

FEEDBACK_MAX = 1000
#: what fits the column (16 digits, 2 of them decimals)
TARGET_LIMIT = Decimal(10) ** 14


def _check_period(kind: str, start: dt.date) -> None:
    if kind not in PeriodKind.values:
        raise ValidationError({"period": _("Unknown period.")})
    if period_start_of(kind, start) != start:
        raise ValidationError({"period_start": _("The period must start on its first day.")})


def goals_set(
    viewer: Viewer,
    kind: str,
    start: dt.date,
    *,
    rep_targets: Mapping[tuple[int, str], Decimal | None],
    team_targets: Mapping[tuple[int, str], Decimal | None] | None = None,
) -> int:
    """Set the targets of a period for reps and teams the manager may manage, all at
    once; a target of None removes the goal. Returns how many goals exist or were removed
    after the save. Anything outside the manager's teams is a PermissionDenied."""
    if not viewer.can_manage:
        raise PermissionDenied
    _check_period(kind, start)
    team_targets = team_targets or {}
    for (_id, metric), target in (*rep_targets.items(), *team_targets.items()):
        if metric not in Metric.values:
            raise ValidationError({"metric": _("Unknown metric.")})
        if target is not None and target < 0:
            raise ValidationError({"target": _("A target cannot be negative.")})
        if target is not None and target >= TARGET_LIMIT:
            raise ValidationError({"target": _("This target is too large.")})
    rep_ids = {rid for rid, _m in rep_targets}
    team_ids = {tid for tid, _m in team_targets}
    if len(reps_visible_to(viewer).filter(pk__in=rep_ids)) != len(rep_ids):
        raise PermissionDenied
    if teams_visible_to(viewer).filter(pk__in=team_ids).count() != len(team_ids):
        raise PermissionDenied
    changed = 0
    with transaction.atomic():
        for (rid, metric), target in sorted(rep_targets.items()):
            changed += _goal_put(viewer, kind, start, metric, target, rep_id=rid)
        for (tid, metric), target in sorted(team_targets.items()):
            changed += _goal_put(viewer, kind, start, metric, target, team_id=tid)
    return changed


def _goal_put(
    viewer: Viewer,
    kind: str,
    start: dt.date,
    metric: str,
    target: Decimal | None,
    *,
    rep_id: int | None = None,
    team_id: int | None = None,
) -> int:
    owner = Q(rep_id=rep_id) if rep_id is not None else Q(team_id=team_id)
    goals = Goal.objects.filter(owner, period=kind, period_start=start, metric=metric)
    if target is None:
        deleted, _d = goals.delete()
        return deleted
    if not goals.update(target=target, set_by_id=viewer.user_id, updated_at=timezone.now()):
        Goal.objects.create(
            rep_id=rep_id,
            team_id=team_id,
            period=kind,
            period_start=start,
            metric=metric,
            target=target,
            set_by_id=viewer.user_id,
        )
    return 1


def feedback_give(viewer: Viewer, rep: Rep, text: str) -> Feedback:
    """A manager's note to a rep of their team; the rep is told in their inbox."""
    if not viewer.can_manage or not reps_visible_to(viewer).filter(pk=rep.pk).exists():
        raise PermissionDenied
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the feedback.")})
    if len(text) > FEEDBACK_MAX:
        raise ValidationError({"text": _("Feedback is at most 1000 characters.")})
    with transaction.atomic():
        note = Feedback.objects.create(rep=rep, author_id=viewer.user_id, text=text)
        notify_users(
            [rep.user_id],
            "feedback",
            _("New feedback from your manager"),
            text[:200],
            reverse("customers:mine"),
        )
    return note


def feedback_acknowledge(viewer: Viewer, note: Feedback) -> Feedback:
    """The rep confirms they read a note; only its rep may, once (repeats are no-ops)."""
    if viewer.rep_id is None or note.rep_id != viewer.rep_id:
        raise PermissionDenied
    if note.acknowledged_at is None:
        Feedback.objects.filter(pk=note.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now()
        )
        note.refresh_from_db(fields=["acknowledged_at"])
    return note
