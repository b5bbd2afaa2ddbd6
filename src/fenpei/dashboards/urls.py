from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.dashboards import views

app_name = "dashboards"

urlpatterns: list[URLPattern] = [
    path("dashboards/", views.page, name="page"),
    path("dashboards/figures.xlsx", views.download, name="download"),
]
