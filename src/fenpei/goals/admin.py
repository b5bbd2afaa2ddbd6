from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fenpei.goals.models import Feedback, Goal


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin[Goal]):
    list_display = ("rep", "team", "period", "period_start", "metric", "target", "set_by")
    list_filter = ("period", "metric")
    raw_id_fields = ("rep", "team", "set_by")


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin[Feedback]):
    """Read-only: feedback is append-only, like the follow-up log."""

    list_display = ("rep", "author", "created_at", "acknowledged_at")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
