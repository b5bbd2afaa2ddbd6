"""The customer page's trail block, included with one line."""

from __future__ import annotations

from typing import Any

from django import template

from fenpei.audit.selectors import events_of_customer
from fenpei.audit.wording import event_summary, source_label
from fenpei.customers.models import Customer

register = template.Library()

SHOWN = 30


@register.inclusion_tag("audit/_customer.html")
def audit_trail(customer: Customer) -> dict[str, Any]:
    """The customer's audit trail, newest first. The page including it has already
    checked the viewer may see the customer."""
    events = list(events_of_customer(customer)[: SHOWN + 1])
    return {"events": events[:SHOWN], "more": len(events) > SHOWN}


@register.filter
def audit_summary(event: Any) -> str:
    return event_summary(event)


@register.filter
def audit_source(event: Any) -> str:
    return source_label(event)
