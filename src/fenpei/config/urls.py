from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from django.views.i18n import set_language

from fenpei.config.health import health, healthz
from fenpei.web import views as web

urlpatterns: list[URLPattern | URLResolver] = [
    path("health/", health, name="health"),
    path("healthz", healthz, name="healthz"),
    path("", web.home, name="home"),
    path("help/", web.help_page, name="help"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("fenpei.customers.urls")),
    path("", include("fenpei.customers.import_urls")),
    path("", include("fenpei.customers.conflict_urls")),
    path("", include("fenpei.teams.urls")),
    path("", include("fenpei.allocation.urls")),
    path("", include("fenpei.allocation.rules_urls")),
    path("", include("fenpei.pool.urls")),
    path("", include("fenpei.followups.urls")),
    path("", include("fenpei.goals.urls")),
    path("", include("fenpei.appeals.urls")),
    path("", include("fenpei.audit.urls")),
    path("", include("fenpei.notifications.urls")),
    path("", include("fenpei.dashboards.urls")),
    path("", include("fenpei.reviews.urls")),
    path("api/", include("fenpei.api.urls")),
    path("account/", include("fenpei.api.account_urls")),
]
