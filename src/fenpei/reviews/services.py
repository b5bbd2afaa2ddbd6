"""Writes of the review app: schedules, and making and sending a scheduled report.

Sending: the managers concerned get an inbox item linking to the page for that period,
and the team's group robots (with the company-wide ones, as for every team message) a
short text. A report of all of a manager's teams goes to the inbox only: one team's chat
must not read another team's figures. Text is in the site's default language (zh-hans):
it is read later, by others, like the other notifications.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fenpei.notifications.dispatch import webhooks_broadcast
from fenpei.notifications.models import NotificationKind
from fenpei.notifications.services import notify_users
from fenpei.reviews.models import Frequency, ReviewReport, ReviewSchedule
from fenpei.reviews.periods import Period
from fenpei.reviews.selectors import review_build
from fenpei.reviews.summary import review_summary, summary_text
from fenpei.teams.access import ADMIN, Viewer, viewer_of
from fenpei.teams.models import Team

#: the kind of message a review is, for the inbox and the robots' event filter
REVIEW_KIND = NotificationKind.REVIEW
#: a scheduled report is made by the system, for its scope: it reads as an admin would
SYSTEM = Viewer(None, ADMIN, None, frozenset())


@transaction.atomic
def schedule_set(viewer: Viewer, team_id: int | None, frequency: str) -> ReviewSchedule:
    """Set how often the team's report (None: all the viewer's teams) is made."""
    if not viewer.can_manage or viewer.user_id is None:
        raise PermissionDenied
    if frequency not in Frequency.values:
        raise ValueError(frequency)
    if team_id is not None and not (viewer.is_admin or team_id in viewer.team_ids):
        raise Team.DoesNotExist
    if team_id is not None:
        team = Team.objects.get(pk=team_id)
        schedule, _made = ReviewSchedule.objects.select_for_update().get_or_create(
            team=team, defaults={"owner_id": viewer.user_id}
        )
    else:
        schedule, _made = ReviewSchedule.objects.select_for_update().get_or_create(
            team=None, owner_id=viewer.user_id
        )
    schedule.frequency = frequency
    schedule.owner_id = viewer.user_id
    schedule.save()
    return schedule


def page_url(team_id: int | None, period: Period) -> str:
    query = {"period": period.kind, "start": period.start.isoformat()}
    if team_id is not None:
        query["team"] = str(team_id)
    return f"{reverse('reviews:page')}?{urlencode(query)}"


def _viewer_of_report(report: ReviewReport) -> Viewer:
    if report.team_id is not None:
        return SYSTEM
    if report.owner_id is None:
        return viewer_of(None)
    return viewer_of(get_user_model().objects.filter(pk=report.owner_id).first())


def _recipients(report: ReviewReport) -> list[int]:
    if report.team_id is not None:
        manager = Team.objects.filter(pk=report.team_id).values_list("manager_id", flat=True)
        return [m for m in manager if m is not None]
    return [report.owner_id] if report.owner_id is not None else []


def report_send(report_id: int) -> bool:
    """Make the report's review, store its summary, notify the managers and the robots.
    False if it was sent already (a task run twice sends once)."""
    report = ReviewReport.objects.get(pk=report_id)
    if report.sent_at is not None:
        return False
    viewer = _viewer_of_report(report)
    if not viewer.can_manage:  # its owner manages no team any more: nothing to report
        ReviewReport.objects.filter(pk=report_id).update(
            sent_at=timezone.now(), summary={"skipped": "owner no longer a manager"}
        )
        return False
    period = Period(report.period_kind, report.period_start, report.period_end)
    with translation.override(settings.LANGUAGE_CODE):
        # built before the lock: the rebalance solves take a moment, and a second run
        # racing this one only wastes its reading
        review = review_build(viewer, report.team_id, period.start, period.end)
        summary = review_summary(review)
        teams = "、".join(summary["teams"]) or _("all teams")
        title = _("Review report %(period)s · %(teams)s") % {"period": period.name, "teams": teams}
        text = summary_text(summary)
        with transaction.atomic():
            report = ReviewReport.objects.select_for_update().get(pk=report_id)
            if report.sent_at is not None:
                return False
            url = page_url(report.team_id, period)
            notify_users(_recipients(report), REVIEW_KIND, title, text, url)
            if report.team_id is not None or viewer.is_admin:
                team_ids = [report.team_id] if report.team_id is not None else []
                webhooks_broadcast(REVIEW_KIND, title, text, team_ids)
            report.summary = summary
            report.sent_at = timezone.now()
            report.save(update_fields=["summary", "sent_at"])
    return True


def report_make(team_id: int, period: Period) -> tuple[ReviewReport, bool]:
    """Make (once) and send a team's report of a period by hand (`fenpei review --send`).
    Returns the report and whether it was sent now."""
    try:
        with transaction.atomic():
            report = ReviewReport.objects.create(
                team_id=team_id,
                period_kind=period.kind,
                period=period.name,
                period_start=period.start,
                period_end=period.end,
            )
    except IntegrityError:
        report = ReviewReport.objects.get(
            team_id=team_id, period_kind=period.kind, period_start=period.start
        )
    return report, report_send(report.pk)
