from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.allocation import policy_views, views

app_name = "allocation"

urlpatterns: list[URLPattern] = [
    path("runs/", views.runs, name="runs"),
    path("policy/", policy_views.policy, name="policy"),
]
