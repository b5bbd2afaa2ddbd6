"""Display filters for customer pages: amounts of yuan as people read them."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import get_language

register = template.Library()


def _trimmed(number: float, decimals: int) -> str:
    text = f"{number:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def yuan(value: Decimal | float | int | None) -> str:
    """¥1,200,000 in English; 120万 / 1.5亿 in Chinese (the way a manager says it)."""
    if value is None or value == "":
        return ""
    amount = float(value)
    if (get_language() or "").startswith("zh"):
        if abs(amount) >= 100_000_000:
            return f"{_trimmed(amount / 100_000_000, 2)}亿"
        if abs(amount) >= 10_000:
            return f"{_trimmed(amount / 10_000, 1)}万"
    return f"¥{amount:,.0f}"
