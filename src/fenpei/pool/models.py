"""The public pool's log (公海记录): every claim, return and reclaim, and the daily sweeps.

Ownership itself lives in `Assignment` (a claim starts one with source "claim"; a return
or reclaim ends one). This log adds what the history cannot answer cheaply and exactly:
how many customers a rep claimed *today* (a count on an index, under the rep's row lock),
which pool a customer was claimed from (so the loser of a race may be told who won), and
why a customer went back (the manager's reason, or the reclaim rule and its days).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fenpei.customers.models import Customer
from fenpei.teams.models import Rep, Team


class PoolEventKind(models.TextChoices):
    CLAIM = "claim", _("claimed")
    RETURN = "return", _("returned by a manager")
    RECLAIM = "reclaim", _("reclaimed")


class ReclaimRule(models.TextChoices):
    NO_FOLLOWUP = "no_followup", _("no follow-up")
    NO_DEAL = "no_deal", _("no deal")


class PoolEvent(models.Model):
    kind = models.CharField(_("event"), max_length=10, choices=PoolEventKind.choices)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="pool_events", verbose_name=_("customer")
    )
    #: who claimed it (claim), or the owner it was taken from (return, reclaim)
    rep = models.ForeignKey(
        Rep, on_delete=models.PROTECT, related_name="pool_events", verbose_name=_("rep")
    )
    #: the pool it left (claim) or went to (return, reclaim); empty: the unrouted pool
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    rule = models.CharField(_("rule"), max_length=12, choices=ReclaimRule.choices, blank=True)
    #: idle days when reclaimed
    days = models.PositiveIntegerField(null=True, blank=True)
    at = models.DateTimeField(_("when"))
    #: the local day of `at`: claims per day are counted on it
    day = models.DateField()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("pool event")
        verbose_name_plural = _("pool events")
        indexes = [
            models.Index(fields=["rep", "kind", "day"]),
            models.Index(fields=["customer", "kind", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id} {self.rep_id}"


class ReclaimSweep(models.Model):
    """One row per day the reclaim ran (or was queued): the unique day is what keeps
    several schedulers (processes, machines) from queuing the same day twice."""

    day = models.DateField(_("day"), unique=True)
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    reclaimed = models.PositiveIntegerField(_("reclaimed"), default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("reclaim sweep")
        verbose_name_plural = _("reclaim sweeps")

    def __str__(self) -> str:
        return str(self.day)
