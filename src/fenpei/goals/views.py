"""Goal pages: the manager's grid (reps × metrics for a month or quarter, saved at once,
with a team row and a feedback form per rep) and the rep's acknowledge action. Views
parse input and call one service or selector."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fenpei.goals.forms import FeedbackForm, PeriodForm
from fenpei.goals.models import Metric, PeriodKind
from fenpei.goals.selectors import (
    METRICS,
    feedback_of_reps,
    feedback_visible_to,
    goals_in_period,
    period_start_of,
    progress_of_reps,
    progress_sum,
)
from fenpei.goals.services import feedback_acknowledge, feedback_give, goals_set
from fenpei.teams.access import manager_of, reps_visible_to, teams_visible_to, viewer_of


def _period_of(request: HttpRequest) -> tuple[str, dt.date]:
    form = PeriodForm(request.GET)
    kind, day = PeriodKind.MONTH.value, timezone.localdate()
    if form.is_valid():
        kind = form.cleaned_data["period"] or kind
        day = form.cleaned_data["start"] or day
    return kind, period_start_of(kind, day)


def _target(text: str) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError({"target": _("Give a number.")}) from None
    if not value.is_finite():
        raise ValidationError({"target": _("Give a number.")})
    return value


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def page(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    kind, start = _period_of(request)
    reps = list(reps_visible_to(viewer).order_by("team_id", "key"))
    teams = list(teams_visible_to(viewer).order_by("name"))
    if request.method == "POST":
        try:
            rep_targets = {
                (r.pk, m): _target(request.POST.get(f"rep-{r.pk}-{m}", ""))
                for r in reps
                for m in METRICS
            }
            team_targets = {
                (t.pk, m): _target(request.POST.get(f"team-{t.pk}-{m}", ""))
                for t in teams
                for m in METRICS
            }
            goals_set(viewer, kind, start, rep_targets=rep_targets, team_targets=team_targets)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        else:
            messages.success(request, _("Goals saved."))
        return redirect(f"{reverse('goals:page')}?period={kind}&start={start:%Y-%m-%d}")
    progress = progress_of_reps([r.pk for r in reps], kind, start)
    rep_goals, team_goals = goals_in_period(
        kind, start, rep_ids=[r.pk for r in reps], team_ids=[t.pk for t in teams]
    )
    labels = dict(Metric.choices)
    rows = [
        {
            "rep": r,
            "cells": [
                {
                    "metric": m,
                    "label": labels[m],
                    "target": rep_goals.get((r.pk, m)),
                    "value": progress[r.pk][m],
                }
                for m in METRICS
            ],
        }
        for r in reps
    ]
    team_rows = []
    for t in teams:
        total = progress_sum(progress, [r.pk for r in reps if r.team_id == t.pk])
        team_rows.append(
            {
                "team": t,
                "cells": [
                    {
                        "metric": m,
                        "label": labels[m],
                        "target": team_goals.get((t.pk, m)),
                        "value": total[m],
                    }
                    for m in METRICS
                ],
            }
        )
    context: dict[str, Any] = {
        "kind": kind,
        "start": start,
        "kinds": PeriodKind.choices,
        "metrics": [(m, labels[m]) for m in METRICS],
        "rows": rows,
        "team_rows": team_rows,
        "feedback": feedback_of_reps([r.pk for r in reps]),
        "feedback_form": FeedbackForm(),
    }
    return render(request, "goals/page.html", context)


@login_required
@require_POST
def feedback_create(request: HttpRequest, rep_pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    rep = reps_visible_to(viewer).filter(pk=rep_pk).first()
    if rep is None:
        raise Http404
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            feedback_give(viewer, rep, form.cleaned_data["text"])
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        else:
            messages.success(request, _("Feedback sent to %(name)s.") % {"name": rep.name})
    else:
        for field_errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in field_errors))
    return redirect(reverse("goals:page"))


@login_required
@require_POST
def feedback_ack(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request.user)
    note = feedback_visible_to(viewer).filter(pk=pk).first()
    if note is None or note.rep_id != viewer.rep_id:
        raise Http404
    try:
        feedback_acknowledge(viewer, note)
    except PermissionDenied:
        raise Http404 from None
    if getattr(request, "htmx", False):
        return render(request, "goals/_ack.html", {"note": note})
    messages.success(request, _("Feedback acknowledged."))
    return redirect(reverse("customers:mine"))
