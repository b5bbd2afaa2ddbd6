"""Background tasks of the pool: the daily reclaim sweep (django-tasks)."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from fenpei.notifications.dispatch import reclaim_warnings_notify
from fenpei.pool.services import customers_reclaim


@task()
def reclaim_task(day: str) -> int:
    """Reclaim as of `day` (ISO date), then warn reps of the next ones; returns how many
    went back to the pool."""
    reclaimed = len(customers_reclaim(date.fromisoformat(day)).reclaimed)
    reclaim_warnings_notify(date.fromisoformat(day))
    return reclaimed
