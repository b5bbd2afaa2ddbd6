"""Run the reclaim once a day, from any number of processes, with no cron.

django-tasks has no periodic tasks, so a small loop does it: on start and then every
hour it asks `reclaim_schedule()`, which queues today's reclaim task unless a row for
today already exists in `ReclaimSweep`. The row's unique day is the guard, so however
many processes (web servers, machines) run the loop, a day is queued at most once; one
that was down at midnight catches up within the hour after it starts. `fenpei serve`
runs the loop beside its task worker; a deployment with gunicorn and `fenpei db_worker`
may run `fenpei reclaim` from cron instead (docs/deploy.md).
"""

from __future__ import annotations

import logging
import threading
from datetime import date

from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from fenpei.pool.models import ReclaimSweep
from fenpei.pool.tasks import reclaim_task
from fenpei.reviews.scheduler import reviews_schedule

log = logging.getLogger(__name__)

#: Seconds between looks at the calendar.
INTERVAL = 3600.0


def reclaim_schedule(today: date | None = None) -> bool:
    """Queue the reclaim of `today` unless it is queued or done already. True if queued."""
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            ReclaimSweep.objects.create(day=today)
            # In the same transaction as the row: a failure to queue leaves no row, so
            # the next look tries again.
            reclaim_task.enqueue(today.isoformat())
    except IntegrityError:
        return False
    return True


class SchedulerThread(threading.Thread):
    """A daemon thread calling `reclaim_schedule()` now and every `interval` seconds."""

    def __init__(self, interval: float = INTERVAL) -> None:
        super().__init__(name="fenpei-pool-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        # The first look is at once, whatever happens next: a server started after
        # midnight queues the day's reclaim before anything else.
        while True:
            try:
                reclaim_schedule()
            except Exception:  # a database hiccup must not end the daily sweeps
                log.exception("could not schedule the daily reclaim")
            try:
                reviews_schedule()
            except Exception:  # nor the review reports, and they must not stop the sweeps
                log.exception("could not schedule the review reports")
            finally:
                connections.close_all()
            if self.stopped.wait(self.interval):
                return

    def stop(self, timeout: float | None = None) -> bool:
        self.stopped.set()
        self.join(timeout)
        return not self.is_alive()


def start_scheduler_thread(interval: float = INTERVAL) -> SchedulerThread:
    thread = SchedulerThread(interval)
    thread.start()
    return thread
