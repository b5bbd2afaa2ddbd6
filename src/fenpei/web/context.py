"""Template context shared by every page: who is looking, and what they may open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fenpei.teams.access import viewer_of


def viewer(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"viewer": None}
    return {"viewer": viewer_of(user)}
