"""The dashboards page and its Excel download. Views parse the filters and call the
selectors; the figures and cards are built in `selectors` and `cards`.

Who sees what: an admin every team, a manager their own teams, a rep only their own
figures (the same cards, scoped to themselves, without team or rep filters); anyone
else gets 403 and an anonymous visitor the login page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from fenpei.dashboards.cards import Card, charts_json, dashboard_cards
from fenpei.dashboards.export import dashboard_xlsx
from fenpei.dashboards.forms import DashboardForm, Filters
from fenpei.dashboards.selectors import Dashboard, dashboard_figures, dashboard_scope
from fenpei.teams.access import Viewer, reps_visible_to, teams_visible_to, viewer_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _viewer(request: HttpRequest) -> Viewer:
    viewer = viewer_of(request.user)
    if not (viewer.can_manage or viewer.rep_id is not None):
        raise PermissionDenied
    return viewer


def _figures(request: HttpRequest, viewer: Viewer) -> tuple[DashboardForm, Filters, Dashboard]:
    teams = list(teams_visible_to(viewer).order_by("name")) if viewer.can_manage else []
    reps = list(reps_visible_to(viewer).order_by("team__name", "key")) if viewer.can_manage else []
    asked = DashboardForm(request.GET or None, teams=teams, reps=reps)
    filters = asked.filters(timezone.localdate())
    scope = dashboard_scope(viewer, filters.period, team_id=filters.team_id, rep_id=filters.rep_id)
    form = DashboardForm.showing(filters, teams=teams, reps=reps)
    return form, filters, dashboard_figures(scope, filters.period)


def _scope_text(viewer: Viewer, d: Dashboard, filters: Filters) -> str:
    if not viewer.can_manage:
        return _("My figures")
    names = [r.name for r in d.scope.reps]
    if len(names) == 1 and filters.rep_id is not None:
        return names[0]
    teams = sorted({r.team for r in d.scope.reps if r.team})
    return "、".join(teams) if teams else _("No reps")


def _cards(viewer: Viewer, d: Dashboard) -> list[Card]:
    cards = dashboard_cards(d, link_reps=viewer.can_manage)
    if not viewer.can_manage:
        # One rep's Gini and tier mix by level say nothing; their own numbers do.
        cards = [c for c in cards if c.key not in {"fairness", "tiers"}]
    return cards


@login_required
@require_safe
def page(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    form, filters, d = _figures(request, viewer)
    cards = _cards(viewer, d)
    context: dict[str, Any] = {
        "form": form,
        "filters": filters,
        "dashboard": d,
        "cards": cards,
        "charts": charts_json(cards),
        "scope_text": _scope_text(viewer, d, filters),
        "can_filter": viewer.can_manage,
        "query": request.GET.urlencode(),
    }
    return render(request, "dashboards/page.html", context)


@login_required
@require_safe
def download(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    _, filters, d = _figures(request, viewer)
    cards = _cards(viewer, d)
    data = dashboard_xlsx(cards, filters.period, _scope_text(viewer, d, filters), d.at)
    name = f"fenpei-dashboard-{filters.period.start:%Y%m%d}-{filters.period.end:%Y%m%d}.xlsx"
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
