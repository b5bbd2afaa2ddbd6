"""`{% followups_panel customer %}`: the follow-up panel of the customer page, drawn by
the page that includes it without that page's view knowing about follow-ups."""

from __future__ import annotations

from typing import Any

from django import template

from fenpei.customers.models import Customer
from fenpei.followups.views import panel_context

register = template.Library()


@register.inclusion_tag("followups/_panel.html", takes_context=True)
def followups_panel(context: template.Context, customer: Customer) -> dict[str, Any]:
    return panel_context(context["request"], customer)
