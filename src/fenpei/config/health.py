"""Liveness probe for load balancers and process supervisors."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe


# Deliberately touches no database: a probe that fails whenever PostgreSQL is slow
# would make the orchestrator restart healthy web processes.
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
