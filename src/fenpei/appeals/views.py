"""The appeal pages: a rep's form (two clicks from the customer page) and own list, the
manager's queue, and one page per appeal where a manager decides and everyone involved
reads the trail.

Views parse input, call one selector or service and render; the services decide and word
every refusal.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fenpei.appeals.downloads import attachment_response
from fenpei.appeals.forms import AppealForm, DecisionForm, NoteForm
from fenpei.appeals.models import ATTACHMENT_MAX_BYTES, Appeal, AppealKind
from fenpei.appeals.selectors import (
    appeal_age_days,
    appeal_attachment,
    appeal_decidable_by,
    appeal_get,
    appeal_queue,
    appeal_suggest,
    appeal_targets,
    appeals_decided_recently,
    appeals_of_rep,
)
from fenpei.appeals.services import (
    Attachment,
    appeal_approve,
    appeal_comment,
    appeal_open,
    appeal_reject,
    appeal_withdraw,
)
from fenpei.customers.models import Customer
from fenpei.customers.selectors import customer_get, customers_visible_to
from fenpei.teams.access import Viewer, manager_of, viewer_of
from fenpei.teams.models import Rep


def _rep_viewer(request: HttpRequest) -> Viewer:
    viewer = viewer_of(request.user)
    if viewer.rep_id is None:
        raise PermissionDenied
    return viewer


@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    """申诉处理: the open appeals of the manager's teams, the longest waiting first."""
    viewer = manager_of(request.user)
    now = timezone.now()
    rows = [(a, appeal_age_days(a, now)) for a in appeal_queue(viewer)[:500]]
    context = {"rows": rows, "decided": appeals_decided_recently(viewer)}
    return render(request, "appeals/queue.html", context)


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    """我的申诉."""
    viewer = _rep_viewer(request)
    return render(request, "appeals/mine.html", {"appeals": list(appeals_of_rep(viewer)[:200])})


def _upload(form: AppealForm) -> Attachment | None:
    upload = form.cleaned_data.get("attachment")
    if upload is None:
        return None
    if upload.size is not None and upload.size > ATTACHMENT_MAX_BYTES:
        # Refused before reading it into memory.
        raise ValidationError({"attachment": _("The attachment is larger than 5 MB.")})
    return Attachment(
        upload.name or "attachment",
        upload.content_type or "application/octet-stream",
        upload.read(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def appeal_new(request: HttpRequest) -> HttpResponse:
    """The appeal form: for a customer the rep may open (from its page), or a claim of a
    customer a colleague holds, named by its no. or name."""
    viewer = _rep_viewer(request)
    raw = request.POST.get("customer") or request.GET.get("customer") or ""
    customer: Customer | None = None
    if raw:
        if not raw.isdigit():
            raise Http404
        try:
            customer = customer_get(viewer, int(raw))
        except Customer.DoesNotExist:
            raise Http404 from None
    if request.method == "POST":
        form = AppealForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appeal = appeal_open(
                    viewer,
                    kind=data["kind"],
                    reason=data["reason"],
                    customer_id=customer.pk if customer is not None else None,
                    customer_ref=data.get("customer_ref") or "",
                    attachment=_upload(form),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Your appeal is sent to your manager."))
                return redirect("appeals:detail", pk=appeal.pk)
    else:
        kind = request.GET.get("kind") or ""
        if kind not in AppealKind.values:
            owned = customer is not None and customer.owner_id == viewer.rep_id
            kind = AppealKind.HAND_BACK if owned else AppealKind.CLAIM
        form = AppealForm(initial={"kind": kind, "customer": customer.pk if customer else None})
    return render(request, "appeals/new.html", {"form": form, "customer": customer})


def _targets(viewer: Viewer, appeal: Appeal) -> list[tuple[str, str]]:
    choices = [
        (str(t.rep.pk), f"{t.rep.name} ({t.rep.key}) · {t.load}/{t.capacity}")
        for t in appeal_targets(viewer, appeal)
    ]
    if appeal.kind == AppealKind.HAND_BACK:
        choices.insert(0, ("", _("Back to the pool")))
    return choices


def _detail_context(viewer: Viewer, appeal: Appeal, **forms: Any) -> dict[str, Any]:
    can_decide = appeal.is_open and appeal_decidable_by(viewer, appeal)
    mine = viewer.rep_id is not None and appeal.rep_id == viewer.rep_id
    context: dict[str, Any] = {
        "appeal": appeal,
        "events": list(appeal.events.select_related("user")),
        "age": appeal_age_days(appeal),
        "customer_visible": customers_visible_to(viewer).filter(pk=appeal.customer_id).exists(),
        "can_decide": can_decide,
        "can_withdraw": appeal.is_open and mine,
        "can_comment": appeal.is_open and (mine or can_decide),
        "note_form": forms.get("note_form") or NoteForm(),
    }
    if can_decide:
        suggestion = appeal_suggest(viewer, appeal)
        initial: Rep | None = suggestion.rep
        if appeal.kind == AppealKind.CLAIM:
            initial = appeal.rep
        context["suggestion"] = suggestion
        context["decision_form"] = forms.get("decision_form") or DecisionForm(
            targets=_targets(viewer, appeal),
            initial={"target": str(initial.pk) if initial is not None else ""},
        )
    return context


def _appeal_or_404(viewer: Viewer, pk: int) -> Appeal:
    try:
        return appeal_get(viewer, pk)
    except Appeal.DoesNotExist:
        raise Http404 from None


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request.user)
    appeal = _appeal_or_404(viewer, pk)
    return render(request, "appeals/detail.html", _detail_context(viewer, appeal))


@login_required
@require_safe
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """The appellant's file, only to those who may see the appeal; always as a download
    (never rendered inline: an uploaded HTML file must not run as this site's page)."""
    viewer = viewer_of(request.user)
    try:
        appeal = appeal_attachment(viewer, pk)
    except Appeal.DoesNotExist:
        raise Http404 from None
    return attachment_response(appeal)


def _decided(request: HttpRequest, viewer: Viewer, pk: int, form: Any, action: Any) -> HttpResponse:
    try:
        action()
    except Appeal.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        appeal = _appeal_or_404(viewer, pk)
        context = _detail_context(viewer, appeal, **form)
        return render(request, "appeals/detail.html", context, status=400)
    return redirect("appeals:detail", pk=pk)


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    appeal = _appeal_or_404(viewer, pk)
    form = DecisionForm(request.POST, targets=_targets(viewer, appeal))
    if not form.is_valid():
        context = _detail_context(viewer, appeal, decision_form=form)
        return render(request, "appeals/detail.html", context, status=400)
    data = form.cleaned_data

    def run() -> None:
        appeal_approve(viewer, pk, data["target"], data["note"])
        messages.success(request, _("Appeal approved."))

    return _decided(request, viewer, pk, {"decision_form": form}, run)


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    note = request.POST.get("note", "")

    def run() -> None:
        appeal_reject(viewer, pk, note)
        messages.success(request, _("Appeal rejected."))

    return _decided(request, viewer, pk, {}, run)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _rep_viewer(request)
    note = request.POST.get("note", "")

    def run() -> None:
        appeal_withdraw(viewer, pk, note)
        messages.success(request, _("Appeal withdrawn."))

    return _decided(request, viewer, pk, {}, run)


@login_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request.user)
    form = NoteForm(request.POST)
    note = form.data.get("note", "")

    def run() -> None:
        appeal_comment(viewer, pk, note)

    return _decided(request, viewer, pk, {"note_form": form}, run)
