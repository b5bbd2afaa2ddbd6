from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.customers import conflict_views

app_name = "conflicts"

urlpatterns: list[URLPattern] = [
    path("customers/conflicts/", conflict_views.conflicts, name="list"),
    path("customers/conflicts/merge/", conflict_views.merge, name="merge"),
]
