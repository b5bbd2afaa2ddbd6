"""The allocation table's reads: scoping, filters, search, sorting, export rows, my customers."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from tests.conftest import make_customer

from fenpei.allocation.services import customers_assign
from fenpei.customers.models import Customer
from fenpei.customers.paging import count_rounded
from fenpei.customers.selectors import (
    DEFAULT_SORT,
    CustomerFilters,
    customer_export_rows,
    customers_filtered,
    my_customers,
    reps_assignable,
    reps_assignable_loads,
    table_choices,
)
from fenpei.teams.access import viewer_of
from fenpei.teams.models import RepStatus

pytestmark = pytest.mark.django_db

HUATONG = "上海华通科技有限公司"
JINGGONG = "苏州精工机械有限公司"
BAIHUO = "杭州百货零售有限公司"
PUJIANG = "上海浦江贸易有限公司"
NANFANG = "广州南方电子有限公司"
TIANSHAN = "乌鲁木齐天山矿业有限公司"
HAIWAN = "深圳海湾物流有限公司"


@pytest.fixture
def owned(company, customers):
    """华通 → rep, 精工 → rep2 (both 华东), 南方 → other_rep (华南); 百货, 浦江, 天山 in the
    unrouted pool; 海湾 in 华南's pool."""
    admin = viewer_of(company.admin)
    by_name = {c.name: c for c in customers}
    customers_assign(admin, [by_name[HUATONG].pk], company.rep.pk, note="老客户")
    customers_assign(admin, [by_name[JINGGONG].pk], company.rep2.pk)
    customers_assign(admin, [by_name[NANFANG].pk], company.other_rep.pk)
    Customer.objects.filter(pk=by_name[PUJIANG].pk).update(phone="021-6234 5678")
    Customer.objects.filter(pk=by_name[BAIHUO].pk).update(credit_code="91330100MA2CD1234X")
    by_name[HAIWAN] = make_customer(HAIWAN, region="广东", team=company.south)
    return by_name


def names(viewer, **filters) -> set[str]:
    rows = customers_filtered(viewer, CustomerFilters(**filters))
    return set(rows.values_list("name", flat=True))


def test_manager_sees_own_team_and_the_unrouted_pool(company, owned):
    assert names(viewer_of(company.manager)) == {HUATONG, JINGGONG, BAIHUO, PUJIANG, TIANSHAN}


def test_rep_sees_own_customers_and_the_pool_only(company, owned):
    assert names(viewer_of(company.rep_user)) == {HUATONG, BAIHUO, PUJIANG, TIANSHAN}
    assert names(viewer_of(company.other_rep_user)) == {NANFANG, HAIWAN, BAIHUO, PUJIANG, TIANSHAN}


def test_outsider_sees_nothing(company, owned):
    assert names(viewer_of(company.outsider)) == set()


def test_owner_filters(company, owned):
    manager = viewer_of(company.manager)
    assert names(manager, pool=True) == {BAIHUO, PUJIANG, TIANSHAN}
    assert names(manager, unassigned=True) == {BAIHUO, PUJIANG, TIANSHAN}
    assert names(manager, owner=company.rep2.pk) == {JINGGONG}
    # Another team's rep is not a way round the access filter.
    assert names(manager, owner=company.other_rep.pk) == set()


def test_team_region_industry_tier_stage_filters(company, owned):
    manager = viewer_of(company.manager)
    Customer.objects.filter(name__in=[HUATONG, TIANSHAN]).update(tier="A")
    Customer.objects.filter(name=PUJIANG).update(stage="won")
    assert names(manager, team=company.east.pk) == {HUATONG, JINGGONG}
    assert names(manager, region="上海") == {HUATONG, PUJIANG}
    assert names(manager, industry="零售") == {BAIHUO, PUJIANG}
    assert names(manager, tier="A") == {HUATONG, TIANSHAN}
    assert names(manager, tier="A", pool=True) == {TIANSHAN}
    assert names(manager, stage="won") == {PUJIANG}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("华通", {HUATONG}),
        ("htkj", {HUATONG}),  # pinyin initials, anywhere in them
        ("shhtkj", {HUATONG}),  # …including the city prefix
        ("HTKJ", {HUATONG}),
        ("62345678", {PUJIANG}),  # phone digits, whatever the separators
        ("6234 5678", {PUJIANG}),
        ("91330100ma2cd1234x", {BAIHUO}),  # credit code, any case
        ("有限公司", {HUATONG, JINGGONG, BAIHUO, PUJIANG, TIANSHAN}),
        ("nothing-like-it", set()),
    ],
)
def test_search_box(company, owned, q, expected):
    assert names(viewer_of(company.manager), q=q) == expected


def test_search_stays_within_the_viewers_customers(company, owned):
    assert names(viewer_of(company.rep_user), q="jjgjx") == set()  # 精工 is rep2's
    assert names(viewer_of(company.manager), q="gznfdz") == set()  # 南方 is 华南's


def test_priority_sort_is_deterministic_with_key_tiebreak(company, owned):
    Customer.objects.update(priority=50)
    Customer.objects.filter(name=TIANSHAN).update(priority=90)
    manager = viewer_of(company.manager)
    rows = list(customers_filtered(manager, CustomerFilters()).values_list("name", "key"))
    assert rows[0][0] == TIANSHAN
    tied = [key for _, key in rows[1:]]
    assert tied == sorted(tied)  # equal priority: by customer no.
    ascending = customers_filtered(manager, CustomerFilters(sort="priority"))
    assert list(ascending.values_list("name", flat=True))[-1] == TIANSHAN


def test_owner_sort_puts_the_pool_last_both_ways(company, owned):
    manager = viewer_of(company.manager)
    for sort in ("owner", "-owner"):
        rows = list(customers_filtered(manager, CustomerFilters(sort=sort)).values("owner_id"))
        owners = [r["owner_id"] for r in rows]
        assert owners[:2] != [None, None] and owners[-3:] == [None, None, None]


def test_filters_from_params_ignore_bad_values():
    bad = QueryDict(
        "owner=abc&team=-1&tier=Z&stage=nope&sort=password&unassigned=maybe&region=上海"
    )
    filters = CustomerFilters.from_params(bad)
    assert filters == CustomerFilters(region="上海")
    assert filters.sort == DEFAULT_SORT
    good = CustomerFilters.from_params(
        QueryDict("owner=pool&team=3&tier=B&stage=won&sort=-value&unassigned=1&q=%20htkj%20")
    )
    assert good == CustomerFilters(
        pool=True, team=3, tier="B", stage="won", sort="-value", unassigned=True, q="htkj"
    )
    assert CustomerFilters.from_params({"owner": "7", "team": "99999999999999999999"}) == (
        CustomerFilters(owner=7)
    )


def test_search_by_a_single_character_and_in_any_case(company, owned):
    make_customer("IBM中国有限公司", key="K-IBM", region="北京")
    manager = viewer_of(company.manager)
    assert names(manager, q="浦") == {PUJIANG}  # one character: no index, same answer
    assert names(manager, q="ibm") == {"IBM中国有限公司"}  # the name, case-insensitively
    assert names(manager, q="Bm中") == {"IBM中国有限公司"}
    assert names(manager, q="通科") == {HUATONG}  # any two characters, not only words
    assert names(manager, q="通技") == set()


def test_search_by_customer_no_in_any_case(company, owned):
    key = owned[JINGGONG].key
    assert names(viewer_of(company.manager), q=key.lower()) == {JINGGONG}
    assert names(viewer_of(company.rep_user), q=key.lower()) == set()  # rep2's customer


def test_search_orders_like_the_table(company, owned):
    Customer.objects.filter(name=PUJIANG).update(priority=80)
    Customer.objects.filter(name=HUATONG).update(priority=20)
    rows = customers_filtered(viewer_of(company.manager), CustomerFilters(q="上海"))
    assert list(rows.values_list("name", flat=True)) == [PUJIANG, HUATONG]


def test_table_choices_come_from_visible_data(company, owned):
    choices = table_choices(viewer_of(company.manager))
    assert [r.key for r in choices.reps] == ["E01", "E02"]
    assert [t.name for t in choices.teams] == ["华东"]
    assert choices.regions == sorted(["上海", "江苏", "浙江", "新疆"])
    assert "电子" not in choices.industries  # 南方's industry belongs to 华南
    rep_choices = table_choices(viewer_of(company.rep_user))
    assert [r.key for r in rep_choices.reps] == ["E01"]


def test_table_choices_leave_out_other_teams_values(company, owned):
    """Regions and industries held only by another team's customers are not offered: the
    choices list the viewer's own data, one probe per value, nothing else."""
    make_customer(
        "深圳湾区物流有限公司", key="K-WANQU", region="广东", industry="物流", team=company.south
    )
    manager = table_choices(viewer_of(company.manager))
    assert "广东" not in manager.regions and "物流" not in manager.industries
    assert manager.industries == sorted({"制造业", "零售", "矿业"})
    south = table_choices(viewer_of(company.other_manager))
    assert set(south.regions) == {"广东", "上海", "浙江", "新疆"}  # 华南's + the pool
    assert set(south.industries) == {"电子", "物流", "零售", "矿业"}
    everything = table_choices(viewer_of(company.admin))
    assert everything.regions == sorted(everything.regions)
    assert set(everything.industries) == {"制造业", "零售", "电子", "矿业", "物流"}
    assert table_choices(viewer_of(company.outsider)).regions == []


def test_reps_assignable_are_the_managers_reps_without_counting(
    company, owned, django_assert_max_num_queries
):
    manager = viewer_of(company.manager)
    with django_assert_max_num_queries(1):  # names only: no count of customers
        reps = reps_assignable(manager)
    assert [r.key for r in reps] == ["E01", "E02"]
    assert [r.key for r in reps_assignable(viewer_of(company.admin))] == ["E01", "E02", "S01"]
    assert reps_assignable(viewer_of(company.outsider)) == []


def test_reps_assignable_loads_show_load_and_capacity(company, owned):
    company.rep2.capacity = None
    company.rep2.save()
    loads = {item.rep.key: item for item in reps_assignable_loads(viewer_of(company.manager))}
    assert (loads["E01"].load, loads["E01"].capacity) == (1, 20)
    assert loads["E02"].capacity == 200  # the default policy's default capacity
    assert set(loads) == {"E01", "E02"}
    everyone = {item.rep.key: item.load for item in reps_assignable_loads(viewer_of(company.admin))}
    assert everyone == {"E01": 1, "E02": 1, "S01": 1}


def test_reps_assignable_leave_out_departed_reps(company, owned):
    company.rep2.status = RepStatus.DEPARTED
    company.rep2.save()
    manager = viewer_of(company.manager)
    assert [r.key for r in reps_assignable(manager)] == ["E01"]
    assert [item.rep.key for item in reps_assignable_loads(manager)] == ["E01"]


def test_export_rows_cover_all_pages_in_constant_queries(
    company, owned, django_assert_max_num_queries
):
    for n in range(120):
        make_customer(f"批量客户{n:03d}有限公司", region="上海")
    manager = viewer_of(company.manager)
    with django_assert_max_num_queries(3):
        rows = customer_export_rows(manager, CustomerFilters(region="上海", sort="key"))
    assert len(rows) == 122
    assert rows.key == sorted(rows.key)
    at = rows.name.index(HUATONG)
    assert rows.owner[at] == "张伟" and rows.owner_key[at] == "E01" and rows.team[at] == "华东"
    assert rows.reasons[at] == [{"kind": "manual", "note": "老客户"}]
    assert rows.reasons[rows.name.index(PUJIANG)] == []


def test_my_customers(company, owned):
    mine = my_customers(viewer_of(company.rep_user))
    assert [c.name for c in mine.customers] == [HUATONG]
    assert mine.load is not None and (mine.load.load, mine.load.capacity) == (1, 20)
    huatong = owned[HUATONG]
    assert mine.reasons[huatong.pk] == [{"kind": "manual", "note": "老客户"}]
    assert sum(mine.tiers.values()) == 1 and set(mine.tiers) == {"A", "B", "C"}


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, 0), (7, 7), (61, 61), (285_210, 290_000), (1_000_000, 1_000_000), (12_345, 12_000)],
)
def test_estimates_are_rounded_to_two_significant_digits(count, shown):
    assert count_rounded(count) == shown
