"""The pool (公海): claims within the policy's limits, returns with a reason, the daily
reclaim and its warnings, on the database the suite runs on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from tests.app.pool_setup import NOW, TODAY, at, days_ago, own, pool_policy
from tests.conftest import Company, make_customer

from fenpei.allocation.models import Assignment, AssignmentSource
from fenpei.allocation.selectors import policy_current
from fenpei.customers.models import Customer, Stage
from fenpei.engine.policy import PoolRules
from fenpei.pool import services
from fenpei.pool.models import PoolEvent, PoolEventKind, ReclaimRule, ReclaimSweep
from fenpei.pool.selectors import claims_left, pool_customers, reclaim_plan, reclaim_warnings
from fenpei.pool.services import customer_claim, customers_reclaim, customers_return
from fenpei.teams.access import REP, Viewer, viewer_of
from fenpei.teams.models import Rep

pytestmark = pytest.mark.django_db


def rep_viewer(rep: Rep) -> Viewer:
    """A rep without a login (李娜) as a viewer."""
    team = frozenset({rep.team_id}) if rep.team_id else frozenset()
    return Viewer(None, REP, rep.pk, team)


def refused(code: str, viewer: Viewer, customer: Customer, **kw: object) -> str:
    with pytest.raises(ValidationError) as info:
        customer_claim(viewer, customer.pk, **kw)  # type: ignore[arg-type]
    assert info.value.code == code
    return " ".join(info.value.messages)


# ------------------------------------------------------------------------ claims


def test_rep_claims_from_the_pool_and_it_is_recorded(
    company: Company, customers: list[Customer]
) -> None:
    pool_policy(claims_per_day=3)
    me = viewer_of(company.rep_user)
    customer = customer_claim(me, customers[0].pk, now=NOW)
    customer.refresh_from_db()
    assert customer.owner_id == company.rep.pk and customer.team_id == company.east.pk
    current = Assignment.objects.get(customer=customer, ended_at__isnull=True)
    assert current.source == AssignmentSource.CLAIM and current.reasons == [{"kind": "claim"}]
    event = PoolEvent.objects.get(customer=customer)
    assert (event.kind, event.rep_id, event.team_id, event.day) == (
        PoolEventKind.CLAIM,
        company.rep.pk,
        None,  # it came from the unrouted pool
        TODAY,
    )
    assert claims_left(company.rep.pk, _rules(), TODAY) == 2


def _rules() -> PoolRules:
    return policy_current().pool


def test_second_claimant_is_told_who_was_faster(
    company: Company, customers: list[Customer]
) -> None:
    customer_claim(viewer_of(company.rep_user), customers[0].pk, now=at(TODAY, 10, 32))
    message = refused(services.TAKEN, rep_viewer(company.rep2), customers[0], now=NOW)
    # "已被 张伟 于 10:32 领取。" once the catalogue has it
    assert "张伟" in message and "10:32" in message
    assert Customer.objects.get(pk=customers[0].pk).owner_id == company.rep.pk


def test_claiming_your_own_customer_again_is_refused(
    company: Company, customers: list[Customer]
) -> None:
    me = viewer_of(company.rep_user)
    customer_claim(me, customers[0].pk, now=NOW)
    refused(services.NOT_IN_POOL, me, customers[0], now=NOW)
    assert PoolEvent.objects.filter(kind=PoolEventKind.CLAIM).count() == 1


def test_a_customer_assigned_by_a_manager_is_no_longer_in_the_pool(
    company: Company, customers: list[Customer]
) -> None:
    own(customers[0], company.rep2, since=TODAY)
    message = refused(services.NOT_IN_POOL, viewer_of(company.rep_user), customers[0])
    assert "李娜" not in message  # not claimed: nobody to name


def test_claims_per_day_are_counted_exactly(company: Company, customers: list[Customer]) -> None:
    pool_policy(claims_per_day=2)
    me = viewer_of(company.rep_user)
    customer_claim(me, customers[0].pk, now=at(TODAY, 9))
    customer_claim(me, customers[1].pk, now=at(TODAY, 23, 59))
    refused(services.LIMIT, me, customers[2], now=at(TODAY, 23, 59))
    # another rep's claims are their own
    customer_claim(rep_viewer(company.rep2), customers[2].pk, now=at(TODAY, 12))
    # the next day starts a new count
    customer_claim(me, customers[3].pk, now=at(TODAY + timedelta(days=1), 0, 1))
    assert Customer.objects.filter(owner=company.rep).count() == 3


def test_claims_per_day_zero_closes_claiming(company: Company, customers: list[Customer]) -> None:
    pool_policy(claims_per_day=0)
    refused(services.LIMIT, viewer_of(company.rep_user), customers[0])


def test_former_owner_waits_the_cooldown(company: Company, customers: list[Customer]) -> None:
    pool_policy(cooldown_days=30)
    me = viewer_of(company.rep_user)
    manager = viewer_of(company.manager)
    customer_claim(me, customers[0].pk, now=at(days_ago(40)))
    customers_return(manager, [customers[0].pk], "客户要求更换对接人")
    message = refused(services.COOLDOWN, me, customers[0])
    returned = Assignment.objects.get(customer=customers[0], rep=company.rep).ended_at
    assert returned is not None
    assert date_format(timezone.localdate(returned) + timedelta(days=30)) in message
    # a colleague may take it at once
    customer_claim(rep_viewer(company.rep2), customers[0].pk)
    assert Customer.objects.get(pk=customers[0].pk).owner_id == company.rep2.pk


def test_cooldown_ends_after_the_days(company: Company, customers: list[Customer]) -> None:
    pool_policy(cooldown_days=30)
    own(customers[0], company.rep, since=days_ago(90))
    customers_return(viewer_of(company.manager), [customers[0].pk], "调整")
    ended = Assignment.objects.get(customer=customers[0], rep=company.rep).ended_at
    assert ended is not None
    me = viewer_of(company.rep_user)
    refused(services.COOLDOWN, me, customers[0], now=ended + timedelta(days=29))
    customer_claim(me, customers[0].pk, now=ended + timedelta(days=30, seconds=1))


def test_cooldown_zero_lets_the_former_owner_back_at_once(
    company: Company, customers: list[Customer]
) -> None:
    pool_policy(cooldown_days=0)
    own(customers[0], company.rep, since=days_ago(10))
    customers_return(viewer_of(company.manager), [customers[0].pk], "调整")
    customer_claim(viewer_of(company.rep_user), customers[0].pk)


def test_claim_respects_capacity_under_the_lock(
    company: Company, customers: list[Customer]
) -> None:
    Rep.objects.filter(pk=company.rep.pk).update(capacity=1)
    me = viewer_of(company.rep_user)
    customer_claim(me, customers[0].pk)
    message = refused(services.OVER_CAPACITY, me, customers[1])
    assert "1" in message
    assert Customer.objects.get(pk=customers[1].pk).owner_id is None


def test_departed_rep_cannot_claim(company: Company, customers: list[Customer]) -> None:
    Rep.objects.filter(pk=company.rep.pk).update(status="departed")
    refused(services.UNAVAILABLE, viewer_of(company.rep_user), customers[0])


def test_claim_refuses_a_duplicate_a_colleague_owns(company: Company) -> None:
    theirs = make_customer("上海华通科技有限公司", key="K1", phone="021-6234 5678")
    own(theirs, company.rep2, since=TODAY)
    twin = make_customer("上海华通科技有限公司", key="K2")
    message = refused(services.CONFLICT, viewer_of(company.rep_user), twin)
    assert "李娜" in message
    # by phone, owned in another team: the team is named, not the rep
    south = make_customer("广州南方电子有限公司", key="K3", phone="020 8888 1234")
    own(south, company.other_rep, since=TODAY)
    phone_twin = make_customer("南方电子（广州）", key="K4", phone="020-8888-1234")
    message = refused(services.CONFLICT, viewer_of(company.rep_user), phone_twin)
    assert "华南" in message and "王芳" not in message
    assert Customer.objects.filter(owner=company.rep).count() == 0


def test_claim_of_a_duplicate_you_own_is_allowed(company: Company) -> None:
    mine = make_customer("上海华通科技有限公司", key="K1")
    own(mine, company.rep, since=TODAY)
    twin = make_customer("上海华通科技有限公司", key="K2")
    customer_claim(viewer_of(company.rep_user), twin.pk)


def test_team_scope_other_teams_pool_is_not_there(company: Company) -> None:
    pool_policy(scope="team")
    south_pool = make_customer("广州南方电子有限公司", key="K1", team=company.south)
    east_pool = make_customer("上海华通科技有限公司", key="K2", team=company.east)
    unrouted = make_customer("乌鲁木齐天山矿业有限公司", key="K3")
    me = viewer_of(company.rep_user)
    assert me.pool_scope == "team"
    assert set(pool_customers(me)) == {east_pool, unrouted}
    with pytest.raises(Customer.DoesNotExist):
        customer_claim(me, south_pool.pk)
    customer_claim(me, east_pool.pk)


def test_company_scope_one_pool_for_all(company: Company) -> None:
    pool_policy(scope="company")
    south_pool = make_customer("广州南方电子有限公司", key="K1", team=company.south)
    me = viewer_of(company.rep_user)
    assert me.pool_scope == "company"
    assert list(pool_customers(me)) == [south_pool]
    customer_claim(me, south_pool.pk)
    south_pool.refresh_from_db()
    assert south_pool.team_id == company.east.pk  # the claimant's team now
    # the other team's rep lost it to someone they can be told about
    message = refused(services.TAKEN, viewer_of(company.other_rep_user), south_pool)
    assert "张伟" in message


def test_loser_outside_the_pool_learns_nothing(company: Company) -> None:
    # Team scope: a 华南 rep probing a 华东 pool claim gets "not found", not the winner.
    customer = make_customer("上海华通科技有限公司", key="K1", team=company.east)
    customer_claim(viewer_of(company.rep_user), customer.pk)
    with pytest.raises(Customer.DoesNotExist):
        customer_claim(viewer_of(company.other_rep_user), customer.pk)


def test_managers_and_outsiders_without_a_rep_cannot_claim(
    company: Company, customers: list[Customer]
) -> None:
    for user in (company.manager, company.outsider):
        with pytest.raises(PermissionDenied):
            customer_claim(viewer_of(user), customers[0].pk)


# ------------------------------------------------------------------------ returns


def test_manager_returns_with_a_reason(company: Company, customers: list[Customer]) -> None:
    own(customers[0], company.rep, since=days_ago(3))
    own(customers[1], company.rep2, since=days_ago(3))
    manager = viewer_of(company.manager)
    with pytest.raises(ValidationError) as info:
        customers_return(manager, [customers[0].pk], "   ")
    assert "reason" in info.value.message_dict
    moved = customers_return(
        manager, [customers[0].pk, customers[1].pk, customers[2].pk], "客户已转由渠道跟进"
    )
    assert moved == 2  # the third was in the pool already
    assert (
        Customer.objects.filter(pk__in=[c.pk for c in customers[:2]], owner__isnull=True).count()
        == 2
    )
    ended = Assignment.objects.get(customer=customers[0])
    assert ended.ended_at is not None and "客户已转由渠道跟进" in ended.end_reason
    event = PoolEvent.objects.get(customer=customers[0])
    assert (event.kind, event.rep_id, event.user_id, event.reason) == (
        PoolEventKind.RETURN,
        company.rep.pk,
        company.manager.pk,
        "客户已转由渠道跟进",
    )


def test_rep_cannot_return_and_other_manager_cannot_touch(
    company: Company, customers: list[Customer]
) -> None:
    own(customers[0], company.rep, since=TODAY)
    with pytest.raises(PermissionDenied):
        customers_return(viewer_of(company.rep_user), [customers[0].pk], "不想要")
    with pytest.raises(ValidationError):
        customers_return(viewer_of(company.other_manager), [customers[0].pk], "越权")
    assert Customer.objects.get(pk=customers[0].pk).owner_id == company.rep.pk


# ------------------------------------------------------------------------ reclaim


def test_reclaim_rules(company: Company, customers: list[Customer]) -> None:
    pool_policy(reclaim_no_followup_days=30, reclaim_no_deal_days=180)
    idle = own(customers[0], company.rep, since=days_ago(100), followup=days_ago(30))
    fresh = own(customers[1], company.rep, since=days_ago(100), followup=days_ago(29))
    won = own(customers[2], company.rep, since=days_ago(100), stage=Stage.WON)
    locked = own(customers[3], company.rep, since=days_ago(100), locked=True)
    handed = own(customers[4], company.rep2, since=days_ago(2), followup=days_ago(60))
    no_deal = own(
        customers[5], company.rep2, since=days_ago(400), followup=days_ago(1), deal=days_ago(180)
    )
    planned = {d.customer.pk: d for d in reclaim_plan(_rules(), TODAY)}
    assert set(planned) == {idle.pk, no_deal.pk}
    assert planned[idle.pk].rule == ReclaimRule.NO_FOLLOWUP
    assert planned[no_deal.pk].rule == ReclaimRule.NO_DEAL

    dry = customers_reclaim(TODAY, dry_run=True, now=NOW)
    assert {d.customer.pk for d in dry.reclaimed} == set(planned)
    assert Customer.objects.filter(owner__isnull=False).count() == 6  # nothing moved

    result = customers_reclaim(TODAY, now=NOW)
    assert {d.customer.pk for d in result.reclaimed} == {idle.pk, no_deal.pk}
    assert set(Customer.objects.filter(owner__isnull=True).values_list("pk", flat=True)) == {
        idle.pk,
        no_deal.pk,
    }
    for c in (fresh, won, locked, handed):
        assert Customer.objects.get(pk=c.pk).owner_id is not None
    event = PoolEvent.objects.get(customer=idle)
    assert (event.kind, event.rule, event.days, event.rep_id) == (
        PoolEventKind.RECLAIM,
        ReclaimRule.NO_FOLLOWUP,
        30,
        company.rep.pk,
    )
    assert "30" in Assignment.objects.get(customer=idle).end_reason
    assert "180" in PoolEvent.objects.get(customer=no_deal).reason
    assert ReclaimSweep.objects.get(day=TODAY).reclaimed == 2
    # a second sweep the same day finds nothing more
    assert customers_reclaim(TODAY, now=NOW).reclaimed == []


def test_reclaim_rule_zero_is_off(company: Company, customers: list[Customer]) -> None:
    pool_policy(reclaim_no_followup_days=0, reclaim_no_deal_days=0)
    own(customers[0], company.rep, since=days_ago(1000))
    assert reclaim_plan(_rules(), TODAY) == []
    pool_policy(reclaim_no_followup_days=0, reclaim_no_deal_days=365)
    assert [d.rule for d in reclaim_plan(_rules(), TODAY)] == [ReclaimRule.NO_DEAL]


def test_reclaim_rechecks_under_the_lock(company: Company, customers: list[Customer]) -> None:
    """Claim vs reclaim: the plan was read, then the customer went back and was claimed
    by someone new; the reclaim must leave the new owner alone."""
    pool_policy(cooldown_days=0)
    own(customers[0], company.rep2, since=days_ago(60))
    plan = reclaim_plan(_rules(), TODAY)
    assert [d.customer.pk for d in plan] == [customers[0].pk]
    customers_return(viewer_of(company.manager), [customers[0].pk], "调整", now=NOW)
    customer_claim(viewer_of(company.rep_user), customers[0].pk, now=NOW)
    done = services._reclaim_batch([customers[0].pk], _rules(), TODAY, NOW)
    assert done == []
    assert Customer.objects.get(pk=customers[0].pk).owner_id == company.rep.pk


def test_rep_is_warned_before_the_reclaim(company: Company, customers: list[Customer]) -> None:
    pool_policy(reclaim_no_followup_days=30, warn_days=7)
    soon = own(customers[0], company.rep, since=days_ago(100), followup=days_ago(25))
    own(customers[1], company.rep, since=days_ago(100), followup=days_ago(20))
    colleague = own(customers[2], company.rep2, since=days_ago(100), followup=days_ago(26))
    warned = reclaim_warnings(viewer_of(company.rep_user), _rules(), TODAY)
    assert [(d.customer.pk, d.days_left(TODAY)) for d in warned] == [(soon.pk, 5)]
    # the manager sees the team's
    team = reclaim_warnings(viewer_of(company.manager), _rules(), TODAY)
    assert [d.customer.pk for d in team] == [colleague.pk, soon.pk]  # soonest first
    pool_policy(reclaim_no_followup_days=30, warn_days=0)
    assert reclaim_warnings(viewer_of(company.rep_user), _rules(), TODAY) == []
