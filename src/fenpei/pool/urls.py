from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.pool import views

app_name = "pool"

urlpatterns: list[URLPattern] = [
    path("pool/", views.pool_page, name="page"),
    path("pool/<int:pk>/claim/", views.claim, name="claim"),
    path("pool/return/", views.return_to_pool, name="return"),
]
