from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.reviews import views

app_name = "reviews"

urlpatterns: list[URLPattern] = [
    path("reviews/", views.page, name="page"),
    path("reviews/review.xlsx", views.export, name="export"),
    path("reviews/schedule/", views.schedule, name="schedule"),
]
