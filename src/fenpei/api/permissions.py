"""Who may call what: exactly the UI's roles (fenpei.teams.access), nothing of DRF's
model permissions.

- `IsMember`: anyone with a role (admin, manager, rep). Outsiders get 403 everywhere,
  as the UI gives them 403 on the table.
- `IsManager`: admins and managers; a rep gets 403.

Which rows a member sees is not decided here but by the querysets the views build from
the viewer's access filters: a row outside them is a 404.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from fenpei.teams.access import OUTSIDER, Viewer, viewer_of

_VIEWER_ATTRIBUTE = "_fenpei_viewer"


def request_viewer(request: Request) -> Viewer:
    """The viewer of an authenticated request, computed once per request (two queries)."""
    viewer = getattr(request, _VIEWER_ATTRIBUTE, None)
    if not isinstance(viewer, Viewer):
        viewer = viewer_of(request.user)
        setattr(request, _VIEWER_ATTRIBUTE, viewer)
    return viewer


class IsMember(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request_viewer(request).role != OUTSIDER


class IsManager(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request_viewer(request).can_manage
