"""Reps and teams pages (销售与团队): thin views over fenpei.teams.selectors / services.

Access: managers and admins see their reps and teams and may edit them; a rep sees the
list with only their own row and their own detail page (another rep's is a 404);
outsiders get 403. Creating and editing teams is for admins.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fenpei.allocation.forms import HandoverForm
from fenpei.allocation.handover import handover_successors
from fenpei.allocation.selectors import default_capacity
from fenpei.teams.access import Viewer, manager_of, viewer_of
from fenpei.teams.forms import (
    RepCreateForm,
    RepFilterForm,
    RepForm,
    TeamForm,
    form_errors_add,
    rep_form_initial,
)
from fenpei.teams.models import Rep, Team
from fenpei.teams.selectors import (
    rep_customers,
    rep_get,
    reps_with_load,
    team_get,
    team_summaries,
)
from fenpei.teams.services import rep_create, rep_update, team_create, team_update

REPS_PAGE_SIZE = 50


def _member(request: HttpRequest) -> Viewer:
    """Anyone with a role (manager, admin, rep); outsiders are refused."""
    viewer = viewer_of(request.user)
    if not (viewer.can_manage or viewer.rep_id is not None):
        raise PermissionDenied
    return viewer


def _admin(request: HttpRequest) -> Viewer:
    viewer = viewer_of(request.user)
    if not viewer.is_admin:
        raise PermissionDenied
    return viewer


def _rep_or_404(viewer: Viewer, pk: int, capacity_default: int) -> Rep:
    try:
        return rep_get(viewer, pk, capacity_default=capacity_default)
    except Rep.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_GET
def reps(request: HttpRequest) -> HttpResponse:
    viewer = _member(request)
    capacity = default_capacity()
    filters = RepFilterForm(viewer, request.GET or None)
    rows = reps_with_load(
        viewer,
        capacity_default=capacity,
        team_id=filters.selected_team_id(),
        status=filters.selected_status(),
    )
    page = Paginator(rows, REPS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "summaries": team_summaries(viewer, capacity_default=capacity) if viewer.can_manage else [],
        "default_capacity": capacity,
        "can_manage": viewer.can_manage,
    }
    return render(request, "teams/reps.html", context)


@login_required
@require_GET
def rep(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _member(request)
    capacity = default_capacity()
    the_rep = _rep_or_404(viewer, pk, capacity)
    context = {
        "rep": the_rep,
        "customers": rep_customers(viewer, the_rep),
        "default_capacity": capacity,
        "form": RepForm(viewer, initial=rep_form_initial(the_rep)) if viewer.can_manage else None,
        "handover_form": HandoverForm(successors=handover_successors(viewer, the_rep))
        if viewer.can_manage and getattr(the_rep, "load", 0) > 0  # annotated by rep_get
        else None,
    }
    return render(request, "teams/rep_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rep_edit(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    the_rep = _rep_or_404(viewer, pk, default_capacity())
    if request.method != "POST":
        form = RepForm(viewer, initial=rep_form_initial(the_rep))
        return render(request, "teams/rep_form.html", {"form": form, "rep": the_rep})
    form = RepForm(viewer, request.POST)
    if form.is_valid():
        try:
            rep_update(viewer, the_rep, **form.service_fields())
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("teams:rep", pk=the_rep.pk)
    return render(request, "teams/rep_form.html", {"form": form, "rep": the_rep})


@login_required
@require_http_methods(["GET", "POST"])
def rep_new(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    if request.method != "POST":
        form = RepCreateForm(viewer, initial={"level": 2, "status": "active"})
        return render(request, "teams/rep_form.html", {"form": form, "rep": None})
    form = RepCreateForm(viewer, request.POST)
    if form.is_valid():
        try:
            created = rep_create(viewer, **form.service_fields())
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Rep %(name)s added.") % {"name": created.name})
            return redirect("teams:rep", pk=created.pk)
    return render(request, "teams/rep_form.html", {"form": form, "rep": None})


@login_required
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest) -> HttpResponse:
    """Managers see their teams; admins see all and create teams here (POST)."""
    viewer = manager_of(request.user)
    form = TeamForm() if viewer.is_admin else None
    if request.method == "POST":
        _admin(request)
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                team = team_create(viewer, **form.cleaned_data)
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, _("Team %(name)s created.") % {"name": team.name})
                return redirect("teams:teams")
    context = {
        "summaries": team_summaries(viewer, capacity_default=default_capacity()),
        "form": form,
        "is_admin": viewer.is_admin,
    }
    return render(request, "teams/teams.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _admin(request)
    try:
        team = team_get(viewer, pk)
    except Team.DoesNotExist as exc:
        raise Http404 from exc
    if request.method != "POST":
        initial = {"name": team.name, "region": team.region, "manager": team.manager}
        return render(
            request, "teams/team_form.html", {"form": TeamForm(initial=initial), "team": team}
        )
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team_update(viewer, team, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("teams:teams")
    return render(request, "teams/team_form.html", {"form": form, "team": team})
