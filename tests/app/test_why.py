"""Why me / why not me: who else was considered for a customer now, per persona.

华东 has 张伟 (E01, senior, 上海/江苏, 制造业) and 李娜 (E02, junior, 上海/浙江, 零售);
华南's 王芳 must never appear on a 华东 customer.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from fenpei.allocation.models import AssignmentSource
from fenpei.allocation.services import OwnerChange, owners_set
from fenpei.customers.models import Customer

pytestmark = pytest.mark.django_db


def page(
    client: Client, user: object, customer: Customer, lang: str = "zh-hans"
) -> tuple[int, str]:
    client.force_login(user)  # type: ignore[arg-type]
    response = client.get(reverse("rules:why", args=[customer.pk]), HTTP_ACCEPT_LANGUAGE=lang)
    return response.status_code, response.content.decode()


def api(user: object, customer: Customer) -> tuple[int, dict]:  # type: ignore[type-arg]
    client = APIClient()
    client.force_authenticate(user)  # type: ignore[arg-type]
    response = client.get(f"/api/v1/customers/{customer.pk}/why/")
    return response.status_code, response.json()


@pytest.fixture
def owned(company, customers) -> Customer:  # type: ignore[no-untyped-def]
    """上海华通科技 (上海, 制造业, high intent), owned by 张伟 in 华东."""
    c = customers[0]
    Customer.objects.filter(pk=c.pk).update(owner=company.rep, team=company.east)
    c.refresh_from_db()
    return c


def test_manager_sees_every_candidate_by_name_with_loads(client, company, owned):
    status, body = page(client, company.manager, owned)
    assert status == 200
    assert "张伟" in body and "李娜" in body and "王芳" not in body
    assert "负责地区含上海" in body  # the territory rule, in Chinese
    assert "0/20" in body  # 张伟's load with this customer left out, capacity 20
    assert "最佳" in body and "次优" in body


def test_manager_api_numbers_match_the_engine_objective(company, owned):
    status, data = api(company.manager, owned)
    assert status == 200
    lines = data["candidates"]
    eligible = [c for c in lines if c["eligible"]]
    assert {c["label"] for c in lines} == {"张伟", "李娜"}
    best = max(eligible, key=lambda c: c["value"])
    assert best["chosen"] and best["rank"] == 1 and data["chosen"] == "张伟" == best["label"]
    for c in eligible:
        cost = data["balance_weight"] * c["load"] / c["capacity"]
        assert c["value"] == pytest.approx(data["coverage_weight"] + c["score"] - cost, abs=1e-3)
        assert c["score"] == pytest.approx(data["priority"] * c["fit"], abs=1e-3)
    zhang = next(c for c in lines if c["label"] == "张伟")
    assert zhang["fit_parts"]["industry"] > 0 and zhang["fit_parts"]["incumbent"] > 0
    gap = data["gap"]
    assert data["runner_up"] == "李娜"
    assert sum(gap["parts"].values()) == pytest.approx(gap["value"], abs=1e-3)


def test_rep_sees_own_line_and_colleagues_anonymised(client, company, owned):
    status, body = page(client, company.rep_user, owned)
    assert status == 200
    assert "张伟" in body and "另一位销售 #1" in body
    assert "李娜" not in body
    assert "你会得到这个客户" in body or "你" in body
    status, data = api(company.rep_user, owned)
    other = next(c for c in data["candidates"] if not c["is_self"])
    assert other["label"] == "另一位销售 #1" and other["rep_id"] is None
    assert other["load"] is None and other["capacity"] is None and other["value"] is None
    assert other["fit_parts"] is None and other["score"] > 0
    assert data["gap"]["parts"] is None and data["gap"]["value"] is None
    mine = next(c for c in data["candidates"] if c["is_self"])
    assert mine["load"] == 0 and mine["capacity"] == 20 and mine["fit_parts"] is not None


def test_rep_on_pool_customer_sees_what_they_would_score(client, company, customers):
    zhejiang = customers[2]  # 杭州百货零售: 浙江, 零售, in the unrouted pool
    status, data = api(company.rep_user, zhejiang)
    assert status == 200
    mine = next(c for c in data["candidates"] if c["is_self"])
    assert not mine["eligible"] and "浙江" in mine["rule"] and mine["score"] > 0
    other = next(c for c in data["candidates"] if not c["is_self"])
    assert other["eligible"] and other["label"] == "另一位销售 #1"
    assert data["chosen"] == "另一位销售 #1"
    status, body = page(client, company.rep_user, zhejiang)
    assert "李娜" not in body and "负责地区不含浙江" in body


def test_other_teams_rep_gets_404_and_outsider_403(client, company, owned):
    assert page(client, company.other_rep_user, owned)[0] == 404
    assert page(client, company.outsider, owned)[0] == 403
    assert api(company.other_rep_user, owned)[0] == 404
    assert api(company.outsider, owned)[0] == 403
    client.logout()
    assert client.get(reverse("rules:why", args=[owned.pk])).status_code == 302


def test_english_wording(client, company, owned):
    status, body = page(client, company.manager, owned, "en")
    assert status == 200
    assert "territory includes 上海" in body and "Runner-up: 李娜" in body
    status, body = page(client, company.rep_user, owned, "en")
    assert "Another rep #1" in body


def test_departed_and_full_reps_are_named_as_such_for_the_manager(client, company, owned):
    company.rep2.status = "departed"
    company.rep2.save()
    status, data = api(company.manager, owned)
    assert status == 200
    li = next(c for c in data["candidates"] if c["label"] == "李娜")
    assert not li["eligible"] and li["rule"] == "已离职"
    # a rep sees only "not available": leave and departure are a colleague's business
    _status, data = api(company.rep_user, owned)
    other = next(c for c in data["candidates"] if not c["is_self"])
    assert other["rule"] == "暂不可分配"


def test_links_from_customer_page_and_table_popover(client, company, owned):
    client.force_login(company.rep_user)
    detail = client.get(reverse("customers:detail", args=[owned.pk])).content.decode()
    assert reverse("rules:why", args=[owned.pk]) in detail
    popover = client.get(reverse("customers:reasons", args=[owned.pk]), HTTP_HX_REQUEST="true")
    assert reverse("rules:why", args=[owned.pk]) in popover.content.decode()


def test_stored_reasons_of_the_current_assignment_stay_as_they_were(client, company, customers):
    c = customers[1]  # 苏州精工机械: 江苏, only 张伟 covers it
    reasons = [{"kind": "manual", "note": "老客户介绍"}]
    owners_set(
        [OwnerChange(c, company.rep, reasons)],
        source=AssignmentSource.MANUAL,
        user_id=company.manager.pk,
    )
    status, body = page(client, company.rep_user, c)
    assert status == 200
    assert "老客户介绍" in body  # the reason stored when it was assigned
    assert "现在还考虑了谁" in body and "负责地区不含江苏" in body  # 李娜 covers 上海/浙江 only
    _status, data = api(company.manager, c)
    li = next(line for line in data["candidates"] if line["label"] == "李娜")
    assert not li["eligible"] and data["chosen"] == "张伟" and data["runner_up"] is None
