from __future__ import annotations

from django.contrib import admin

from fenpei.pool.models import PoolEvent, ReclaimSweep


@admin.register(PoolEvent)
class PoolEventAdmin(admin.ModelAdmin[PoolEvent]):
    list_display = ("at", "kind", "customer", "rep", "user", "reason")
    list_filter = ("kind", "rule")
    search_fields = ("customer__name", "customer__key", "rep__name", "reason")
    raw_id_fields = ("customer", "rep", "team", "user")
    date_hierarchy = "at"


@admin.register(ReclaimSweep)
class ReclaimSweepAdmin(admin.ModelAdmin[ReclaimSweep]):
    list_display = ("day", "queued_at", "finished_at", "reclaimed")
