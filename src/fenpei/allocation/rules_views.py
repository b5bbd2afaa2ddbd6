"""The published rules page (分配规则公示) and why me / why not me (为什么是我), as pages
and as the API's `/api/v1/customers/<id>/why/`. Thin: one selector each."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from fenpei.allocation.policy_selectors import policy_readable_by
from fenpei.allocation.reasons import reason_lines
from fenpei.allocation.rules_selectors import rules_published
from fenpei.allocation.selectors import current_assignment
from fenpei.allocation.why_selectors import WhyLine, WhyPage, customer_why, why_parts_labelled
from fenpei.api.permissions import IsMember, request_viewer
from fenpei.customers.models import Customer
from fenpei.teams.access import viewer_of


@login_required
@require_GET
def rules_page(request: HttpRequest) -> HttpResponse:
    if not policy_readable_by(viewer_of(request.user)):
        raise PermissionDenied
    return render(request, "rules/rules.html", {"page": rules_published()})


@login_required
@require_GET
def why_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        page = customer_why(viewer_of(request.user), pk)
    except Customer.DoesNotExist:
        raise Http404 from None
    gap = why_parts_labelled(page.gap_parts) if page.gap_parts is not None else []
    assignment = current_assignment(page.customer.pk)
    context = {
        "page": page,
        "customer": page.customer,
        "gap": gap,
        # the reasons stored when the current owner got it, shown as they were
        "assignment": assignment,
        "lines": reason_lines(assignment.reasons) if assignment else [],
    }
    return render(request, "rules/why.html", context)


def _line(line: WhyLine) -> dict[str, Any]:
    return asdict(line)


@extend_schema(
    summary="Why me / why not me: every candidate rep of the customer now",
    responses={200: OpenApiTypes.OBJECT},
)
@api_view(["GET"])
@permission_classes([IsMember])
def why_api(request: Request, pk: int) -> Response:
    try:
        page: WhyPage = customer_why(request_viewer(request), pk)
    except Customer.DoesNotExist:
        raise NotFound from None
    return Response(
        {
            "customer": page.customer.pk,
            "priority": page.priority,
            "priority_parts": page.priority_parts,
            "tier": page.tier,
            "coverage_weight": page.coverage_weight,
            "balance_weight": page.balance_weight,
            "candidates": [_line(line) for line in page.lines],
            "chosen": page.chosen.label if page.chosen else None,
            "runner_up": page.runner_up.label if page.runner_up else None,
            "gap": {
                "score": page.gap_score,
                "value": page.gap_value,
                "parts": page.gap_parts,
            },
        }
    )
