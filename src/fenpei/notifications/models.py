"""The inbox (站内通知) and the group-robot webhooks (企业微信 / 钉钉 / 飞书) with their
delivery log.

A notification's title and body are stored as text in the language they were written in
(the site's default, zh-hans, for those made by the system): an inbox keeps what was
said at the time, like a mail box, rather than re-rendering old events under new rules.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fenpei.teams.models import Team


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("new customers assigned")
    UNASSIGNED = "unassigned", _("customers taken off")
    HANDOVER = "handover", _("handover")
    RECLAIMED = "reclaimed", _("reclaimed to pool")
    RECLAIM_WARNING = "reclaim_warning", _("reclaim warning")
    APPEAL = "appeal", _("appeal")
    REVIEW = "review", _("review report")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    # Not limited to the choices: other apps may add kinds without a migration here.
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The inbox page, newest first, and the nav's unread count (read_at IS NULL).
            models.Index(fields=["recipient", "-created", "-id"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        try:
            return str(NotificationKind(self.kind).label)
        except ValueError:
            return self.kind


class WebhookKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk custom robot")
    FEISHU = "feishu", _("Feishu/Lark custom bot")


class WebhookChannel(models.Model):
    """A group chat's robot. A team's channel hears about that team's customers; one
    with no team hears about the whole company."""

    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_channels",
        verbose_name=_("team"),
        help_text=_("Empty: the whole company."),
    )
    kind = models.CharField(_("robot"), max_length=10, choices=WebhookKind.choices)
    url = models.URLField(_("webhook URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk 加签 or Feishu signature secret; empty if not enabled."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    #: NotificationKind values sent to this chat; empty: all of them
    event_kinds = models.JSONField(_("events"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook channel")
        verbose_name_plural = _("webhook channels")

    def __str__(self) -> str:
        return self.name

    def hears(self, kind: str) -> bool:
        return self.enabled and (not self.event_kinds or kind in self.event_kinds)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RETRYING = "retrying", _("retrying")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One message to one channel, with every attempt's outcome. `payload` is the vendor
    body without its signature: the timestamp and sign are made at each attempt, since
    the vendors refuse a timestamp older than an hour."""

    channel = models.ForeignKey(
        WebhookChannel,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("channel"),
    )
    event_kind = models.CharField(_("event"), max_length=30)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_code = models.IntegerField(_("response code"), null=True, blank=True)
    response_body = models.CharField(_("response"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_retry_at = models.DateTimeField(_("next retry"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["channel", "-created_at"], name="delivery_channel")]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.event_kind} {self.status}"
