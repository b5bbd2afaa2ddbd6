from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.goals import views

app_name = "goals"

urlpatterns: list[URLPattern] = [
    path("goals/", views.page, name="page"),
    path("goals/reps/<int:rep_pk>/feedback/", views.feedback_create, name="feedback"),
    path("goals/feedback/<int:pk>/ack/", views.feedback_ack, name="ack"),
]
