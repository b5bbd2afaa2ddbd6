from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.teams import views

app_name = "teams"

urlpatterns: list[URLPattern] = [
    path("reps/", views.reps, name="reps"),
    path("reps/new/", views.rep_new, name="rep_new"),
    path("reps/<int:pk>/", views.rep, name="rep"),
    path("reps/<int:pk>/edit/", views.rep_edit, name="rep_edit"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
]
