"""Background tasks of the pool: the daily reclaim sweep (django-tasks)."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from fenpei.pool.services import customers_reclaim


@task()
def reclaim_task(day: str) -> int:
    """Reclaim as of `day` (ISO date); returns how many went back to the pool."""
    return len(customers_reclaim(date.fromisoformat(day)).reclaimed)
