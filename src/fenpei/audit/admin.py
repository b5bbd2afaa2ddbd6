from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fenpei.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the trail is append-only for everyone, superusers included."""

    list_display = (
        "at",
        "kind",
        "source",
        "customer_key",
        "customer_name",
        "from_rep_name",
        "to_rep_name",
        "actor_name",
        "reason",
    )
    list_filter = ("kind", "source")
    search_fields = ("customer_key", "customer_name", "from_rep_name", "to_rep_name", "reason")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
