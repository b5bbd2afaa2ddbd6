"""The audit trail (审计记录): an append-only log of owner changes, policy changes, imports
and merges.

An event copies what it names as text (customer number and name, reps' names) next to the
ids, so it still reads right after the customer is merged or deleted or a rep renamed.
Events are never changed or removed: `save()` refuses an update, `delete()` refuses, and
the migration adds database triggers that refuse UPDATE and DELETE on the table, so not
even a queryset `.update()`/`.delete()` or raw SQL from the app can rewrite history.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from fenpei.customers.models import Customer


class AuditKind(models.TextChoices):
    OWNER_CHANGE = "owner_change", _("owner change")
    POLICY_CHANGE = "policy_change", _("policy change")
    IMPORT = "import", _("import")
    MERGE = "merge", _("merge")


class AuditSource(models.TextChoices):
    RUN = "run", _("allocation run")
    MANUAL = "manual", _("manual")
    CLAIM = "claim", _("claimed from pool")
    RETURN = "return", _("returned to pool")
    RECLAIM = "reclaim", _("reclaimed to pool")
    HANDOVER = "handover", _("handover")
    APPEAL = "appeal", _("appeal")
    ROUTE = "route", _("routed on creation")
    OWN_LEAD = "own_lead", _("own lead")
    IMPORT = "import", _("import")
    MERGE = "merge", _("merge")
    POLICY = "policy", _("policy editor")


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """No bulk `update()` or `delete()` either (the database triggers refuse them too)."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")


class AuditEvent(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=AuditKind.choices)
    source = models.CharField(_("source"), max_length=20, choices=AuditSource.choices)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        # on delete (a merge, a removal) the event keeps the key and name it copied; the
        # triggers allow exactly this one UPDATE: customer_id to NULL, nothing else changed
        related_name="+",
        verbose_name=_("customer"),
        db_index=False,  # the (customer, at) index below serves it: one index less to write
    )
    customer_key = models.CharField(_("customer no."), max_length=64, blank=True)
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    from_rep_id = models.IntegerField(null=True, blank=True)
    from_rep_name = models.CharField(_("previous owner"), max_length=100, blank=True)
    to_rep_id = models.IntegerField(null=True, blank=True)
    to_rep_name = models.CharField(_("new owner"), max_length=100, blank=True)
    #: the teams the event concerns (the customer's or batch's, the old and new owner's):
    #: a manager sees the events of their teams
    team_id = models.IntegerField(null=True, blank=True)
    from_team_id = models.IntegerField(null=True, blank=True)
    to_team_id = models.IntegerField(null=True, blank=True)
    actor_id = models.IntegerField(null=True, blank=True)
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    run_id = models.IntegerField(null=True, blank=True)
    batch_id = models.IntegerField(null=True, blank=True)
    policy_version = models.IntegerField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["customer", "-at"], name="audit_customer_at"),
            models.Index(fields=["source", "-at"], name="audit_source_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_key} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")
