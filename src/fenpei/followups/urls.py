from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.followups import views

app_name = "followups"

urlpatterns: list[URLPattern] = [
    path("customers/<int:pk>/followups/", views.followup_create, name="log"),
    path("customers/<int:pk>/deals/", views.deal_create, name="deal"),
    path("followups/", views.due, name="due"),
]
