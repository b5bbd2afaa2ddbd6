"""Customer import pages (导入): upload, preview, confirm or discard, error report.

Managers and admins only. Views parse input, call one service or selector, and render;
access is enforced by `imports_visible_to` and the services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fenpei.allocation.models import RunStatus
from fenpei.allocation.routing import import_confirm_routed
from fenpei.customers.import_selectors import import_get, imports_visible_to
from fenpei.customers.import_services import (
    MAX_BYTES,
    PREVIEW_ERRORS,
    SUFFIXES,
    conflict_rows,
    import_discard,
    import_error_report,
    import_plan,
    import_samples,
    import_upload,
    mapping_rows,
    merged_rows,
)
from fenpei.customers.models import ImportBatch, ImportStatus
from fenpei.teams.access import Viewer, manager_of, teams_visible_to
from fenpei.teams.models import Team

RECENT = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
        help_text=gettext_lazy("Excel (.xlsx, .xls) or CSV; Chinese or English headers."),
    )
    sheet = forms.CharField(
        label=gettext_lazy("Sheet"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Empty: the sheet named 客户 / 客户列表 / Customers …"),
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team for new customers"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=gettext_lazy("none (the shared pool)"),
    )
    with_reps = forms.BooleanField(
        label=gettext_lazy("Also import the reps sheet (销售), if the workbook has one"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = teams
        if not viewer.is_admin:
            # A manager's new customers always go to one of their teams.
            team_field.required = True
            team_field.empty_label = None
            if len(viewer.team_ids) == 1:
                team_field.initial = next(iter(viewer.team_ids))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
            )
        return upload


def _batch_or_404(viewer: Viewer, pk: int) -> ImportBatch:
    try:
        return import_get(viewer, pk)
    except ImportBatch.DoesNotExist:
        raise Http404 from None


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    teams = teams_visible_to(viewer)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, teams=teams, viewer=viewer)
        if form.is_valid():
            data = form.cleaned_data
            team = data["team"]
            try:
                batch = import_upload(
                    viewer,
                    file_name=data["file"].name,
                    data=data["file"].read(),
                    sheet=data["sheet"],
                    team_id=team.pk if team is not None else None,
                    with_reps=data["with_reps"],
                )
            except ValidationError as exc:
                form.add_error("team" if exc.code == "team" else "file", exc)
            else:
                return redirect("imports:preview", pk=batch.pk)
    else:
        form = UploadForm(teams=teams, viewer=viewer)
    recent = imports_visible_to(viewer)[:RECENT]
    return render(request, "imports/upload.html", {"form": form, "recent": recent})


@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    batch = _batch_or_404(viewer, pk)
    context: dict[str, Any] = {"batch": batch, "summary": batch.summary}
    if batch.status == ImportStatus.PREVIEW:
        try:
            plan = import_plan(viewer, batch)
        except ValidationError as exc:
            context["read_error"] = _error_text(exc)
        else:
            context["summary"] = {**batch.summary, **plan.summary()}
            context["errors"] = plan.errors[:PREVIEW_ERRORS]
            context["samples"] = import_samples(plan)
    else:
        context["errors"] = batch.errors[:PREVIEW_ERRORS]
    summary = context["summary"]
    context["mapping"] = mapping_rows(summary)
    context["rep_mapping"] = mapping_rows(summary, "reps")
    context["merged"] = merged_rows(summary)
    context["conflicts"] = conflict_rows(summary)
    return render(request, "imports/preview.html", context)


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    batch = _batch_or_404(viewer, pk)
    try:
        done, run = import_confirm_routed(viewer, batch.pk)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    except DatabaseError as exc:
        # The transaction was rolled back: say so, with what the database said.
        messages.error(
            request,
            _("The import failed and nothing was written: %(error)s") % {"error": exc},
        )
    else:
        s = done.summary
        messages.success(
            request,
            _(
                "Imported. New customers: %(new)d · updated: %(updated)d · "
                "given an owner: %(owners)d."
            )
            % {"new": s["new"], "updated": s["updated"], "owners": s["owners_given"]},
        )
        if run is not None and run.status == RunStatus.APPLIED:
            messages.success(
                request,
                _("New customers routed at once: %(n)d got a rep (run #%(run)d).")
                % {"n": run.summary.get("assigned", 0), "run": run.pk},
            )
        elif run is not None:
            messages.info(
                request,
                _("The new customers are being allocated in run #%(run)d: apply it when ready.")
                % {"run": run.pk},
            )
    return redirect("imports:preview", pk=batch.pk)


@login_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    batch = _batch_or_404(viewer, pk)
    try:
        import_discard(viewer, batch.pk)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("imports:preview", pk=batch.pk)
    messages.success(request, _("The import was discarded; nothing was written."))
    return redirect("imports:upload")


@login_required
def errors(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    batch = _batch_or_404(viewer, pk)
    try:
        content = import_error_report(viewer, batch)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("imports:preview", pk=batch.pk)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.xlsx"'
    return response
