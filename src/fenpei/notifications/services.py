"""Writes of notifications: the inbox (`notify_users`, marking read), webhook channels,
and one delivery attempt of a group-robot message with its backoff."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from fenpei.notifications import webhooks
from fenpei.notifications.models import (
    DeliveryStatus,
    Notification,
    WebhookChannel,
    WebhookDelivery,
)
from fenpei.teams.access import Viewer

#: Attempts of one delivery before it is marked failed.
MAX_ATTEMPTS = 5
#: Seconds before the first retry; each later one waits twice as long (1, 2, 4, 8 min).
RETRY_BASE_SECONDS = 60


def notify_users(
    user_ids: Iterable[int | None], kind: str, title: str, body: str = "", url: str = ""
) -> int:
    """Put one inbox item in the inbox of each user (one INSERT for all). Nones and
    repeats are skipped, so callers may pass reps' `user_id`s as they are. Returns how many
    were made."""
    recipients = sorted({uid for uid in user_ids if uid is not None})
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=uid, kind=kind, title=title[:200], body=body, url=url[:500], created=now
        )
        for uid in recipients
    ]
    Notification.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def notification_mark_read(user_id: int, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read; another's is DoesNotExist (404)."""
    notification = Notification.objects.get(pk=notification_id, recipient_id=user_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# ---------------------------------------------------------------------- channels


def _check_team(viewer: Viewer, team_id: int | None) -> None:
    """Admins manage every channel; a manager only their own teams' (not company-wide)."""
    if viewer.is_admin:
        return
    if not viewer.can_manage or team_id is None or team_id not in viewer.team_ids:
        raise PermissionDenied


def webhook_channel_save(viewer: Viewer, channel: WebhookChannel) -> WebhookChannel:
    """Create or update a channel the viewer may manage."""
    _check_team(viewer, channel.team_id)
    if channel.pk is not None:
        before = WebhookChannel.objects.get(pk=channel.pk)
        _check_team(viewer, before.team_id)
    elif viewer.user_id is not None:
        channel.created_by_id = viewer.user_id
    channel.full_clean()
    channel.save()
    return channel


def webhook_channel_delete(viewer: Viewer, channel: WebhookChannel) -> None:
    _check_team(viewer, channel.team_id)
    channel.delete()


# -------------------------------------------------------------------- deliveries


def deliveries_create(
    channels: Iterable[WebhookChannel], event_kind: str, title: str, text: str
) -> list[int]:
    """One pending delivery per channel, in the vendor's format; their ids."""
    rows = [
        WebhookDelivery(
            channel=channel,
            event_kind=event_kind,
            payload=webhooks.message_body(channel.kind, title, text),
        )
        for channel in channels
    ]
    return [d.pk for d in WebhookDelivery.objects.bulk_create(rows)]


@dataclass(frozen=True, slots=True)
class Attempt:
    status: str
    retry_at: datetime | None  # when to try again; None: done (sent or failed for good)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failed attempt."""
    return timedelta(seconds=RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def delivery_attempt(
    delivery_id: int, *, now: datetime | None = None, timeout: float = webhooks.TIMEOUT
) -> Attempt:
    """Send a delivery once, outside any transaction (the HTTP call holds no lock), and
    log the outcome. A delivery already sent or given up is left alone."""
    delivery = WebhookDelivery.objects.select_related("channel").get(pk=delivery_id)
    if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED):
        return Attempt(delivery.status, None)
    channel = delivery.channel
    now = now or timezone.now()
    if not channel.enabled:
        delivery.status = DeliveryStatus.FAILED
        delivery.error = "channel disabled"
        delivery.next_retry_at = None
        delivery.save(update_fields=["status", "error", "next_retry_at"])
        return Attempt(delivery.status, None)
    request = webhooks.signed_request(
        channel.kind, channel.url, channel.secret, delivery.payload, int(time.time() * 1000)
    )
    result = webhooks.post(channel.kind, request, timeout=timeout)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = result.status
    delivery.response_body = result.body if result.status is not None else ""
    delivery.error = "" if result.status is not None else result.body
    retry_at = None
    if result.ok:
        delivery.status = DeliveryStatus.SENT
    elif result.retry and delivery.attempts < MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.RETRYING
        retry_at = now + retry_delay(delivery.attempts)
    else:
        delivery.status = DeliveryStatus.FAILED
    delivery.next_retry_at = retry_at
    with transaction.atomic():
        delivery.save(
            update_fields=[
                "attempts",
                "last_attempt_at",
                "response_code",
                "response_body",
                "error",
                "status",
                "next_retry_at",
            ]
        )
    return Attempt(delivery.status, retry_at)
