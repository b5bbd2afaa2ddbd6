"""`{% my_goals %}`: the rep's progress bars and feedback to acknowledge, for 我的客户."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from fenpei.goals.selectors import bars_of_rep, feedback_unacknowledged
from fenpei.teams.access import viewer_of

register = template.Library()


@register.inclusion_tag("goals/_mine.html", takes_context=True)
def my_goals(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    viewer = viewer_of(getattr(request, "user", None))
    if viewer.rep_id is None:
        return {"bars": [], "notes": [], "csrf_token": context.get("csrf_token")}
    return {
        "bars": bars_of_rep(viewer.rep_id, timezone.localdate()),
        "notes": list(feedback_unacknowledged(viewer.rep_id)),
        "csrf_token": context.get("csrf_token"),
    }
