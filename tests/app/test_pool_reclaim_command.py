"""`fenpei reclaim [--dry-run] [--as-of]`, the daily task, and the scheduler that queues it
at most once a day."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult
from tests.app.pool_setup import TODAY, days_ago, own, pool_policy
from tests.conftest import Company

from fenpei.customers.models import Customer
from fenpei.pool.models import PoolEvent, PoolEventKind, ReclaimSweep
from fenpei.pool.scheduler import SchedulerThread, reclaim_schedule
from fenpei.pool.tasks import reclaim_task


@pytest.fixture
def idle(company: Company, customers: list[Customer]) -> list[Customer]:
    """Two customers idle past 30 days without follow-up, one fresh."""
    pool_policy(reclaim_no_followup_days=30)
    return [
        own(customers[0], company.rep, since=days_ago(90), followup=days_ago(31)),
        own(customers[1], company.rep2, since=days_ago(90)),
        own(customers[2], company.rep, since=days_ago(90), followup=days_ago(2)),
    ]


def run(*args: str) -> str:
    out = StringIO()
    call_command("reclaim", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_dry_run_lists_and_changes_nothing(idle: list[Customer]) -> None:
    out = run("--dry-run", "--as-of", TODAY.isoformat())
    lines = out.strip().splitlines()
    assert len(lines) == 3  # two customers and the summary
    assert idle[0].key in out and idle[1].key in out and idle[2].key not in out
    assert "张伟" in out and "李娜" in out
    assert Customer.objects.filter(owner__isnull=True).count() == 3  # the untouched pool
    assert not PoolEvent.objects.exists()


@pytest.mark.django_db
def test_reclaim_moves_and_records(idle: list[Customer]) -> None:
    out = run("--as-of", TODAY.isoformat())
    assert idle[0].key in out
    assert set(
        Customer.objects.filter(pk__in=[c.pk for c in idle], owner__isnull=True).values_list(
            "pk", flat=True
        )
    ) == {idle[0].pk, idle[1].pk}
    assert PoolEvent.objects.filter(kind=PoolEventKind.RECLAIM).count() == 2
    assert ReclaimSweep.objects.get(day=TODAY).reclaimed == 2
    # the command marks the day done: the scheduler does not queue it again
    assert reclaim_schedule(TODAY) is False


@pytest.mark.django_db
def test_bad_as_of_is_a_clear_error(db: None) -> None:
    with pytest.raises(CommandError, match="2026-03-16"):
        run("--as-of", "16/03/2026")


@pytest.mark.django_db
def test_schedule_queues_a_day_once_and_the_task_reclaims(idle: list[Customer]) -> None:
    assert reclaim_schedule(TODAY) is True
    assert reclaim_schedule(TODAY) is False
    queued = DBTaskResult.objects.filter(task_path__endswith="reclaim_task")
    assert queued.count() == 1
    assert reclaim_task.call(TODAY.isoformat()) == 2
    assert ReclaimSweep.objects.get(day=TODAY).finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_scheduler_thread_queues_today_on_start(company: Company) -> None:
    thread = SchedulerThread(interval=3600)
    thread.start()
    assert thread.stop(timeout=30)
    assert ReclaimSweep.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="reclaim_task").count() == 1


@pytest.mark.django_db
def test_the_command_also_warns_reps_once_a_day(company: Company, idle: list[Customer]) -> None:
    """Cron runs the command instead of the scheduled task: the owner of a customer due
    within warn_days gets the daily warning, and a second run the same day adds none."""
    from fenpei.notifications.models import Notification  # noqa: PLC0415

    soon = own(idle[2], company.rep, since=days_ago(90), followup=days_ago(25))
    run("--as-of", TODAY.isoformat())
    warned = Notification.objects.filter(recipient=company.rep_user, kind="reclaim_warning")
    assert warned.count() == 1 and soon.name in warned.get().body
    run("--as-of", TODAY.isoformat())
    assert warned.count() == 1
