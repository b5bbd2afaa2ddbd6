"""Appeals (申诉): a rep disputes an assignment and a manager decides.

An `Appeal` is either a hand-back (退回: "this customer should not be mine") or a claim
("this customer should be mine", e.g. an earlier contact). Its `team` is fixed when it is
opened — the team whose manager decides — so the queue is a plain filter and a later
change of the customer's team does not move the appeal to someone else's desk.
Every step is an `AppealEvent`; the events are never edited, only added.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fenpei.customers.models import Customer
from fenpei.teams.models import Rep, Team

#: the largest attachment kept (in the database, like an import's workbook)
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024


class AppealKind(models.TextChoices):
    HAND_BACK = "hand_back", _("hand back")
    CLAIM = "claim", _("claim")


class AppealStatus(models.TextChoices):
    OPEN = "open", _("open")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Appeal(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("customer")
    )
    #: the appellant
    rep = models.ForeignKey(
        Rep, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("rep")
    )
    #: the team whose manager decides
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AppealKind.choices)
    reason = models.TextField(_("reason"), max_length=2000)
    #: the owner when the appeal was opened (None: the pool)
    owner_at_open = models.ForeignKey(
        Rep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attachment_name = models.CharField(_("attachment"), max_length=200, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    attachment_data = models.BinaryField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN
    )
    #: the rep the customer went to on approval (None with approval: the pool)
    target = models.ForeignKey(
        Rep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            # One open appeal per rep and customer, whatever arrives at once.
            models.UniqueConstraint(
                fields=["customer", "rep"],
                condition=Q(status="open"),
                name="one_open_appeal_per_rep",
            ),
        ]
        indexes = [models.Index(fields=["team", "status", "created_at"], name="appeal_queue")]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == AppealStatus.OPEN


class AppealEventKind(models.TextChoices):
    OPENED = "opened", _("opened")
    COMMENTED = "commented", _("commented")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class AppealEvent(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("step"), max_length=10, choices=AppealEventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.kind}"
