"""The 交接 button on a rep's page: preview the handover as a run, then show that run's
preview page (the manager applies or discards it there)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fenpei.allocation.forms import HandoverForm
from fenpei.allocation.handover import handover_preview, handover_successors
from fenpei.teams.access import manager_of, reps_visible_to
from fenpei.teams.models import Rep


@login_required
@require_POST
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    leaver = reps_visible_to(viewer).filter(pk=pk).first()
    if leaver is None:
        raise Http404
    form = HandoverForm(request.POST, successors=handover_successors(viewer, leaver))
    if not form.is_valid():
        messages.error(request, _("Choose one of your reps who stays, not the leaver."))
        return redirect("teams:rep", pk=pk)
    successor = form.cleaned_data["successor"]
    try:
        run = handover_preview(viewer, pk, successor.pk if successor is not None else None)
    except Rep.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("teams:rep", pk=pk)
    return redirect("allocation:run", pk=run.pk)
