from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def table(request: HttpRequest) -> HttpResponse:
    return HttpResponse("table")


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return HttpResponse("mine")
