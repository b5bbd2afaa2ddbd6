from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.audit import views

app_name = "audit"

urlpatterns: list[URLPattern] = [
    path("audit/", views.audit_page, name="page"),
    path("audit/export/", views.audit_export, name="export"),
]
