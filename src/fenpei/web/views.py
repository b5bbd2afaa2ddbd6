"""Pages that belong to no one area: the landing redirect and the help guide."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from fenpei.allocation.selectors import policy_active, policy_engine
from fenpei.engine import Policy
from fenpei.teams.access import viewer_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # Managers start at the shared table, reps at their own customers.
    viewer = viewer_of(request.user)
    if viewer.can_manage:
        return redirect("customers:table")
    if viewer.rep_id is not None:
        return redirect("customers:mine")
    return render(request, "web/no_access.html", status=403)


def help_page(request: HttpRequest) -> HttpResponse:
    # Public on purpose: the guide is what a new rep reads before their first login. The
    # rules' numbers are the active policy's, so the guide never contradicts a run; they
    # are published rules, not data, so showing them to anyone is intended.
    version = policy_active()
    policy = policy_engine(version)
    context = {"policy_version": version, "policy": policy, "n": _policy_numbers(policy)}
    return render(request, "web/help.html", context)


def _plain(x: float) -> int | float:
    # 30.0 → 30 and 12.5 → 12.5: numbers as a manager typed them into the policy.
    return int(x) if float(x).is_integer() else round(x, 4)


def _policy_numbers(policy: Policy) -> dict[str, int | float]:
    w, fit = policy.priority_weights, policy.fit
    return {
        "m": _plain(policy.coverage_weight),
        "lam": _plain(policy.balance_weight),
        "tier_a": _plain(policy.tiers.a),
        "tier_b": _plain(policy.tiers.b),
        "value": _plain(w.value),
        "intent": _plain(w.intent),
        "newness": _plain(w.newness),
        "history": _plain(w.history),
        "industry": _plain(fit.industry),
        "product": _plain(fit.product),
        "level": _plain(fit.level),
        "incumbent": _plain(fit.incumbent),
        "region": _plain(fit.region),
    }
