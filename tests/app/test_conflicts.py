"""撞单 / 重复客户: the conflict list and merging duplicates, keeping both histories."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from tests.conftest import make_customer

from fenpei.allocation.models import Assignment
from fenpei.allocation.services import customers_assign
from fenpei.customers.conflicts import customers_merge, duplicate_groups
from fenpei.customers.models import Customer, CustomerMerge, Stage
from fenpei.followups.models import Channel, Deal, DealResult, FollowUp
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(company):
    """华东: 上海华通 twice (张伟's and 李娜's: 撞单), a pool record sharing a phone with
    another under a different name; 华南: a third 上海华通, 王芳's. Two records sharing
    only a 4-digit extension are not linked."""
    east, south = company.east, company.south
    rows = {
        "zhang": make_customer("上海华通科技有限公司", key="C001", region="上海", team=east),
        "li": make_customer(
            "上海华通科技",
            key="C002",
            region="上海",
            team=east,
            phone="021-6234 5678",
            contact="陈经理",
            deal_count=2,
            deal_amount=Decimal("1000"),
            last_deal=date(2025, 1, 1),
            stage=Stage.WON,
            products=["CRM"],
        ),
        "wang": make_customer("上海华通科技股份有限公司", key="C003", region="广东", team=south),
        "pool": make_customer("华通贸易", region="上海", team=east, phone="+86 021 62345678"),
        "ext_a": make_customer("甲公司", region="上海", team=east, phone="8001"),
        "ext_b": make_customer("乙公司", region="上海", team=east, phone="8001"),
    }
    manager, other = viewer_of(company.manager), viewer_of(company.other_manager)
    customers_assign(manager, [rows["zhang"].pk], company.rep.pk)
    customers_assign(manager, [rows["li"].pk], company.rep2.pk)
    customers_assign(other, [rows["wang"].pk], company.other_rep.pk)
    for c in rows.values():
        c.refresh_from_db()
    return rows


def test_manager_sees_conflict_with_owners_and_other_teams_holder(company, book):
    groups = duplicate_groups(viewer_of(company.manager))
    assert len(groups) == 1  # the shared phone chains 华通贸易 into the same company
    group = groups[0]
    assert [c.pk for c in group.customers] == sorted(
        [book["zhang"].pk, book["li"].pk, book["pool"].pk]
    )
    assert group.conflict and group.mergeable
    assert group.owners == sorted(["张伟", "李娜", "王芳"])
    # 华南's record shows only who holds it.
    assert [(h.team, h.owner) for h in group.hidden] == [("华南", "王芳")]
    assert ("name", "上海华通科技") in group.signals
    assert ("phone", "02162345678") in group.signals


def test_other_manager_sees_the_group_but_cannot_merge_what_is_not_theirs(company, book):
    other = viewer_of(company.other_manager)
    groups = duplicate_groups(other)
    assert len(groups) == 1
    assert [c.pk for c in groups[0].customers] == [book["wang"].pk]
    assert not groups[0].mergeable and groups[0].conflict
    assert sorted(h.owner for h in groups[0].hidden) == ["", "张伟", "李娜"]
    with pytest.raises(Customer.DoesNotExist):
        customers_merge(other, book["wang"].pk, [book["zhang"].pk])
    assert Customer.objects.filter(pk=book["zhang"].pk).exists()


def test_rep_and_outsider_may_not_merge(company, book):
    for user in (company.rep_user, company.outsider):
        with pytest.raises(PermissionDenied):
            customers_merge(viewer_of(user), book["zhang"].pk, [book["li"].pk])


def test_merge_keeps_both_histories_and_one_current_owner(company, book):
    manager = viewer_of(company.manager)
    zhang, li = book["zhang"], book["li"]
    followup = FollowUp.objects.create(
        customer=li,
        rep=company.rep2,
        contact_at=timezone.now() - timedelta(days=1),
        channel=Channel.VISIT,
        note="上门演示",
    )
    deal = Deal.objects.create(
        customer=li,
        rep=company.rep2,
        result=DealResult.WON,
        amount=Decimal("1000"),
        closed_on=date(2025, 1, 1),
    )
    earlier = CustomerMerge.objects.create(
        survivor=li, duplicate_key="OLD1", duplicate_name="上海华通", snapshot={}
    )
    li_history = list(Assignment.objects.filter(customer=li).values_list("pk", flat=True))

    kept = customers_merge(manager, zhang.pk, [li.pk, zhang.pk], "同一家公司")
    assert kept.pk == zhang.pk
    assert not Customer.objects.filter(pk=li.pk).exists()
    kept.refresh_from_db()
    # The kept record's owner stays; 李娜's period ended as "merged" and moved over.
    assert kept.owner == company.rep
    current = Assignment.objects.filter(customer=kept, ended_at__isnull=True)
    assert [a.rep_id for a in current] == [company.rep.pk]
    moved = Assignment.objects.filter(pk__in=li_history)
    assert all(a.customer_id == kept.pk for a in moved)
    assert [a.end_reason for a in moved] == [gettext("merged")]
    assert not company.rep2.customers.exists()
    # Follow-ups, deals and earlier merges follow; blanks filled; deal history added up.
    followup.refresh_from_db()
    deal.refresh_from_db()
    earlier.refresh_from_db()
    assert followup.customer_id == deal.customer_id == earlier.survivor_id == kept.pk
    assert kept.phone == "021-6234 5678" and kept.phone_key == "02162345678"
    assert kept.contact == "陈经理" and kept.products == ["CRM"]
    assert (kept.deal_count, kept.deal_amount, kept.last_deal) == (
        2,
        Decimal("1000"),
        date(2025, 1, 1),
    )
    assert kept.stage == Stage.WON
    merge = CustomerMerge.objects.get(survivor=kept, duplicate_key=li.key)
    assert merge.duplicate_name == "上海华通科技" and merge.reason == "同一家公司"
    assert merge.merged_by == company.manager
    assert merge.snapshot["owner_name"] == "李娜"
    assert merge.snapshot["phone"] == "021-6234 5678" and merge.snapshot["deal_amount"] == "1000.00"


def test_merge_takes_over_a_duplicate_credit_code(company, book):
    code = "91310000MA1FL1234X"
    Customer.objects.filter(pk=book["pool"].pk).update(credit_code=code)
    kept = customers_merge(viewer_of(company.manager), book["zhang"].pk, [book["pool"].pk])
    kept.refresh_from_db()
    assert kept.credit_code == code and kept.owner == company.rep


def test_merge_needs_a_duplicate(company, book):
    with pytest.raises(ValidationError):
        customers_merge(viewer_of(company.manager), book["zhang"].pk, [book["zhang"].pk])


# ---------------------------------------------------------------------------- pages


def test_manager_page_lists_groups_and_merges(client, company, book):
    client.force_login(company.manager)
    page = client.get("/customers/conflicts/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "上海华通科技" in text and "王芳" in text and "华通贸易" in text
    assert "甲公司" not in text  # a shared 4-digit extension is no evidence
    response = client.post(
        "/customers/conflicts/merge/",
        {
            "survivor": book["zhang"].pk,
            "duplicates": [book["zhang"].pk, book["li"].pk],
            "reason": "撞单",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{book['zhang'].pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert book["li"].key in detail and 'id="merged"' in detail
    assert Customer.objects.filter(pk=book["pool"].pk).exists()  # not ticked: kept apart


def test_rep_gets_403_and_other_manager_404_on_merge_pages(client, company, book):
    client.force_login(company.rep_user)
    assert client.get("/customers/conflicts/").status_code == 403
    form = {"survivor": book["zhang"].pk, "duplicates": [book["li"].pk]}
    assert client.post("/customers/conflicts/merge/", form).status_code == 403
    client.force_login(company.other_manager)
    assert client.post("/customers/conflicts/merge/", form).status_code == 404
    assert Customer.objects.filter(pk=book["li"].pk).exists()
