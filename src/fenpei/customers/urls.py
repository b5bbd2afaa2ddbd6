from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.customers import views

app_name = "customers"

urlpatterns: list[URLPattern] = [
    path("customers/", views.table, name="table"),
    path("mine/", views.mine, name="mine"),
]
