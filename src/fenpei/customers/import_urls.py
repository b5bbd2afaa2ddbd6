from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.customers import import_views

app_name = "imports"

urlpatterns: list[URLPattern] = [
    path("imports/", import_views.upload, name="upload"),
    path("imports/<int:pk>/", import_views.preview, name="preview"),
    path("imports/<int:pk>/confirm/", import_views.confirm, name="confirm"),
    path("imports/<int:pk>/discard/", import_views.discard, name="discard"),
    path("imports/<int:pk>/errors.xlsx", import_views.errors, name="errors"),
]
