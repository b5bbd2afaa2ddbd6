"""/api/v1/followups/ and /api/v1/deals/: create and list with token auth, by persona."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fenpei.customers.models import Customer, Stage
from fenpei.followups.models import Deal, FollowUp

pytestmark = pytest.mark.django_db

FOLLOWUPS = "/api/v1/followups/"
DEALS = "/api/v1/deals/"


def _followup(customer: Customer, **fields):
    return {"customer": customer.pk, "channel": "phone", "note": "电话沟通需求", **fields}


def test_owner_logs_a_followup_and_the_customer_follows(company, owned, api_for):
    client = api_for(company.rep_user)
    due = (timezone.localdate() + timedelta(days=4)).isoformat()
    response = client.post(
        FOLLOWUPS,
        _followup(owned["rep"], outcome="有兴趣", next_step="发方案", next_step_due=due),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer"]["id"] == owned["rep"].pk
    assert body["rep"] == {"id": company.rep.pk, "key": "E01", "name": "张伟"}
    assert body["author"] == "rep" and body["next_step_due"] == due
    customer = Customer.objects.get(pk=owned["rep"].pk)
    assert customer.next_step == "发方案" and customer.stage == Stage.FOLLOWING
    assert customer.last_followup_at is not None

    listed = client.get(FOLLOWUPS, {"customer": owned["rep"].pk}).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert client.get(f"{FOLLOWUPS}{body['id']}/").json()["note"] == "电话沟通需求"


def test_other_rep_gets_404_and_pool_customer_403(company, owned, api_for):
    client = api_for(company.rep_user)
    response = client.post(FOLLOWUPS, _followup(owned["rep2"]), format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.post(FOLLOWUPS, _followup(owned["pool"]), format="json")
    assert response.status_code == 403
    assert not FollowUp.objects.exists()


def test_list_shows_only_visible_customers_entries(company, owned, api_for):
    api_for(company.manager).post(FOLLOWUPS, _followup(owned["rep2"]), format="json")
    other = api_for(company.other_manager).post(
        FOLLOWUPS, _followup(owned["other_rep"]), format="json"
    )
    assert other.status_code == 201
    rep_rows = api_for(company.rep_user).get(FOLLOWUPS).json()["results"]
    assert rep_rows == []  # rep2's and 华南's customers are not theirs
    manager_rows = api_for(company.manager).get(FOLLOWUPS).json()["results"]
    assert [r["customer"]["id"] for r in manager_rows] == [owned["rep2"].pk]
    assert api_for(company.rep_user).get(f"{FOLLOWUPS}{other.json()['id']}/").status_code == 404
    assert len(api_for(company.admin).get(FOLLOWUPS).json()["results"]) == 2


def test_outsider_and_anonymous_get_nothing(company, owned, api_for):
    assert api_for(company.outsider).get(FOLLOWUPS).status_code == 403
    assert api_for(company.outsider).post(DEALS, {}, format="json").status_code == 403
    from rest_framework.test import APIClient  # noqa: PLC0415

    assert APIClient().get(FOLLOWUPS).status_code in (401, 403)


def test_validation_errors_name_the_fields(company, owned, api_for):
    client = api_for(company.rep_user)
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    response = client.post(
        FOLLOWUPS,
        _followup(owned["rep"], contact_at=future, next_step_due="2020-01-01"),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["fields"]) == {"contact_at", "next_step", "next_step_due"}
    response = client.post(FOLLOWUPS, {"customer": owned["rep"].pk}, format="json")
    assert set(response.json()["fields"]) == {"channel", "note"}
    assert client.get(FOLLOWUPS, {"customer": "abc"}).status_code == 400


def test_deal_won_over_the_api(company, owned, api_for):
    client = api_for(company.rep_user)
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        DEALS,
        {"customer": owned["rep"].pk, "result": "won", "amount": 120000, "closed_on": day},
        format="json",
        HTTP_IDEMPOTENCY_KEY="deal-1",
    )
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == 120000.0
    again = client.post(
        DEALS,
        {"customer": owned["rep"].pk, "result": "won", "amount": 120000, "closed_on": day},
        format="json",
        HTTP_IDEMPOTENCY_KEY="deal-1",
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    customer = Customer.objects.get(pk=owned["rep"].pk)
    assert customer.deal_count == 1 and customer.deal_amount == Decimal(120000)
    assert customer.stage == Stage.WON
    rows = client.get(DEALS, {"customer": owned["rep"].pk}).json()["results"]
    assert [r["result"] for r in rows] == ["won"]


def test_deal_rules_over_the_api(company, owned, api_for):
    client = api_for(company.rep_user)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(
        DEALS,
        {"customer": owned["rep"].pk, "result": "lost", "amount": -3, "closed_on": tomorrow},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"amount", "closed_on"}
    response = client.post(
        DEALS, {"customer": owned["other_rep"].pk, "result": "won"}, format="json"
    )
    assert response.status_code == 404
    assert not Deal.objects.exists()


def test_due_lists_overdue_next_steps(company, owned, api_for):
    past = timezone.now() - timedelta(days=10)
    due = (timezone.localdate() - timedelta(days=2)).isoformat()
    for user, customer in ((company.rep_user, owned["rep"]), (company.manager, owned["rep2"])):
        response = api_for(user).post(
            FOLLOWUPS,
            _followup(customer, contact_at=past.isoformat(), next_step="回访", next_step_due=due),
            format="json",
        )
        assert response.status_code == 201, response.content
    mine = api_for(company.rep_user).get(f"{FOLLOWUPS}due/").json()["results"]
    assert [r["id"] for r in mine] == [owned["rep"].pk]
    manager = api_for(company.manager)
    assert {r["id"] for r in manager.get(f"{FOLLOWUPS}due/").json()["results"]} == {
        owned["rep"].pk,
        owned["rep2"].pk,
    }
    one = manager.get(f"{FOLLOWUPS}due/", {"rep": company.rep2.pk}).json()["results"]
    assert [r["owner"]["key"] for r in one] == ["E02"]
    assert manager.get(f"{FOLLOWUPS}due/", {"rep": company.other_rep.pk}).status_code == 400
    assert manager.get(f"{FOLLOWUPS}due/", {"show": "upcoming"}).json()["results"] == []
