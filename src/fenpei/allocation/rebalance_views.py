"""The rebalance page (再平衡): choose a team and a move cost, see the trade-off between
moves and improvement, and preview the moves as a run (applied or discarded on the run page)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from fenpei.allocation.models import Run
from fenpei.allocation.rebalance import rebalance_preview, rebalance_trade_off
from fenpei.allocation.selectors import policy_active, policy_engine
from fenpei.teams.access import manager_of, teams_visible_to
from fenpei.teams.models import Team


class RebalanceForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    move_cost = forms.FloatField(label=_("Cost per moved customer"), min_value=0)
    protect_days = forms.IntegerField(
        label=_("Protect customers followed up in the last (days)"),
        min_value=0,
        max_value=3650,
        initial=30,
    )
    protect_open = forms.BooleanField(
        label=_("Protect open relationships (following up, next step due)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: object, teams: object, move_cost: float, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["move_cost"].initial = move_cost


@login_required
def rebalance_page(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    teams = teams_visible_to(viewer)
    default_cost = policy_engine(policy_active()).move_cost
    bound = request.method == "POST" or "team" in request.GET
    data = request.POST if request.method == "POST" else request.GET
    form = RebalanceForm(data if bound else None, teams=teams, move_cost=default_cost)
    if bound and not form.is_valid():
        if data.get("team") and "team" in form.errors:
            raise Http404  # a team that is not this manager's does not exist for them
        return render(request, "runs/rebalance.html", {"form": form, "points": []})
    if not bound:
        return render(request, "runs/rebalance.html", {"form": form, "points": []})
    clean = form.cleaned_data
    team_id = clean["team"].pk
    options = {"protect_days": clean["protect_days"], "protect_open": clean["protect_open"]}
    try:
        if request.method == "POST":
            run = rebalance_preview(viewer, team_id, move_cost=clean["move_cost"], **options)
            return redirect("allocation:run", pk=run.pk)
        costs = sorted({0.0, 10.0, 25.0, 50.0, 100.0, 200.0, float(clean["move_cost"])})
        points = rebalance_trade_off(viewer, team_id, costs, **options)
    except Run.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("allocation:rebalance")
    return render(
        request,
        "runs/rebalance.html",
        {
            "form": form,
            "points": points,
            "chosen": float(clean["move_cost"]),
            "shown": True,
            "chart_labels": {
                "moves": str(_("Moves")),
                "improvement": str(_("Improvement")),
                "net": str(_("Net gain")),
                "cost": str(_("Move cost")),
            },
        },
    )
