"""Background tasks of the review app (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from fenpei.reviews.services import report_send


@task()
def review_report_task(report_id: int) -> bool:
    """Make and send a scheduled report; False if it had been sent already."""
    return report_send(report_id)
