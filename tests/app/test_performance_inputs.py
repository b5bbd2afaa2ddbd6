"""Learning from results in the app: deals → the reps' track records → the engine, the
reason a run keeps, and the policy editor's fields."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from tests.conftest import make_customer

from fenpei.allocation.inputs import engine_reps, months_before, rep_track_records
from fenpei.allocation.models import RunItem
from fenpei.allocation.policy_forms import policy_initial
from fenpei.allocation.policy_services import policy_version_create
from fenpei.allocation.reasons import reason_line
from fenpei.allocation.selectors import policy_current
from fenpei.allocation.services import run_create
from fenpei.customers.models import Customer
from fenpei.engine import Policy, default_policy
from fenpei.engine.model import DealTally
from fenpei.engine.policy import PerformanceTerm, policy_to_toml
from fenpei.followups.models import Deal, DealResult
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db

DAY = date(2025, 6, 30)
TERM = PerformanceTerm(weight=0.3, prior_deals=10, min_deals=10, months=12, segments=("industry",))


def _deals(customer: Customer, rep, won: int, lost: int, closed_on: date = DAY) -> None:
    rows = [DealResult.WON] * won + [DealResult.LOST] * lost
    Deal.objects.bulk_create(
        Deal(customer=customer, rep=rep, result=r, amount=Decimal(1000), closed_on=closed_on)
        for r in rows
    )


def _past(name: str, owner, **fields: object) -> Customer:
    return make_customer(name, owner=owner, team=owner.team, **fields)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 6, 30), 12, date(2024, 6, 30)),
        (date(2025, 3, 31), 1, date(2025, 2, 28)),  # a shorter month: its last day
        (date(2024, 2, 29), 12, date(2023, 2, 28)),
        (date(2025, 1, 15), 3, date(2024, 10, 15)),
    ],
)
def test_months_before(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


def test_track_records_count_the_window_by_industry_region_and_tier(company):
    zhang, li, wang = company.rep, company.rep2, company.other_rep
    a = _past("上海制造甲", zhang, industry="制造业", region="上海", tier="A")
    b = _past("苏州制造乙", zhang, industry="制造业", region="江苏", tier="B")
    c = _past("上海零售丙", li, industry="零售", region="上海", tier="C")
    _deals(a, zhang, won=3, lost=1)
    _deals(a, zhang, won=1, lost=0, closed_on=date(2024, 7, 1))  # first day in the window
    _deals(a, zhang, won=5, lost=5, closed_on=date(2024, 6, 30))  # 12 months ago: out
    _deals(a, zhang, won=2, lost=0, closed_on=date(2025, 7, 1))  # after the day: out
    _deals(b, zhang, won=0, lost=2)
    _deals(c, li, won=1, lost=1)
    _deals(c, None, won=4, lost=0)  # nobody's deals teach nothing
    _deals(c, wang, won=1, lost=0)  # a rep not asked about
    records = rep_track_records([zhang.pk, li.pk], DAY, 12)
    assert records == {
        zhang.pk: (
            DealTally("制造业", "上海", "A", 5, 4),
            DealTally("制造业", "江苏", "B", 2, 0),
        ),
        li.pk: (DealTally("零售", "上海", "C", 2, 1),),
    }
    assert rep_track_records([], DAY, 12) == {}


def test_engine_reps_carry_records_only_with_the_term_on(company, django_assert_num_queries):
    a = _past("上海制造甲", company.rep, industry="制造业", region="上海", tier="A")
    _deals(a, company.rep, won=2, lost=1)
    reps = [company.rep, company.rep2]
    for r in reps:
        r.team  # noqa: B018 - loaded now, so the counts below are the function's own
    with django_assert_num_queries(0):
        off = engine_reps(reps, {}, DAY, policy=Policy())
    assert [r.track_record for r in off] == [(), ()]
    with django_assert_num_queries(1):  # one grouped query
        on = engine_reps(reps, {}, DAY, policy=Policy(performance=TERM))
    assert on[0].track_record == (DealTally("制造业", "上海", "A", 3, 2),)
    assert on[1].track_record == ()
    # no policy given: the active one decides
    assert engine_reps(reps, {}, DAY)[0].track_record == ()
    policy_version_create(
        viewer_of(company.manager), policy_to_toml(Policy(performance=TERM)), "learn"
    )
    assert policy_current().performance == TERM
    assert engine_reps(reps, {}, DAY)[0].track_record == on[0].track_record


def test_run_with_the_term_on_keeps_the_track_record_reason(company, customers):
    zhang, li = company.rep, company.rep2
    # 李娜 won 15 of 20 零售 deals, 张伟 5 of 20: team 零售 p = p_s = (20 + 5)/50 = 0.5;
    # 李娜 (15 + 5)/30 = 2/3, bonus 0.3 × (4/3 − 1) = 0.1; 张伟 is below the team
    _deals(_past("零售老客户一", li, industry="零售", region="上海", tier="C"), li, 15, 5)
    _deals(_past("零售老客户二", zhang, industry="零售", region="上海", tier="C"), zhang, 5, 15)
    manager = viewer_of(company.manager)
    before = run_create(manager, scope="unassigned", as_of=DAY)
    policy_version_create(manager, policy_to_toml(Policy(performance=TERM)), "learn")
    run = run_create(manager, scope="unassigned", as_of=DAY)
    name = "上海浦江贸易有限公司"  # 上海, 零售: both may take it
    old = RunItem.objects.get(run=before, customer__name=name)
    item = RunItem.objects.get(run=run, customer__name=name)
    assert item.rep == li and old.rep == li
    assert "performance" not in [r.get("kind") for r in old.reasons]
    kinds = [r.get("kind") for r in item.reasons]
    assert kinds == ["eligible", "priority", "fit", "performance", "balance", "runner_up"]
    perf = item.reasons[3]
    assert perf == {
        "kind": "performance",
        "industry": "零售",
        "region": "",
        "tier": "",
        "wins": 15,
        "deals": 20,
        "rate": 0.6667,
        "team_rate": 0.5,
        "bonus": 0.1,
    }
    fit_before = next(r for r in old.reasons if r.get("kind") == "fit")
    assert item.reasons[2]["total"] == pytest.approx(fit_before["total"] + 0.1)
    assert item.score == pytest.approx(old.score * item.reasons[2]["total"] / fit_before["total"])
    with translation.override("en"):
        assert reason_line(perf) == (
            "Won 15 of 20 deals in 零售 industry (estimated win rate 67%); team 50%."
        )
        assert "track record +0.1" in reason_line(item.reasons[2])
    with translation.override("zh-hans"):
        assert "业绩 +0.1" in reason_line(item.reasons[2])
    # 张伟's 制造业 customer: no record in 制造业 or enough overall above the team, no reason
    other = RunItem.objects.get(run=run, customer__name="上海华通科技有限公司")
    assert other.rep == zhang and "performance" not in [r.get("kind") for r in other.reasons]


def test_policy_editor_saves_the_term(client, company):
    client.force_login(company.manager)
    data: dict[str, object] = dict(policy_initial(default_policy()))
    data.update({"rules-TOTAL_FORMS": "0", "rules-INITIAL_FORMS": "0", "note": "learn"})
    page = client.get(reverse("allocation:policy")).content.decode()
    for field in ("performance_weight", "performance_prior_deals", "performance_segments"):
        assert f'name="{field}"' in page
    data.update(
        performance_weight="0.3",
        performance_prior_deals="15",
        performance_min_deals="5",
        performance_months="6",
        performance_segments=["industry", "tier"],
    )
    response = client.post(reverse("allocation:policy"), data)
    assert response.status_code == 302
    assert policy_current().performance == PerformanceTerm(
        weight=0.3, prior_deals=15, min_deals=5, months=6, segments=("industry", "tier")
    )
    # the engine's limit lands on the field
    data.update(performance_prior_deals="0", note="again")
    response = client.post(reverse("allocation:policy"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["performance_prior_deals"][0].startswith(
        "performance.prior_deals must be > 0"
    )


def test_why_page_shows_the_track_record_part(client, company, customers):
    li, zhang, today = company.rep2, company.rep, timezone.localdate()  # the page's day
    _deals(_past("零售老客户一", li, industry="零售", region="上海", tier="C"), li, 15, 5, today)
    _deals(
        _past("零售老客户二", zhang, industry="零售", region="上海", tier="C"), zhang, 5, 15, today
    )
    policy_version_create(
        viewer_of(company.manager), policy_to_toml(Policy(performance=TERM)), "learn"
    )
    customer = Customer.objects.get(name="上海浦江贸易有限公司")
    client.force_login(company.manager)
    response = client.get(reverse("rules:why", args=[customer.pk]), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    # 李娜's fit shows the bonus as its own part, so the parts add up to the fit shown
    assert response.status_code == 200 and "track record 0.1" in body
