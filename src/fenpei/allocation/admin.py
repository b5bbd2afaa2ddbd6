from __future__ import annotations

from django.contrib import admin

from fenpei.allocation.models import Assignment, PolicyVersion, Run


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin[PolicyVersion]):
    list_display = ("number", "is_active", "note", "created_by", "created_at")
    # Versions are history: a new one is made by the policy editor, never edited in place.
    readonly_fields = ("number", "toml", "is_active", "created_by")


@admin.register(Run)
class RunAdmin(admin.ModelAdmin[Run]):
    list_display = ("pk", "status", "scope", "team", "created_by", "created_at")
    list_filter = ("status", "scope")
    readonly_fields = ("summary", "loads", "selection", "error")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin[Assignment]):
    list_display = ("customer", "rep", "source", "run", "started_at", "ended_at")
    list_filter = ("source",)
    raw_id_fields = ("customer", "rep", "run")
    readonly_fields = ("reasons",)

    def has_add_permission(self, request: object) -> bool:
        return False  # only the services start an assignment

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
