"""Goals (目标) per rep or team per month or quarter, and feedback notes (反馈) from a
manager to a rep.

Progress is never stored: the selectors compute it from deals, assignments and
follow-ups, so a goal can't drift from the log it measures. Feedback is append-only (no
edit or delete), like the follow-up log: what a manager said stays on the record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fenpei.teams.models import Rep, Team


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class Metric(models.TextChoices):
    WON_AMOUNT = "won_amount", _("Won amount")
    NEW_CUSTOMERS = "new_customers", _("New customers")
    FOLLOWUPS = "followups", _("Follow-ups logged")


class Goal(models.Model):
    #: exactly one of rep / team: a rep's goal or the team's goal
    rep = models.ForeignKey(
        Rep,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="goals",
        verbose_name=_("rep"),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="goals",
        verbose_name=_("team"),
    )
    period = models.CharField(_("period"), max_length=7, choices=PeriodKind.choices)
    #: first day of the month or quarter
    period_start = models.DateField(_("period start"))
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("set by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["period_start", "metric", "id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=(Q(rep__isnull=False) & Q(team__isnull=True))
                | (Q(rep__isnull=True) & Q(team__isnull=False)),
                name="goal_rep_xor_team",
            ),
            models.CheckConstraint(condition=Q(target__gte=0), name="goal_target_not_negative"),
            models.UniqueConstraint(
                fields=["rep", "period", "period_start", "metric"],
                condition=Q(rep__isnull=False),
                name="one_goal_per_rep_period_metric",
            ),
            models.UniqueConstraint(
                fields=["team", "period", "period_start", "metric"],
                condition=Q(team__isnull=False),
                name="one_goal_per_team_period_metric",
            ),
        ]

    def __str__(self) -> str:
        who = f"rep {self.rep_id}" if self.rep_id else f"team {self.team_id}"
        return f"{who} {self.period} {self.period_start} {self.metric}={self.target}"


class Feedback(models.Model):
    rep = models.ForeignKey(
        Rep, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("rep")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("written by"),
    )
    text = models.TextField(_("feedback"), max_length=1000)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feedback note")
        verbose_name_plural = _("feedback notes")

    def __str__(self) -> str:
        return f"feedback {self.pk} to rep {self.rep_id}"
