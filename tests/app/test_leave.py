"""Leave (请假): no new customers on the dates of leave, and no flood on the way back.

Why no flood: routing gives each new customer to the rep with the best marginal value
M + priority × fit − λ · L_r / C_r. Between reps of equal fit only the balance term
differs, so each customer goes to a rep with the lowest L_r / C_r: the returning rep
catches up, then takes turns, and loads never spread by more than one customer (equal
capacities). A run maximises the same objective over all its customers at once, whose
balance term is convex in the load, so its optimum spreads loads just as evenly.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from tests.conftest import make_customer

from fenpei.allocation.models import RunItem
from fenpei.allocation.routing import customer_create
from fenpei.allocation.selectors import rep_loads
from fenpei.allocation.services import run_apply, run_create
from fenpei.customers.models import Customer, Intent
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Level, Rep, RepStatus
from fenpei.teams.services import rep_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def even_team(company):
    """华东 with three reps alike in everything (territory, industry, level, capacity), the
    third (孙丽) on leave from yesterday for five days."""
    today = timezone.localdate()
    alike = {
        "level": Level.MID,
        "regions": ["上海"],
        "industries": ["制造业"],
        "products": [],
        "capacity": 100,
    }
    Rep.objects.filter(pk__in=[company.rep.pk, company.rep2.pk]).update(**alike)
    back = Rep.objects.create(
        key="E03",
        name="孙丽",
        team=company.east,
        status=RepStatus.ON_LEAVE,
        leave_from=today - timedelta(days=1),
        leave_until=today + timedelta(days=5),
        **alike,
    )
    return [company.rep, company.rep2, back]


def _create(manager, n: int, start: int) -> list[Customer]:
    out = []
    for i in range(start, start + n):
        routed = customer_create(
            manager,
            {
                "name": f"上海均衡测试{i:03d}制造有限公司",
                "region": "上海",
                "city": "上海",
                "industry": "制造业",
                "potential_value": Decimal("200000"),
                "intent": Intent.MEDIUM,
            },
            route=True,
        )
        out.append(routed.customer)
    return out


def test_rep_on_leave_gets_no_routed_customers_and_no_flood_when_back(company, even_team):
    manager = viewer_of(company.manager)
    a, b, back = even_team
    _create(manager, 30, 0)
    loads = rep_loads([a.pk, b.pk, back.pk])
    assert loads[back.pk] == 0  # on leave: nothing new
    assert loads[a.pk] + loads[b.pk] == 30 and abs(loads[a.pk] - loads[b.pk]) <= 1

    # Back a day early: the manager ends the leave yesterday.
    yesterday = timezone.localdate() - timedelta(days=1)
    rep_update(manager, back, leave_from=yesterday - timedelta(days=3), leave_until=yesterday)
    _create(manager, 30, 30)
    loads = rep_loads([a.pk, b.pk, back.pk])
    assert sum(loads.values()) == 60
    # The returner catches up (15 to reach the others) and then takes turns: a fair third,
    # not all 30.
    assert 15 <= loads[back.pk] <= 21 and loads[back.pk] < 30
    assert max(loads.values()) - min(loads.values()) <= 1


def test_run_skips_rep_on_the_dates_of_leave_and_uses_them_after(company, even_team):
    manager = viewer_of(company.manager)
    a, b, back = even_team
    for i in range(30):
        make_customer(
            f"上海均衡批次{i:03d}制造有限公司",
            region="上海",
            city="上海",
            industry="制造业",
            potential_value=Decimal("200000"),
            intent=Intent.MEDIUM,
        )
    today = timezone.localdate()
    during = run_create(manager, scope="unassigned", as_of=today)
    reps_given = set(RunItem.objects.filter(run=during).values_list("rep_id", flat=True))
    assert back.pk not in reps_given and reps_given == {a.pk, b.pk}
    after = run_create(manager, scope="unassigned", as_of=today + timedelta(days=6))
    counts = {rep.pk: RunItem.objects.filter(run=after, rep=rep).count() for rep in (a, b, back)}
    assert counts == {a.pk: 10, b.pk: 10, back.pk: 10}

    # Apply the run of the leave; back from leave, the next 30 even out the loads.
    run_apply(manager, during.pk)
    for i in range(30, 60):
        make_customer(
            f"上海均衡批次{i:03d}制造有限公司",
            region="上海",
            city="上海",
            industry="制造业",
            potential_value=Decimal("200000"),
            intent=Intent.MEDIUM,
        )
    returned = run_create(manager, scope="unassigned", as_of=today + timedelta(days=6))
    run_apply(manager, returned.pk)
    loads = rep_loads([a.pk, b.pk, back.pk])
    assert loads == {a.pk: 20, b.pk: 20, back.pk: 20}


def test_leave_dates_decide_availability(company):
    rep = company.rep2
    today = timezone.localdate()
    rep.status = RepStatus.ON_LEAVE
    rep.leave_from, rep.leave_until = today, today + timedelta(days=2)
    assert not rep.available_on(today) and not rep.available_on(today + timedelta(days=2))
    assert rep.available_on(today - timedelta(days=1))
    assert rep.available_on(today + timedelta(days=3))
    rep.leave_from = rep.leave_until = None  # on leave until a manager says otherwise
    assert not rep.available_on(today + timedelta(days=300))
