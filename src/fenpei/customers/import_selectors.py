"""Reads of import batches (导入批次), always through the viewer's scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fenpei.customers.models import ImportBatch
from fenpei.teams.access import Viewer


def imports_visible_to(viewer: Viewer) -> QuerySet[ImportBatch]:
    """Admins see every import; a manager their own and those for their teams."""
    batches = ImportBatch.objects.select_related("team", "created_by").defer("data", "errors")
    if viewer.is_admin:
        return batches
    if viewer.is_manager:
        return batches.filter(Q(created_by_id=viewer.user_id) | Q(team_id__in=viewer.team_ids))
    return batches.none()


def import_get(viewer: Viewer, pk: int) -> ImportBatch:
    """One import with its file; ImportBatch.DoesNotExist (→ 404) when not the viewer's."""
    return imports_visible_to(viewer).defer(None).get(pk=pk)
