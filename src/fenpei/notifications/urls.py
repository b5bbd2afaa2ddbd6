from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.notifications import views

app_name = "notifications"

urlpatterns: list[URLPattern] = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.mark_read, name="read"),
    path("inbox/read-all/", views.mark_all_read, name="read_all"),
    path("webhooks/", views.channels, name="channels"),
    path("webhooks/new/", views.channel_edit, name="channel_new"),
    path("webhooks/<int:pk>/", views.channel_edit, name="channel_edit"),
    path("webhooks/<int:pk>/delete/", views.channel_delete, name="channel_delete"),
    path("webhooks/<int:pk>/test/", views.channel_test, name="channel_test"),
]
