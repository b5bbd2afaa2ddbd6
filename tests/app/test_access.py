"""Record-level access: who sees which customers, reps and runs (personas)."""

from __future__ import annotations

import pytest
from tests.conftest import make_customer

from fenpei.allocation.selectors import runs_visible_to
from fenpei.allocation.services import customers_assign, run_create
from fenpei.customers.models import Customer
from fenpei.customers.selectors import customer_get, customers_visible_to
from fenpei.teams.access import ADMIN, MANAGER, OUTSIDER, REP, reps_visible_to, viewer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(company, customers):
    """华通 → rep (华东), 精工 → rep2 (华东), 南方 → other_rep (华南); the rest in the pool;
    plus a pool customer of team 华南."""
    admin = viewer_of(company.admin)
    by_name = {c.name: c for c in customers}
    customers_assign(admin, [by_name["上海华通科技有限公司"].pk], company.rep.pk)
    customers_assign(admin, [by_name["苏州精工机械有限公司"].pk], company.rep2.pk)
    customers_assign(admin, [by_name["广州南方电子有限公司"].pk], company.other_rep.pk)
    make_customer("深圳海湾物流有限公司", region="广东", team=company.south)
    return by_name


def names(viewer) -> set[str]:
    return set(customers_visible_to(viewer).values_list("name", flat=True))


def test_roles(company):
    assert viewer_of(company.admin).role == ADMIN
    assert viewer_of(company.manager).role == MANAGER
    assert viewer_of(company.rep_user).role == REP
    assert viewer_of(company.outsider).role == OUTSIDER
    assert viewer_of(None).role == OUTSIDER


def test_admin_sees_everything(company, owned):
    assert len(names(viewer_of(company.admin))) == Customer.objects.count() == 7


def test_manager_sees_own_team_and_unrouted_pool(company, owned):
    seen = names(viewer_of(company.manager))
    assert "上海华通科技有限公司" in seen and "苏州精工机械有限公司" in seen
    assert "杭州百货零售有限公司" in seen  # pool, no team yet
    assert "广州南方电子有限公司" not in seen  # 华南's customer
    assert "深圳海湾物流有限公司" not in seen  # 华南's pool


def test_rep_sees_own_customers_and_the_pool_only(company, owned):
    seen = names(viewer_of(company.rep_user))
    assert "上海华通科技有限公司" in seen
    assert "苏州精工机械有限公司" not in seen  # a teammate's
    assert "广州南方电子有限公司" not in seen
    assert "杭州百货零售有限公司" in seen  # pool
    assert "深圳海湾物流有限公司" not in seen  # another team's pool


def test_rep_asking_for_another_reps_customer_gets_nothing(company, owned):
    other = owned["广州南方电子有限公司"]
    with pytest.raises(Customer.DoesNotExist):
        customer_get(viewer_of(company.rep_user), other.pk)


def test_outsider_sees_nothing(company, owned):
    outsider = viewer_of(company.outsider)
    assert names(outsider) == set()
    assert not reps_visible_to(outsider).exists()
    assert not runs_visible_to(outsider).exists()


def test_reps_visible(company):
    assert set(reps_visible_to(viewer_of(company.manager)).values_list("key", flat=True)) == {
        "E01",
        "E02",
    }
    assert set(reps_visible_to(viewer_of(company.rep_user)).values_list("key", flat=True)) == {
        "E01"
    }


def test_runs_visible_to_their_team_only(company, customers):
    run = run_create(viewer_of(company.manager), scope="team")
    assert run in runs_visible_to(viewer_of(company.manager))
    assert run not in runs_visible_to(viewer_of(company.other_manager))
    assert run in runs_visible_to(viewer_of(company.admin))


def test_manager_sees_customers_their_reps_own_whatever_the_customers_team(company, owned):
    """The manager's filter asks for the owner's team in a subquery (no join); the rows
    are those of the three rules: the team's customers, those its reps own (even filed
    under another team or none) and the unrouted pool, nothing else."""
    unfiled = make_customer("上海无团队客户有限公司", key="K-UNFILED", owner=company.rep)
    elsewhere = make_customer("广州挂错团队客户有限公司", key="K-ELSE", team=company.south)
    Customer.objects.filter(pk=elsewhere.pk).update(owner=company.rep2)
    filed_here = make_customer("华东团队的南方客户有限公司", key="K-HERE", team=company.east)
    Customer.objects.filter(pk=filed_here.pk).update(owner=company.other_rep)
    south_owned = make_customer("华南自己的客户有限公司", key="K-SOUTH", team=company.south)
    Customer.objects.filter(pk=south_owned.pk).update(owner=company.other_rep)

    east = names(viewer_of(company.manager))
    assert {unfiled.name, elsewhere.name, filed_here.name} <= east
    assert south_owned.name not in east
    assert "深圳海湾物流有限公司" not in east  # 华南's pool
    south = names(viewer_of(company.other_manager))
    assert {south_owned.name, filed_here.name, "深圳海湾物流有限公司"} <= south
    assert unfiled.name not in south and elsewhere.name in south  # filed under 华南
    # …and each rep still sees only their own and the pool
    rep = names(viewer_of(company.rep_user))
    assert unfiled.name in rep and elsewhere.name not in rep and filed_here.name not in rep
