"""The customer page's appeal block, included with one line: the 申诉 button (a rep on a
customer they own or could claim) and the open appeals on the customer."""

from __future__ import annotations

from typing import Any

from django import template

from fenpei.appeals.models import AppealKind
from fenpei.appeals.selectors import appeals_open_on_customer
from fenpei.customers.models import Customer
from fenpei.teams.access import Viewer

register = template.Library()


@register.inclusion_tag("appeals/_customer.html", takes_context=True)
def appeal_customer(context: template.Context, customer: Customer) -> dict[str, Any]:
    viewer = context.get("viewer")
    if not isinstance(viewer, Viewer) or not (viewer.rep_id or viewer.can_manage):
        return {"show": False}
    open_appeals = appeals_open_on_customer(viewer, customer.pk)
    can_open = viewer.rep_id is not None and not any(
        a.rep_id == viewer.rep_id for a in open_appeals
    )
    kind = AppealKind.HAND_BACK if customer.owner_id == viewer.rep_id else AppealKind.CLAIM
    return {
        "show": bool(open_appeals) or can_open,
        "open": open_appeals,
        "can_open": can_open,
        "kind": kind,
        "customer": customer,
    }
