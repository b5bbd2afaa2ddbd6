"""Goals and feedback (目标与反馈): progress arithmetic, access by persona, acknowledging
feedback, validation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from tests.conftest import PASSWORD

from fenpei.allocation.models import Assignment, AssignmentSource
from fenpei.followups.models import Channel, Deal, DealResult, FollowUp
from fenpei.goals.models import Feedback, Goal, Metric, PeriodKind
from fenpei.goals.selectors import (
    bars_of_rep,
    period_end_of,
    period_start_of,
    progress_of_reps,
    progress_sum,
)
from fenpei.goals.services import feedback_acknowledge, feedback_give, goals_set
from fenpei.notifications.models import Notification
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
Q1 = dt.date(2026, 1, 1)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _deal(customer, rep, amount: str, closed_on: dt.date, result=DealResult.WON) -> Deal:
    return Deal.objects.create(
        customer=customer, rep=rep, result=result, amount=Decimal(amount), closed_on=closed_on
    )


def _followup(customer, rep, when: dt.datetime) -> FollowUp:
    return FollowUp.objects.create(
        customer=customer, rep=rep, contact_at=when, channel=Channel.PHONE, note="电话"
    )


def _assignment(customer, rep, started: dt.datetime) -> Assignment:
    # ended, so several per customer do not meet the one-current-owner index
    return Assignment.objects.create(
        customer=customer,
        rep=rep,
        source=AssignmentSource.MANUAL,
        started_at=started,
        ended_at=started + dt.timedelta(hours=1),
    )


@pytest.fixture
def history(company, customers):
    """Deals, assignments and follow-ups in and around March 2026 (Q1 2026)."""
    c0, c1, c2 = customers[0], customers[1], customers[2]
    rep, rep2, south = company.rep, company.rep2, company.other_rep
    # rep: won 1000 + 250.50 in March, 400 in February (Q1, not March), 999 in April,
    # a lost deal in March (never counts)
    _deal(c0, rep, "1000", dt.date(2026, 3, 1))
    _deal(c1, rep, "250.50", dt.date(2026, 3, 31))
    _deal(c0, rep, "400", dt.date(2026, 2, 15))
    _deal(c0, rep, "999", dt.date(2026, 4, 1))
    _deal(c1, rep, "5000", dt.date(2026, 3, 10), result=DealResult.LOST)
    # rep2: 300 in March; other_rep (华南): 7000 in March
    _deal(c2, rep2, "300", dt.date(2026, 3, 5))
    _deal(customers[4], south, "7000", dt.date(2026, 3, 5))
    # assignments: rep 2 in March (local time; 00:30 on March 1 counts, April 1 00:30 not)
    _assignment(c0, rep, timezone.make_aware(dt.datetime(2026, 3, 1, 0, 30)))
    _assignment(c1, rep, _at(dt.date(2026, 3, 20)))
    _assignment(c1, rep, timezone.make_aware(dt.datetime(2026, 4, 1, 0, 30)))
    _assignment(c2, rep2, _at(dt.date(2026, 1, 3)))
    # follow-ups: rep 3 in March, 1 in January; rep2 1 in March
    for day in (2, 15, 31):
        _followup(c0, rep, _at(dt.date(2026, 3, day), 23))
    _followup(c0, rep, _at(dt.date(2026, 1, 9)))
    _followup(c2, rep2, _at(dt.date(2026, 3, 9)))


def test_period_bounds_of_month_and_quarter():
    assert period_start_of(PeriodKind.MONTH, dt.date(2026, 3, 17)) == MARCH
    assert period_start_of(PeriodKind.QUARTER, dt.date(2026, 3, 17)) == Q1
    assert period_start_of(PeriodKind.QUARTER, dt.date(2026, 12, 31)) == dt.date(2026, 10, 1)
    assert period_end_of(PeriodKind.MONTH, dt.date(2026, 12, 1)) == dt.date(2027, 1, 1)
    assert period_end_of(PeriodKind.QUARTER, dt.date(2026, 10, 1)) == dt.date(2027, 1, 1)


def test_progress_of_march_counts_only_the_period(company, history):
    rep, rep2 = company.rep, company.rep2
    progress = progress_of_reps([rep.pk, rep2.pk], PeriodKind.MONTH, MARCH)
    assert progress[rep.pk] == {
        Metric.WON_AMOUNT: Decimal("1250.50"),
        Metric.NEW_CUSTOMERS: Decimal(2),
        Metric.FOLLOWUPS: Decimal(3),
    }
    assert progress[rep2.pk] == {
        Metric.WON_AMOUNT: Decimal("300"),
        Metric.NEW_CUSTOMERS: Decimal(0),
        Metric.FOLLOWUPS: Decimal(1),
    }
    team = progress_sum(progress, [rep.pk, rep2.pk])
    assert team == {
        Metric.WON_AMOUNT: Decimal("1550.50"),
        Metric.NEW_CUSTOMERS: Decimal(2),
        Metric.FOLLOWUPS: Decimal(4),
    }


def test_progress_of_the_quarter_includes_february_and_january(company, history):
    rep, rep2 = company.rep, company.rep2
    progress = progress_of_reps([rep.pk, rep2.pk], PeriodKind.QUARTER, Q1)
    assert progress[rep.pk][Metric.WON_AMOUNT] == Decimal("1650.50")
    assert progress[rep.pk][Metric.FOLLOWUPS] == Decimal(4)
    assert progress[rep2.pk][Metric.NEW_CUSTOMERS] == Decimal(1)


def test_progress_takes_three_queries_for_any_number_of_reps(
    company, history, django_assert_num_queries
):
    ids = [company.rep.pk, company.rep2.pk, company.other_rep.pk]
    with django_assert_num_queries(3):
        progress = progress_of_reps(ids, PeriodKind.MONTH, MARCH)
    assert progress[company.other_rep.pk][Metric.WON_AMOUNT] == Decimal("7000")


def test_manager_sets_goals_for_own_team_and_rep_sees_bars(company, customers, history):
    manager = viewer_of(company.manager)
    today = timezone.localdate()
    month = period_start_of(PeriodKind.MONTH, today)
    goals_set(
        manager,
        PeriodKind.MONTH,
        month,
        rep_targets={(company.rep.pk, Metric.FOLLOWUPS): Decimal(10)},
        team_targets={(company.east.pk, Metric.WON_AMOUNT): Decimal(50000)},
    )
    _followup(customers[0], company.rep, timezone.now())
    bars = bars_of_rep(company.rep.pk, today)
    assert [(b.metric, b.target, b.value, b.percent) for b in bars] == [
        (Metric.FOLLOWUPS, Decimal(10), Decimal(1), 10)
    ]
    # saving again updates, and an empty target removes the goal
    goals_set(
        manager,
        PeriodKind.MONTH,
        month,
        rep_targets={(company.rep.pk, Metric.FOLLOWUPS): Decimal(20)},
        team_targets={(company.east.pk, Metric.WON_AMOUNT): None},
    )
    assert Goal.objects.get(rep=company.rep).target == Decimal(20)
    assert not Goal.objects.filter(team=company.east).exists()


def test_manager_cannot_set_goals_for_another_team(company):
    manager = viewer_of(company.manager)
    with pytest.raises(PermissionDenied):
        goals_set(
            manager,
            PeriodKind.MONTH,
            MARCH,
            rep_targets={(company.other_rep.pk, Metric.FOLLOWUPS): Decimal(1)},
        )
    with pytest.raises(PermissionDenied):
        goals_set(
            manager,
            PeriodKind.MONTH,
            MARCH,
            rep_targets={},
            team_targets={(company.south.pk, Metric.FOLLOWUPS): Decimal(1)},
        )
    with pytest.raises(PermissionDenied):
        goals_set(viewer_of(company.rep_user), PeriodKind.MONTH, MARCH, rep_targets={})
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    "case",
    [
        (PeriodKind.MONTH, MARCH, "followups", Decimal(-1), "target"),
        (PeriodKind.MONTH, MARCH, "calls", Decimal(1), "metric"),
        (PeriodKind.MONTH, MARCH, "followups", Decimal(10) ** 14, "target"),
        ("year", MARCH, "followups", Decimal(1), "period"),
        (PeriodKind.QUARTER, MARCH, "followups", Decimal(1), "period_start"),
    ],
)
def test_invalid_goals_are_refused(company, case):
    kind, start, key, target, field = case
    with pytest.raises(ValidationError) as exc:
        goals_set(
            viewer_of(company.manager),
            kind,
            start,
            rep_targets={(company.rep.pk, key): target},
        )
    assert field in exc.value.message_dict
    assert not Goal.objects.exists()


def test_feedback_notifies_the_rep_who_acknowledges_once(company):
    note = feedback_give(viewer_of(company.manager), company.rep, " 本月跟进要加强 ")
    assert note.text == "本月跟进要加强" and note.acknowledged_at is None
    inbox = Notification.objects.get(recipient=company.rep_user)
    assert inbox.kind == "feedback" and "本月跟进要加强" in inbox.body
    with pytest.raises(PermissionDenied):
        feedback_acknowledge(viewer_of(company.other_rep_user), note)
    feedback_acknowledge(viewer_of(company.rep_user), note)
    first = Feedback.objects.get(pk=note.pk).acknowledged_at
    assert first is not None
    feedback_acknowledge(viewer_of(company.rep_user), note)
    assert Feedback.objects.get(pk=note.pk).acknowledged_at == first


def test_feedback_validation_and_other_team(company):
    manager = viewer_of(company.manager)
    with pytest.raises(ValidationError):
        feedback_give(manager, company.rep, "   ")
    with pytest.raises(ValidationError):
        feedback_give(manager, company.rep, "长" * 1001)
    with pytest.raises(PermissionDenied):
        feedback_give(manager, company.other_rep, "不是你的人")
    with pytest.raises(PermissionDenied):
        feedback_give(viewer_of(company.rep_user), company.rep2, "同事")
    assert not Feedback.objects.exists()


# ----------------------------------------------------------------------- pages


def _login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_goals_page_for_manager_only(company):
    assert _login(company.manager).get("/goals/").status_code == 200
    assert _login(company.rep_user).get("/goals/").status_code == 403
    assert _login(company.outsider).get("/goals/").status_code == 403
    assert Client().get("/goals/").status_code == 302


def test_manager_saves_the_grid_at_once(company):
    client = _login(company.manager)
    response = client.post(
        "/goals/?period=quarter&start=2026-02-10",
        {
            f"rep-{company.rep.pk}-won_amount": "100000",
            f"rep-{company.rep2.pk}-followups": "30",
            f"team-{company.east.pk}-new_customers": "12",
            f"rep-{company.other_rep.pk}-followups": "5",  # not on the grid: ignored
        },
    )
    assert response.status_code == 302
    goals = {
        (g.rep_id, g.team_id, g.metric): g.target
        for g in Goal.objects.filter(period="quarter", period_start=Q1)
    }
    assert goals == {
        (company.rep.pk, None, "won_amount"): Decimal(100000),
        (company.rep2.pk, None, "followups"): Decimal(30),
        (None, company.east.pk, "new_customers"): Decimal(12),
    }
    page = client.get("/goals/?period=quarter&start=2026-02-10").content.decode()
    assert 'value="100000.00"' in page and "李娜" in page and "王芳" not in page


def test_grid_with_a_negative_target_saves_nothing(company):
    client = _login(company.manager)
    client.post(
        "/goals/",
        {f"rep-{company.rep.pk}-followups": "10", f"rep-{company.rep2.pk}-followups": "-3"},
    )
    assert not Goal.objects.exists()


def test_feedback_page_flow_with_and_without_htmx(company):
    manager = _login(company.manager)
    assert (
        manager.post(f"/goals/reps/{company.other_rep.pk}/feedback/", {"text": "x"}).status_code
        == 404
    )
    assert (
        manager.post(
            f"/goals/reps/{company.rep.pk}/feedback/", {"text": "客户拜访做得好"}
        ).status_code
        == 302
    )
    assert (
        manager.post(f"/goals/reps/{company.rep.pk}/feedback/", {"text": "第二条"}).status_code
        == 302
    )
    first, second = Feedback.objects.order_by("id")
    assert manager.get("/goals/").content.decode().count("unacknowledged") == 2
    rep = _login(company.rep_user)
    mine = rep.get("/mine/").content.decode()
    assert "客户拜访做得好" in mine and "第二条" in mine
    # another rep cannot acknowledge it: 404
    assert (
        _login(company.other_rep_user).post(f"/goals/feedback/{first.pk}/ack/").status_code == 404
    )
    assert rep.post(f"/goals/feedback/{first.pk}/ack/").status_code == 302
    response = rep.post(f"/goals/feedback/{second.pk}/ack/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and f'id="feedback-{second.pk}"' in response.content.decode()
    assert Feedback.objects.filter(acknowledged_at__isnull=True).count() == 0
    assert "客户拜访做得好" not in rep.get("/mine/").content.decode()
    assert "unacknowledged" not in _login(company.manager).get("/goals/").content.decode()
