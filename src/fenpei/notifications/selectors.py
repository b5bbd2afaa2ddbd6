"""Reads: a user's own inbox (nobody reads another's), the webhook channels a viewer
manages and their delivery log."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fenpei.notifications.models import Notification, WebhookChannel, WebhookDelivery
from fenpei.teams.access import Viewer


def notifications_of(user_id: int, *, unread_only: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(recipient_id=user_id)
    return rows.filter(read_at__isnull=True) if unread_only else rows


def unread_count(user_id: int) -> int:
    """One COUNT on the partial index of unread items (the nav shows it on every page)."""
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def channels_visible_to(viewer: Viewer) -> QuerySet[WebhookChannel]:
    """Admins: every channel; managers: their teams' (company-wide ones are the admin's)."""
    channels = WebhookChannel.objects.select_related("team")
    if viewer.is_admin:
        return channels
    if viewer.is_manager:
        return channels.filter(team_id__in=viewer.team_ids)
    return channels.none()


def deliveries_visible_to(viewer: Viewer) -> QuerySet[WebhookDelivery]:
    channels = channels_visible_to(viewer).values("pk")
    return WebhookDelivery.objects.filter(Q(channel_id__in=channels)).select_related(
        "channel", "channel__team"
    )
