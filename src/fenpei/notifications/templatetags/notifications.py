"""`{% inbox_link %}`: the nav's link to the inbox with the unread count."""

from __future__ import annotations

from typing import Any

from django import template

from fenpei.notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/_inbox_link.html", takes_context=True)
def inbox_link(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, "unread": unread_count(user.pk)}
