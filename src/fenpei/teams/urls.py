from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.teams import views

app_name = "teams"

urlpatterns: list[URLPattern] = [
    path("reps/", views.reps, name="reps"),
]
