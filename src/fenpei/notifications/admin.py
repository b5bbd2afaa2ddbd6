from __future__ import annotations

from django.contrib import admin

from fenpei.notifications.models import Notification, WebhookChannel, WebhookDelivery


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ("title", "recipient", "kind", "created", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("recipient",)


@admin.register(WebhookChannel)
class WebhookChannelAdmin(admin.ModelAdmin[WebhookChannel]):
    list_display = ("name", "team", "kind", "enabled")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = ("channel", "event_kind", "status", "attempts", "response_code", "created_at")
    list_filter = ("status",)
