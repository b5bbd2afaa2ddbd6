"""Follow-up pages: the panel on the customer page (log a follow-up with htmx or a plain
form post, record a deal, the timeline) and 我的待跟进 (next steps overdue and upcoming).

Views parse input, call one service or selector and render; the customer comes from the
viewer's access filters, so another rep's customer is a 404 here as everywhere.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from fenpei.customers.models import Customer
from fenpei.customers.selectors import customer_get
from fenpei.followups.forms import DealForm, FollowUpForm
from fenpei.followups.selectors import (
    UPCOMING_DAYS,
    followups_overdue,
    followups_upcoming,
    timeline_of_customer,
)
from fenpei.followups.services import customer_writable, deal_record, followup_log
from fenpei.teams.access import Viewer, reps_visible_to, viewer_of

PAGE_SIZE = 50
SHOWS = ("overdue", "upcoming")


def _customer_or_404(viewer: Viewer, pk: int) -> Customer:
    try:
        return customer_get(viewer, pk)
    except Customer.DoesNotExist:
        raise Http404 from None


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def panel_context(
    request: HttpRequest,
    customer: Customer,
    *,
    followup_form: FollowUpForm | None = None,
    deal_form: DealForm | None = None,
    saved: str = "",
) -> dict[str, Any]:
    """What the follow-up panel of a customer shows to the viewer of `request`."""
    viewer = viewer_of(request.user)
    today = timezone.localdate()
    return {
        "customer": customer,
        "can_write": customer_writable(viewer, customer),
        # A rep is told to claim first; a manager has nothing to claim (they assign).
        "claim_first": customer.owner_id is None and viewer.is_rep,
        "followup_form": followup_form or FollowUpForm(),
        "deal_form": deal_form or DealForm(),
        "timeline": timeline_of_customer(viewer, customer),
        "overdue": customer.next_step_due is not None and customer.next_step_due < today,
        "saved": saved,
    }


def _detail_url(customer: Customer) -> str:
    return reverse("customers:detail", args=[customer.pk]) + "#followups"


def _panel_page(
    request: HttpRequest, customer: Customer, status: int, **forms: Any
) -> HttpResponse:
    """The panel on its own page: where a plain form post with errors lands."""
    context = panel_context(request, customer, **forms)
    return render(request, "followups/log.html", context, status=status)


@login_required
@require_POST
def followup_create(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request.user)
    customer = _customer_or_404(viewer, pk)
    if not customer_writable(viewer, customer):
        raise PermissionDenied
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            followup_log(viewer, customer.pk, **form.service_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
    htmx = _is_htmx(request)
    if form.errors:
        if htmx:  # htmx swaps 200s only: the panel comes back with the errors marked
            return render(
                request,
                "followups/_panel.html",
                panel_context(request, customer, followup_form=form),
            )
        return _panel_page(request, customer, 400, followup_form=form)
    customer.refresh_from_db()
    if htmx:
        context = panel_context(request, customer, saved=_("Follow-up logged."))
        return render(request, "followups/_panel.html", context)
    messages.success(request, _("Follow-up logged."))
    return redirect(_detail_url(customer))


@login_required
@require_POST
def deal_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a deal won or lost: a plain post, then the whole customer page again, since
    the deal changes its history, status and priority shown above the panel."""
    viewer = viewer_of(request.user)
    customer = _customer_or_404(viewer, pk)
    if not customer_writable(viewer, customer):
        raise PermissionDenied
    form = DealForm(request.POST)
    if form.is_valid():
        try:
            deal = deal_record(viewer, customer.pk, **form.service_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if deal.result == "won":
                messages.success(request, _("Deal won recorded."))
            else:
                messages.success(request, _("Deal lost recorded."))
            return redirect(_detail_url(customer))
    return _panel_page(request, customer, 400, deal_form=form)


@login_required
@require_safe
def due(request: HttpRequest) -> HttpResponse:
    """我的待跟进: next steps overdue and coming up; a manager sees their teams' and may
    pick one rep."""
    viewer = viewer_of(request.user)
    if not (viewer.can_manage or viewer.rep_id is not None):
        raise PermissionDenied
    today = timezone.localdate()
    show = request.GET.get("show", "")
    show = show if show in SHOWS else "overdue"
    reps = list(reps_visible_to(viewer).order_by("key")) if viewer.can_manage else []
    rep_id: int | None = None
    rep_text = request.GET.get("rep", "").strip()
    if viewer.can_manage and rep_text.isdigit():
        rep_id = next((r.pk for r in reps if r.pk == int(rep_text)), None)
    elif not viewer.can_manage:
        rep_id = viewer.rep_id
    overdue = followups_overdue(viewer, today, rep_id)
    upcoming = followups_upcoming(viewer, today, rep_id)
    rows = overdue if show == "overdue" else upcoming
    page = Paginator(rows.select_related("owner"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "followups/due.html",
        {
            "show": show,
            "page": page,
            "today": today,
            "overdue_count": overdue.count(),
            "upcoming_count": upcoming.count(),
            "upcoming_days": UPCOMING_DAYS,
            "reps": reps,
            "rep_id": rep_id,
            "is_manager": viewer.can_manage,
        },
    )
