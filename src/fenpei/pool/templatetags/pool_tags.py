"""Pool blocks other pages include with one line: the reclaim warnings (我的客户, the pool)
and a customer's pool actions and history (the customer page)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from fenpei.allocation.selectors import policy_current
from fenpei.customers.models import Customer
from fenpei.pool.selectors import pool_events_of_customer, reclaim_warnings
from fenpei.teams.access import Viewer

register = template.Library()


@register.inclusion_tag("pool/_warnings.html", takes_context=True)
def pool_warnings(context: template.Context) -> dict[str, Any]:
    """ "N customers will return to the pool in ≤ K days" for the viewer (a rep: their
    own; a manager: their teams')."""
    viewer = context.get("viewer")
    if not isinstance(viewer, Viewer) or not (viewer.can_manage or viewer.rep_id):
        return {"warnings": []}
    rules = policy_current().pool
    today = timezone.localdate()
    return {
        "warnings": reclaim_warnings(viewer, rules, today),
        "rules": rules,
        "today": today,
        "show_owner": viewer.can_manage,
    }


@register.inclusion_tag("pool/_customer.html", takes_context=True)
def pool_customer(context: template.Context, customer: Customer) -> dict[str, Any]:
    """Return to the pool (managers) or claim (reps), and the customer's pool history."""
    return {
        "customer": customer,
        "viewer": context.get("viewer"),
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "events": list(pool_events_of_customer(customer.pk)[:20]),
    }
