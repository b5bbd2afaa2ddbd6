"""Allocation runs (分配批次): start, watch, preview, apply or discard.

Views parse input, call one service or selector, and render; access is enforced by
`runs_visible_to` and the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fenpei.allocation.forms import RunForm
from fenpei.allocation.models import Run, RunStatus
from fenpei.allocation.reasons import reason_lines
from fenpei.allocation.selectors import run_get, run_items, runs_visible_to
from fenpei.allocation.services import run_apply, run_create, run_discard
from fenpei.teams.access import Viewer, manager_of, teams_visible_to
from fenpei.web.htmx import HtmxHttpRequest

ITEMS_PER_PAGE = 50


def _run_or_404(viewer: Viewer, pk: int) -> Run:
    try:
        return run_get(viewer, pk)
    except Run.DoesNotExist:
        raise Http404 from None


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
def runs(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    page = Paginator(runs_visible_to(viewer), 30).get_page(request.GET.get("page"))
    form = RunForm(teams=teams_visible_to(viewer))
    return render(request, "runs/list.html", {"page": page, "form": form})


@login_required
@require_POST
def run_new(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    form = RunForm(request.POST, teams=teams_visible_to(viewer))
    if not form.is_valid():
        messages.error(request, _("Choose a valid scope and team."))
        return redirect("allocation:runs")
    team = form.cleaned_data["team"]
    try:
        run = run_create(
            viewer, scope=form.cleaned_data["scope"], team_id=team.pk if team else None
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("allocation:runs")
    return redirect("allocation:run", pk=run.pk)


@login_required
def run_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    run = _run_or_404(viewer, pk)
    # Open on what needs reading: the new owners, or why nobody got a customer.
    default = "changes" if run.summary.get("assigned") else "unassigned"
    show = request.GET.get("show", default)
    items = run_items(run, show)
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(item, reason_lines(item.reasons)) for item in page]
    context = {
        "run": run,
        "page": page,
        "rows": rows,
        "show": show,
        "loads": sorted(run.loads, key=lambda ld: (ld["team"], ld["key"])),
        "summary": run.summary,
        "chart_labels": {"before": _("before"), "after": _("after"), "capacity": _("capacity")},
    }
    if request.htmx and request.GET.get("fragment") == "items":
        return render(request, "runs/_items.html", context)
    return render(request, "runs/detail.html", context)


@login_required
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    run = _run_or_404(viewer, pk)
    response = render(request, "runs/_progress.html", {"run": run})
    if run.status not in (RunStatus.QUEUED, RunStatus.COMPUTING):
        # Done: reload the whole page to show the preview (or the failure).
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def run_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    run = _run_or_404(viewer, pk)
    try:
        changed = run_apply(viewer, run.pk)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            ngettext(
                "Run applied: %(count)d customer got a new owner.",
                "Run applied: %(count)d customers got a new owner.",
                changed,
            )
            % {"count": changed},
        )
    return redirect("allocation:run", pk=run.pk)


@login_required
@require_POST
def run_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    run = _run_or_404(viewer, pk)
    try:
        run_discard(viewer, run.pk)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.info(request, _("Run discarded: nothing was changed."))
    return redirect("allocation:run", pk=run.pk)
