"""The global audit trail page (审计记录) and its export. Managers see their teams',
admins everything; reps and outsiders get 403 (a rep sees a customer's trail on the
customer's page)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from fenpei.audit.export import events_xlsx
from fenpei.audit.models import AuditKind, AuditSource
from fenpei.audit.selectors import AuditFilters, events_filtered
from fenpei.teams.access import manager_of, reps_visible_to

PAGE_SIZE = 50
EXPORT_MAX = 200_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_safe
def audit_page(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    filters = AuditFilters.of(request.GET)
    events = events_filtered(viewer, filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "filters": filters,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": query.urlencode(),
        "kinds": AuditKind.choices,
        "sources": AuditSource.choices,
        "reps": reps_visible_to(viewer).order_by("key"),
    }
    return render(request, "audit/audit.html", context)


@login_required
@require_safe
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered trail (every page) as .xlsx."""
    viewer = manager_of(request.user)
    events = events_filtered(viewer, AuditFilters.of(request.GET))[:EXPORT_MAX]
    response = HttpResponse(events_xlsx(events.iterator(chunk_size=2000)), content_type=XLSX)
    name = f"audit-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
