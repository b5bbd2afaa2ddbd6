"""The review page (定期审核): a team and a period, the five sections, the xlsx download,
and the schedule of reports. Managers and admins only; another manager's team is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fenpei.appeals.models import AppealStatus
from fenpei.reviews.export import review_xlsx
from fenpei.reviews.forms import KIND_LABELS, ReviewQuery, ScheduleForm
from fenpei.reviews.models import Frequency
from fenpei.reviews.selectors import (
    Review,
    reports_visible_to,
    review_build,
    schedules_visible_to,
)
from fenpei.reviews.services import schedule_set
from fenpei.teams.access import Viewer, manager_of, teams_visible_to
from fenpei.teams.models import Team

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _review(viewer: Viewer, query: ReviewQuery) -> Review:
    try:
        return review_build(viewer, query.team_id, query.period.start, query.period.end)
    except Team.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    query = ReviewQuery.of(request.GET, timezone.localdate())
    review = _review(viewer, query)
    schedules = schedules_visible_to(viewer)
    return render(
        request,
        "reviews/page.html",
        {
            "review": review,
            "query": query,
            "kinds": KIND_LABELS,
            "teams": list(teams_visible_to(viewer).order_by("name")),
            "export_url": f"{reverse('reviews:export')}?{query.query()}",
            "schedules": schedules,
            "frequencies": Frequency.choices,
            "reports": reports_visible_to(viewer),
            "statuses": [
                (label, review.changes.appeals_by_status.get(value, 0))
                for value, label in AppealStatus.choices
            ],
        },
    )


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    query = ReviewQuery.of(request.GET, timezone.localdate())
    review = _review(viewer, query)
    response = HttpResponse(review_xlsx(review), content_type=XLSX)
    team = f"-{query.team_id}" if query.team_id is not None else ""
    name = f"review-{query.period.name}{team}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def schedule(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how often to send the report."))
        return redirect("reviews:page")
    team_id = form.cleaned_data["team"]
    try:
        schedule_set(viewer, team_id, form.cleaned_data["frequency"])
    except Team.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("Review schedule saved."))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/reviews/") else reverse("reviews:page"))
