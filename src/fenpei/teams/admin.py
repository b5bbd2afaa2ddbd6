from __future__ import annotations

from django.contrib import admin

from fenpei.teams.models import Rep, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("name", "region", "manager", "created_at")
    search_fields = ("name", "region")


@admin.register(Rep)
class RepAdmin(admin.ModelAdmin[Rep]):
    list_display = ("key", "name", "team", "level", "capacity", "status", "user")
    list_filter = ("team", "level", "status")
    search_fields = ("key", "name")
    raw_id_fields = ("user",)
