"""Probes for load balancers and process supervisors.

``/health/``  liveness: the process answers. Touches no database, so a slow PostgreSQL
              never makes an orchestrator restart healthy web processes.
``/healthz``  readiness: the process answers *and* its database does (``SELECT 1``);
              503 names the part that failed, so a load balancer stops sending users
              to a process that could only show them errors.

Both answer without a login, so they say nothing beyond ok / unavailable: the
database's error goes to the log, not to whoever asks.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def database_check() -> bool:
    """True when the default database answers a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row = cursor.fetchone()
    except DatabaseError as exc:
        # One line, not a traceback: a load balancer asks every few seconds.
        logger.warning("health check: the database did not answer: %s", exc)
        return False
    return row is not None and row[0] == 1


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    database_ok = database_check()
    return JsonResponse(
        {"status": "ok" if database_ok else "unavailable", "database": _word(database_ok)},
        status=200 if database_ok else 503,
    )


def _word(ok: bool) -> str:
    return "ok" if ok else "unavailable"
