"""Scheduled review reports: which are due, queued once each.

`fenpei.pool.scheduler.SchedulerThread` (run by `fenpei serve`) calls `reviews_schedule()`
hourly beside the daily reclaim. A schedule's report is of its last whole period (last
week, month or quarter); a server that was down catches up within the hour after it
starts, and only the latest period is made, never a backlog.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from fenpei.reviews.models import Frequency, ReviewReport, ReviewSchedule
from fenpei.reviews.periods import MONTH, QUARTER, WEEK, period_before
from fenpei.reviews.tasks import review_report_task

KIND_OF = {Frequency.WEEKLY: WEEK, Frequency.MONTHLY: MONTH, Frequency.QUARTERLY: QUARTER}


def reviews_schedule(today: date | None = None) -> int:
    """Queue the report of each schedule's last whole period unless it is made already
    (the report's unique scope and period are the guard, so any number of schedulers may
    call this). Returns how many were queued."""
    today = today or timezone.localdate()
    queued = 0
    schedules = ReviewSchedule.objects.exclude(frequency=Frequency.OFF)
    for s in schedules:
        period = period_before(KIND_OF[Frequency(s.frequency)], today)
        try:
            with transaction.atomic():
                report = ReviewReport.objects.create(
                    team_id=s.team_id,
                    owner_id=None if s.team_id is not None else s.owner_id,
                    period_kind=period.kind,
                    period=period.name,
                    period_start=period.start,
                    period_end=period.end,
                )
                # with its row: a failure to queue leaves none, and the next look retries
                review_report_task.enqueue(report.pk)
        except IntegrityError:
            continue
        queued += 1
    return queued
