"""/api/: the REST API (v1), its OpenAPI schema and the interactive docs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from fenpei.allocation import rules_views
from fenpei.api import views
from fenpei.appeals.api import AppealViewSet
from fenpei.audit.api import AuditViewSet
from fenpei.followups.api import DealViewSet, FollowUpViewSet
from fenpei.goals.api import FeedbackViewSet, GoalViewSet
from fenpei.notifications.api import NotificationViewSet
from fenpei.pool.api import PoolViewSet

app_name = "api"

router = DefaultRouter()
router.APIRootView = views.ApiRootView
# One representation (JSON): no /customers.json twins in the URLs or the schema.
router.include_format_suffixes = False
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("reps", views.RepViewSet, basename="rep")
router.register("teams", views.TeamViewSet, basename="team")
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("runs", views.RunViewSet, basename="run")
router.register("pool", PoolViewSet, basename="pool")
router.register("followups", FollowUpViewSet, basename="followup")
router.register("goals", GoalViewSet, basename="goal")
router.register("feedback", FeedbackViewSet, basename="feedback")
router.register("deals", DealViewSet, basename="deal")
router.register("appeals", AppealViewSet, basename="appeal")
router.register("audit", AuditViewSet, basename="audit")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/customers/<int:pk>/why/", rules_views.why_api, name="customer_why"),
    path("v1/", include(router.urls)),
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
        name="schema",
    ),
    # Swagger UI's files come from drf-spectacular-sidecar through staticfiles: no CDN.
    path(
        "docs/",
        login_required(views.DocsView.as_view(url_name="api:schema")),
        name="docs",
    ),
    # [\s\S], not ".": a path with a newline (%0A) is API too, and gets a JSON 404
    re_path(r"^[\s\S]*$", views.not_found),
]
