"""/account/: the signed-in user's own settings (API tokens)."""

from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.api import account_views

app_name = "account"

urlpatterns: list[URLPattern] = [
    path("tokens/", account_views.tokens, name="tokens"),
]
