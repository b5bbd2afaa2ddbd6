"""A small hand-built October 2026 for 华东 (reps 张伟 E01 and 李娜 E02) with one 华南 event
of each kind that a 华东 review must leave out. Rows are written with their own times
(the services stamp "now"); the figures the tests expect are worked out in each test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone
from tests.conftest import Company, make_customer

from fenpei.allocation.models import Assignment, AssignmentSource
from fenpei.appeals.models import Appeal, AppealKind, AppealStatus
from fenpei.audit.models import AuditEvent, AuditKind, AuditSource
from fenpei.customers.models import Customer
from fenpei.followups.models import Channel, Deal, DealResult, FollowUp
from fenpei.goals.models import Goal, Metric, PeriodKind
from fenpei.pool.models import PoolEvent, PoolEventKind, ReclaimRule
from fenpei.teams.models import Rep, Team

OCT_START, OCT_END = date(2026, 10, 1), date(2026, 10, 31)
#: "now" for the tests that fix it: mid-November, October over, Q4 under way
NOW = timezone.make_aware(datetime(2026, 11, 15, 12, 0))


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def d(month: int, day: int) -> date:
    return date(2026, month, day)


@dataclass
class October:
    c1: Customer
    c2: Customer
    c3: Customer
    c4: Customer
    c5: Customer
    c6: Customer
    c7: Customer


def _customer(
    name: str, value: int, created: date, team: Team, owner: Rep | None, *, since: date | None
) -> Customer:
    c = make_customer(name, region="上海", city="上海", industry="制造业", potential_value=value)
    Customer.objects.filter(pk=c.pk).update(
        created_at=at(created, 9),
        team=team,
        owner=owner,
        owned_since=at(since) if since else None,
    )
    c.refresh_from_db()
    return c


def _owned(customer: Customer, rep: Rep, start: date, end: date | None = None) -> None:
    Assignment.objects.create(
        customer=customer,
        rep=rep,
        source=AssignmentSource.MANUAL,
        started_at=at(start),
        ended_at=at(end) if end else None,
    )


def _audit(
    customer: Customer,
    source: str,
    day: date,
    from_rep: Rep | None,
    to_rep: Rep | None,
) -> None:
    AuditEvent.objects.create(
        kind=AuditKind.OWNER_CHANGE,
        source=source,
        customer=customer,
        customer_key=customer.key,
        customer_name=customer.name,
        team_id=customer.team_id,
        from_rep_id=from_rep.pk if from_rep else None,
        from_rep_name=from_rep.name if from_rep else "",
        from_team_id=from_rep.team_id if from_rep else None,
        to_rep_id=to_rep.pk if to_rep else None,
        to_rep_name=to_rep.name if to_rep else "",
        to_team_id=to_rep.team_id if to_rep else None,
        at=at(day),
    )


def _appeal(
    customer: Customer,
    rep: Rep,
    team: Team,
    opened: date,
    *,
    status: str,
    decided: date | None = None,
) -> Appeal:
    a = Appeal.objects.create(
        customer=customer, rep=rep, team=team, kind=AppealKind.HAND_BACK, reason="…", status=status
    )
    Appeal.objects.filter(pk=a.pk).update(
        created_at=at(opened), decided_at=at(decided) if decided else None
    )
    return a


def october(co: Company) -> October:
    east, south, rep, rep2, other = co.east, co.south, co.rep, co.rep2, co.other_rep
    # c1 张伟's all along; c2 张伟's, moved to 李娜 on 10-05; c3 new on 10-03, routed to 李娜;
    # c4 new on 10-20, claimed by 张伟 on 10-21; c5 李娜's, reclaimed on 10-15;
    # c6 华南's, new on 10-08; c7 张伟's, handed over to 李娜 on 10-25
    c1 = _customer("甲公司", 100_000, d(9, 10), east, rep, since=d(9, 10))
    c2 = _customer("乙公司", 300_000, d(9, 12), east, rep2, since=d(10, 5))
    c3 = _customer("丙公司", 50_000, d(10, 3), east, rep2, since=d(10, 3))
    c4 = _customer("丁公司", 200_000, d(10, 20), east, rep, since=d(10, 21))
    c5 = _customer("戊公司", 80_000, d(8, 1), east, None, since=None)
    c6 = _customer("己公司", 70_000, d(10, 8), south, other, since=d(10, 8))
    c7 = _customer("庚公司", 10_000, d(9, 1), east, rep2, since=d(10, 25))
    _customer("辛公司", 5_000, d(11, 3), east, None, since=None)  # after the period
    _owned(c1, rep, d(9, 10))
    _owned(c2, rep, d(9, 12), d(10, 5))
    _owned(c2, rep2, d(10, 5))
    _owned(c3, rep2, d(10, 3))
    _owned(c4, rep, d(10, 21))
    _owned(c5, rep2, d(8, 1), d(10, 15))
    _owned(c6, other, d(10, 8))
    _owned(c7, rep, d(9, 1), d(10, 25))
    _owned(c7, rep2, d(10, 25))

    _audit(c2, AuditSource.MANUAL, d(10, 5), rep, rep2)
    _audit(c3, AuditSource.ROUTE, d(10, 3), None, rep2)
    _audit(c4, AuditSource.CLAIM, d(10, 21), None, rep)  # counted from the pool's log
    _audit(c5, AuditSource.RECLAIM, d(10, 15), rep2, None)  # likewise
    _audit(c6, AuditSource.ROUTE, d(10, 8), None, other)  # 华南
    _audit(c7, AuditSource.HANDOVER, d(10, 25), rep, rep2)
    _audit(c1, AuditSource.MANUAL, d(11, 2), rep, rep2)  # after the period
    PoolEvent.objects.create(
        kind=PoolEventKind.CLAIM, customer=c4, rep=rep, team=east, at=at(d(10, 21)), day=d(10, 21)
    )
    PoolEvent.objects.create(
        kind=PoolEventKind.RECLAIM,
        customer=c5,
        rep=rep2,
        team=east,
        rule=ReclaimRule.NO_FOLLOWUP,
        days=35,
        at=at(d(10, 15)),
        day=d(10, 15),
    )
    PoolEvent.objects.create(
        kind=PoolEventKind.CLAIM, customer=c6, rep=other, team=south, at=at(d(10, 9)), day=d(10, 9)
    )

    _appeal(c1, rep, east, d(10, 10), status=AppealStatus.APPROVED, decided=d(10, 12))
    _appeal(c2, rep2, east, d(10, 28), status=AppealStatus.OPEN)
    _appeal(c7, rep, east, d(9, 20), status=AppealStatus.REJECTED, decided=d(10, 2))
    _appeal(c6, other, south, d(10, 11), status=AppealStatus.OPEN)

    for day in (d(10, 2), d(10, 9), d(10, 30)):
        FollowUp.objects.create(
            customer=c1, rep=rep, contact_at=at(day), channel=Channel.PHONE, note="…"
        )
    FollowUp.objects.create(
        customer=c1, rep=rep, contact_at=at(d(11, 1)), channel=Channel.PHONE, note="…"
    )
    FollowUp.objects.create(
        customer=c2, rep=rep2, contact_at=at(d(10, 9)), channel=Channel.VISIT, note="…"
    )
    FollowUp.objects.create(
        customer=c6, rep=other, contact_at=at(d(10, 9)), channel=Channel.VISIT, note="…"
    )
    for customer, who, result, amount, day in (
        (c1, rep, DealResult.WON, 60_000, d(10, 20)),
        (c2, rep2, DealResult.WON, 50_000, d(10, 22)),
        (c4, rep, DealResult.LOST, 30_000, d(10, 25)),
        (c6, other, DealResult.WON, 90_000, d(10, 10)),
        (c1, rep, DealResult.WON, 1_000, d(9, 30)),
    ):
        Deal.objects.create(
            customer=customer, rep=who, result=result, amount=Decimal(amount), closed_on=day
        )

    month, quarter = PeriodKind.MONTH, PeriodKind.QUARTER
    Goal.objects.create(
        rep=rep, period=month, period_start=d(10, 1), metric=Metric.FOLLOWUPS, target=4
    )
    Goal.objects.create(
        team=east, period=month, period_start=d(10, 1), metric=Metric.WON_AMOUNT, target=100_000
    )
    Goal.objects.create(
        rep=rep2, period=quarter, period_start=d(10, 1), metric=Metric.NEW_CUSTOMERS, target=10
    )
    Goal.objects.create(
        rep=rep, period=month, period_start=d(9, 1), metric=Metric.FOLLOWUPS, target=4
    )
    Goal.objects.create(
        rep=other, period=month, period_start=d(10, 1), metric=Metric.FOLLOWUPS, target=4
    )
    return October(c1, c2, c3, c4, c5, c6, c7)
