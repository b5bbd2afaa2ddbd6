"""Appeals in the admin: to look at only. Every step goes through the services, which
keep the trail; an edit here would leave no event behind."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fenpei.appeals.models import Appeal, AppealEvent


class AppealEventInline(admin.TabularInline[AppealEvent, Appeal]):
    model = AppealEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "user", "at", "note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin[Appeal]):
    list_display = ("id", "customer", "rep", "kind", "status", "created_at", "decided_at")
    list_filter = ("status", "kind")
    exclude = ("attachment_data",)
    inlines = (AppealEventInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
