"""Pages that belong to no one area: the landing redirect and the help guide."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

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
    # Public on purpose: the guide is what a new rep reads before their first login.
    return render(request, "web/help.html")
