"""A hand-built March 2026 for the dashboards: ten customers whose owners, follow-ups,
deals and pool days are all written out below, so every figure can be counted by hand.

Owners (all at 10:00 local time; "→" ends an assignment):

    c1  A 500,000  E01 from 02-01                      制造业 上海
    c2  B 200,000  E01 from 02-01                      零售   江苏
    c3  C 100,000  E01 from 02-01
    c4  A 300,000  E01 02-01 → 03-20, E02 from 03-20   制造业 上海
    c5  C  50,000  pool, E02 03-10 → 04-05, pool
    c6  B  80,000  S01 from 02-15                      电子   广东   (华南)
    c7  B  60,000  created 04-02 09:00, S01 from 04-02              (华南)
    c8  C  40,000  pool, E02 03-05 → 03-25, pool
    c9  C  20,000  pool, E02 from 03-28
    c10 B  10,000  pool, E01 03-15 → 03-16, pool
    c11 C       0  created 03-10 12:00, pool (unrouted: no team)

Every customer but c7 and c11 was created on 01-15. E02 is on leave 03-17…03-31.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from tests.conftest import Company, make_customer

from fenpei.allocation.models import Assignment, AssignmentSource
from fenpei.customers.models import Customer, Tier
from fenpei.dashboards.periods import CUSTOM, Period
from fenpei.followups.models import Channel, Deal, DealResult, FollowUp
from fenpei.teams.models import Rep

MARCH = Period(CUSTOM, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
FEBRUARY = Period(CUSTOM, dt.date(2026, 2, 1), dt.date(2026, 2, 28))
NOW = timezone.make_aware(dt.datetime(2026, 4, 15, 10, 0))


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour))


@dataclass
class March:
    company: Company
    c: dict[int, Customer]


def _own(customer: Customer, rep: Rep, start: dt.datetime, end: dt.datetime | None = None) -> None:
    Assignment.objects.create(
        customer=customer,
        rep=rep,
        source=AssignmentSource.MANUAL,
        started_at=start,
        ended_at=end,
    )


def _followup(customer: Customer, rep: Rep, when: dt.datetime) -> None:
    FollowUp.objects.create(
        customer=customer, rep=rep, contact_at=when, channel=Channel.PHONE, note="电话"
    )


def _deal(customer: Customer, rep: Rep, result: str, amount: str, closed: dt.date) -> None:
    Deal.objects.create(
        customer=customer, rep=rep, result=result, amount=Decimal(amount), closed_on=closed
    )


@pytest.fixture
def march(company: Company) -> March:
    e01, e02, s01 = company.rep, company.rep2, company.other_rep
    Rep.objects.update(created_at=at(1, 1))
    Rep.objects.filter(pk=e02.pk).update(
        leave_from=dt.date(2026, 3, 17), leave_until=dt.date(2026, 3, 31)
    )
    specs = {
        1: (Tier.A, "500000", "制造业", "上海", company.east),
        2: (Tier.B, "200000", "零售", "江苏", company.east),
        3: (Tier.C, "100000", "制造业", "上海", company.east),
        4: (Tier.A, "300000", "制造业", "上海", company.east),
        5: (Tier.C, "50000", "零售", "浙江", company.east),
        6: (Tier.B, "80000", "电子", "广东", company.south),
        7: (Tier.B, "60000", "电子", "广东", company.south),
        8: (Tier.C, "40000", "零售", "上海", company.east),
        9: (Tier.C, "20000", "零售", "上海", company.east),
        10: (Tier.B, "10000", "零售", "上海", company.east),
        11: (Tier.C, "0", "矿业", "新疆", None),
    }
    c = {
        n: make_customer(
            f"客户{n:02d}有限公司",
            key=f"K{n:02d}",
            tier=tier,
            potential_value=Decimal(value),
            industry=industry,
            region=region,
            team=team,
        )
        for n, (tier, value, industry, region, team) in specs.items()
    }
    Customer.objects.update(created_at=at(1, 15))
    Customer.objects.filter(pk=c[7].pk).update(created_at=at(4, 2, 9))
    Customer.objects.filter(pk=c[11].pk).update(created_at=at(3, 10, 12))

    for n in (1, 2, 3):
        _own(c[n], e01, at(2, 1))
    _own(c[4], e01, at(2, 1), at(3, 20))
    _own(c[4], e02, at(3, 20))
    _own(c[5], e02, at(3, 10), at(4, 5))
    _own(c[6], s01, at(2, 15))
    _own(c[7], s01, at(4, 2))
    _own(c[8], e02, at(3, 5), at(3, 25))
    _own(c[9], e02, at(3, 28))
    _own(c[10], e01, at(3, 15), at(3, 16))
    # The customers' owner columns say what the open assignments say.
    for n, rep in ((1, e01), (2, e01), (3, e01), (4, e02), (6, s01), (7, s01), (9, e02)):
        Customer.objects.filter(pk=c[n].pk).update(owner=rep)

    _followup(c[1], e01, at(3, 25))
    _followup(c[2], e01, at(2, 20))  # more than 30 days before April
    _followup(c[4], e02, at(3, 21))  # 24 h after E02 got it
    _followup(c[5], e02, at(3, 12, 16))  # 54 h
    _followup(c[8], e01, at(3, 5, 12))  # not the owner's: does not count for speed
    _followup(c[8], e02, at(3, 6, 12))  # 26 h
    _followup(c[10], e01, at(3, 17))  # after E01 lost it: does not count for speed

    _deal(c[1], e01, DealResult.WON, "100000", dt.date(2026, 3, 10))
    _deal(c[2], e01, DealResult.LOST, "50000", dt.date(2026, 3, 15))
    _deal(c[3], e01, DealResult.WON, "30000", dt.date(2026, 2, 28))  # February
    _deal(c[4], e02, DealResult.WON, "200000", dt.date(2026, 3, 31))  # last day counts
    _deal(c[5], e02, DealResult.LOST, "10000", dt.date(2026, 4, 1))  # April
    _deal(c[6], s01, DealResult.LOST, "70000", dt.date(2026, 3, 5))
    return March(company, c)
