from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.customers import import_views

app_name = "imports"

urlpatterns: list[URLPattern] = [
    path("imports/", import_views.upload, name="upload"),
]
