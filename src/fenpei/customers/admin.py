from __future__ import annotations

from django.contrib import admin

from fenpei.customers.models import Customer, ImportBatch


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin[Customer]):
    list_display = (
        "key",
        "name",
        "region",
        "city",
        "industry",
        "tier",
        "priority",
        "owner",
        "team",
    )
    list_filter = ("tier", "stage", "team", "region")
    search_fields = ("key", "name", "credit_code", "phone", "initials")
    # Ownership changes must go through the services (they keep the history and the
    # one-current-owner index consistent), so the owner is read-only here.
    readonly_fields = ("owner", "owned_since", "priority", "tier", "name_key", "initials")
    list_select_related = ("owner", "team")


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin[ImportBatch]):
    list_display = ("file_name", "status", "team", "created_by", "created_at")
    exclude = ("data",)
    readonly_fields = ("summary", "errors")
