"""Scheduled review reports (定期审核): who gets one how often, and each one made.

A `ReviewSchedule` is for one team (its manager gets the report) or, with no team, for
all the teams of the user who set it (a manager's teams, or the whole company for an
admin). A `ReviewReport` is one report made for one scope and period; its unique scope and
period are what keep several schedulers (processes, machines) from making and sending
the same report twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fenpei.teams.models import Team


class Frequency(models.TextChoices):
    OFF = "off", _("Off")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class ReviewSchedule(models.Model):
    #: empty: every team of `owner` (a manager's teams; the whole company for an admin)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="review_schedules",
        verbose_name=_("team"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("set by"),
    )
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.OFF
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["team__name", "id"]
        verbose_name = _("review schedule")
        verbose_name_plural = _("review schedules")
        constraints = [
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(team__isnull=False),
                name="one_review_schedule_per_team",
            ),
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(team__isnull=True),
                name="one_all_teams_review_schedule_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id or 'all'} {self.frequency}"


class ReviewReport(models.Model):
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="review_reports",
        verbose_name=_("team"),
    )
    #: with no team: whose teams the report covers
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("manager"),
    )
    period_kind = models.CharField(_("kind"), max_length=10)
    #: "2026-11", "2026-Q4", "2026-W47"
    period = models.CharField(_("period"), max_length=10)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    #: the headline figures, as sent (the page recomputes the full review from the log)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "period_kind", "period_start"],
                condition=Q(team__isnull=False),
                name="one_review_report_per_team_period",
            ),
            models.UniqueConstraint(
                fields=["owner", "period_kind", "period_start"],
                condition=Q(team__isnull=True),
                name="one_all_teams_review_report_per_user_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.team_id or 'all'}"
