"""How a dashboard table cell is shown, by its column's kind."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from fenpei.customers.templatetags.customer_format import yuan
from fenpei.dashboards.cards import HOURS, INT, MONEY, PCT, RATIO, hours, percent

register = template.Library()


@register.filter
def cell(value: Any, kind: str) -> str:
    """A table cell's text: "—" for no figure; money the Chinese way (万)."""
    if value is None:
        return "—"
    if kind == INT:
        return f"{int(value):,}"
    if kind == MONEY:
        return yuan(Decimal(str(value)))
    if kind == PCT:
        return percent(float(value))
    if kind == HOURS:
        return hours(float(value))
    if kind == RATIO:
        return f"{float(value):,.1f}"
    return str(value)
