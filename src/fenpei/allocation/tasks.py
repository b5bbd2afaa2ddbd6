"""Background tasks (django-tasks): big runs are computed off the request."""

from __future__ import annotations

from django_tasks import task

from fenpei.allocation.services import run_compute


@task()
def run_compute_task(run_id: int) -> None:
    run_compute(run_id)
