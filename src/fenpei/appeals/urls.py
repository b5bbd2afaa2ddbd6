from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.appeals import views

app_name = "appeals"

urlpatterns: list[URLPattern] = [
    path("appeals/", views.queue, name="queue"),
    path("appeals/mine/", views.mine, name="mine"),
    path("appeals/new/", views.appeal_new, name="new"),
    path("appeals/<int:pk>/", views.detail, name="detail"),
    path("appeals/<int:pk>/attachment/", views.attachment, name="attachment"),
    path("appeals/<int:pk>/approve/", views.approve, name="approve"),
    path("appeals/<int:pk>/reject/", views.reject, name="reject"),
    path("appeals/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("appeals/<int:pk>/comment/", views.comment, name="comment"),
]
