from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.customers import views

app_name = "customers"

urlpatterns: list[URLPattern] = [
    path("customers/", views.table, name="table"),
    path("customers/new/", views.new, name="new"),
    path("customers/bulk/", views.bulk, name="bulk"),
    path("customers/bulk/reps/", views.bulk_reps, name="bulk_reps"),
    path("customers/export.xlsx", views.export, name="export"),
    path("customers/<int:pk>/", views.detail, name="detail"),
    path("customers/<int:pk>/edit/", views.edit, name="edit"),
    path("customers/<int:pk>/reasons/", views.reasons, name="reasons"),
    path("mine/", views.mine, name="mine"),
]
