"""Background sending of group-robot messages (django-tasks): a request or a sweep only
writes delivery rows and queues this task; a worker does the HTTP, and a failure that may
pass (network, 5xx, rate limit) queues the next attempt with exponential backoff."""

from __future__ import annotations

from django_tasks import task

from fenpei.notifications.services import delivery_attempt


@task()
def webhook_deliver_task(delivery_id: int) -> str:
    attempt = delivery_attempt(delivery_id)
    if attempt.retry_at is not None:
        webhook_deliver_task.using(run_after=attempt.retry_at).enqueue(delivery_id)
    return attempt.status
