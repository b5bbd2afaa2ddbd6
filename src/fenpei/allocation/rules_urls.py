from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.allocation import rules_views

app_name = "rules"

urlpatterns: list[URLPattern] = [
    path("rules/", rules_views.rules_page, name="page"),
    path("customers/<int:pk>/why/", rules_views.why_page, name="why"),
]
