"""Scheduled reports: made once per scope and period, sent to the right managers and
group robots only; schedules editable by managers for their own teams."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult
from tests.conftest import PASSWORD, Company
from tests.reviews.review_setup import october

from fenpei.notifications.models import Notification, WebhookChannel, WebhookDelivery, WebhookKind
from fenpei.pool.scheduler import SchedulerThread
from fenpei.reviews.models import ReviewReport, ReviewSchedule
from fenpei.reviews.scheduler import reviews_schedule
from fenpei.reviews.services import schedule_set
from fenpei.reviews.tasks import review_report_task
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Team

pytestmark = pytest.mark.django_db

MID_NOVEMBER = date(2026, 11, 15)


def _channels(company: Company) -> tuple[WebhookChannel, WebhookChannel]:
    def make(name: str, team: Team) -> WebhookChannel:
        return WebhookChannel.objects.create(
            name=name, team=team, kind=WebhookKind.WECOM, url="https://example.invalid/hook"
        )

    return make("east", company.east), make("south", company.south)


def test_each_period_is_made_once_and_goes_to_its_own_manager(company: Company) -> None:
    october(company)
    east_chat, south_chat = _channels(company)
    schedule_set(viewer_of(company.manager), company.east.pk, "monthly")
    schedule_set(viewer_of(company.other_manager), company.south.pk, "monthly")
    assert reviews_schedule(MID_NOVEMBER) == 2
    assert reviews_schedule(MID_NOVEMBER) == 0  # the unique (team, period) row guards
    assert DBTaskResult.objects.filter(task_path__endswith="review_report_task").count() == 2
    east = ReviewReport.objects.get(team=company.east)
    assert (east.period, east.period_start, east.period_end) == (
        "2026-10",
        date(2026, 10, 1),
        date(2026, 10, 31),
    )

    assert review_report_task.call(east.pk) is True
    assert review_report_task.call(east.pk) is False  # a second run sends nothing
    items = Notification.objects.filter(kind="review")
    assert [n.recipient_id for n in items] == [company.manager.pk]
    item = items.get()
    assert "2026-10" in item.title and "华东" in item.title
    assert f"team={company.east.pk}" in item.url and "start=2026-10-01" in item.url
    assert "0.25 → 0.10" in item.body  # the short summary: load Gini start → end
    # the team's robot only (华南's chat must not read 华东's figures)
    assert list(WebhookDelivery.objects.values_list("channel_id", flat=True)) == [east_chat.pk]
    east.refresh_from_db()
    assert east.sent_at is not None and east.summary["changes"]["arrivals"] == 2
    assert east.summary["results"]["won_amount"] == "110000.00"
    assert south_chat.deliveries.count() == 0


def test_weekly_and_off(company: Company) -> None:
    schedule_set(viewer_of(company.manager), company.east.pk, "weekly")
    assert reviews_schedule(date(2026, 11, 18)) == 1  # a Wednesday: the week of 11-09
    report = ReviewReport.objects.get()
    assert (report.period, report.period_start, report.period_end) == (
        "2026-W46",
        date(2026, 11, 9),
        date(2026, 11, 15),
    )
    schedule_set(viewer_of(company.manager), company.east.pk, "off")
    assert reviews_schedule(date(2026, 11, 25)) == 0
    assert ReviewSchedule.objects.get().frequency == "off"


def test_all_my_teams_goes_to_me_and_to_no_chat(company: Company) -> None:
    _channels(company)
    schedule_set(viewer_of(company.manager), None, "monthly")
    assert reviews_schedule(MID_NOVEMBER) == 1
    report = ReviewReport.objects.get()
    assert report.team_id is None and report.owner_id == company.manager.pk
    assert review_report_task.call(report.pk) is True
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [company.manager.pk]
    assert WebhookDelivery.objects.count() == 0


def test_a_manager_schedules_only_their_own_teams(company: Company) -> None:
    with pytest.raises(Team.DoesNotExist):
        schedule_set(viewer_of(company.manager), company.south.pk, "monthly")
    client = Client()
    client.login(username="manager", password=PASSWORD)
    response = client.post("/reviews/schedule/", {"team": company.south.pk, "frequency": "weekly"})
    assert response.status_code == 404
    response = client.post("/reviews/schedule/", {"team": company.east.pk, "frequency": "weekly"})
    assert response.status_code == 302
    assert ReviewSchedule.objects.get().team_id == company.east.pk
    page = client.get("/reviews/").content.decode()
    assert 'id="review-schedules"' in page
    # the other manager does not see 华东's schedule
    other = Client()
    other.login(username="other_manager", password=PASSWORD)
    assert 'id="review-schedules"' not in other.get("/reviews/").content.decode()


def test_the_command_prints_and_sends_once(
    company: Company, capsys: pytest.CaptureFixture[str]
) -> None:
    october(company)
    call_command("review", "--period", "2026-10", "--team", "华东", "--json")
    out = capsys.readouterr().out
    assert '"arrivals": 2' in out
    call_command("review", "--period", "2026-10", "--team", "华东", "--send")
    call_command("review", "--period", "2026-10", "--team", "华东", "--send")
    assert ReviewReport.objects.count() == 1
    assert Notification.objects.filter(recipient=company.manager, kind="review").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_serve_scheduler_thread_also_queues_due_reports(company: Company) -> None:
    schedule_set(viewer_of(company.manager), company.east.pk, "monthly")
    thread = SchedulerThread(interval=3600)
    thread.start()
    assert thread.stop(timeout=30)
    assert ReviewReport.objects.filter(team=company.east).count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="review_report_task").count() == 1
