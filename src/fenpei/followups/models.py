"""Follow-ups (跟进记录) and deals (成交 / 丢单): the log of what happened with a customer.

Both are append-only: nobody edits or deletes an entry, in the app, the API or the admin.
A mistake is corrected by a new entry (the latest follow-up by contact time is the one the
customer shows), and a manager corrects a customer's deal history on its edit page. That
keeps the log trustworthy for the reclaim rules and for appeals, which argue from it.

What the customer shows (last follow-up, next step, deal history, stage) is cached on
`Customer` by the services in the same transaction, so the table, the overdue list and the
reclaim rules read one row instead of this log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fenpei.customers.models import Customer
from fenpei.teams.models import Rep


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email message")
    OTHER = "other", _("Other channel")


class FollowUp(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="followups", verbose_name=_("customer")
    )
    #: who logged it; the rep record too, so a rep's work stays theirs after a handover
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logged by"),
    )
    rep = models.ForeignKey(
        Rep,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
        verbose_name=_("rep"),
    )
    contact_at = models.DateTimeField(_("contact time"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    note = models.TextField(_("what was said"), max_length=2000)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)

    class Meta:
        ordering = ["-contact_at", "-id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["customer", "-contact_at"])]

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.contact_at:%Y-%m-%d %H:%M}"


class DealResult(models.TextChoices):
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Deal(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="deals", verbose_name=_("customer")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    rep = models.ForeignKey(
        Rep,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
        verbose_name=_("rep"),
    )
    result = models.CharField(_("result"), max_length=4, choices=DealResult.choices)
    #: won: added to the customer's deal amount; lost: the size of the deal that got away
    amount = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2, default=0)
    closed_on = models.DateField(_("closed on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-closed_on", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals won and lost")
        indexes = [models.Index(fields=["customer", "-closed_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.result} {self.closed_on}"
