"""The log in the admin: readable, never changed there (it is append-only, and the
customer's cached fields are kept by the services, not by the admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fenpei.followups.models import Deal, FollowUp


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FollowUp)
class FollowUpAdmin(_ReadOnly, admin.ModelAdmin[FollowUp]):
    list_display = ("customer", "contact_at", "channel", "rep", "next_step", "next_step_due")
    list_filter = ("channel",)
    search_fields = ("customer__name", "customer__key", "note")
    list_select_related = ("customer", "rep")
    date_hierarchy = "contact_at"


@admin.register(Deal)
class DealAdmin(_ReadOnly, admin.ModelAdmin[Deal]):
    list_display = ("customer", "closed_on", "result", "amount", "rep")
    list_filter = ("result",)
    search_fields = ("customer__name", "customer__key", "note")
    list_select_related = ("customer", "rep")
    date_hierarchy = "closed_on"
