from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from fenpei.config.health import health

urlpatterns: list[URLPattern | URLResolver] = [
    path("health/", health, name="health"),
]
