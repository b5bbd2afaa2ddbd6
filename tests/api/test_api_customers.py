"""/api/v1/customers/: the table, one customer, edits, assign / release, history, create."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.conftest import make_customer

from fenpei.allocation.models import Assignment, AssignmentSource
from fenpei.allocation.services import customers_assign
from fenpei.customers.models import Customer
from fenpei.customers.selectors import CustomerFilters, customers_filtered
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/"


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# ------------------------------------------------------------------------- reading


def test_rep_token_sees_own_customers_and_pool_only(company, owned, api_for):
    ids = set(_ids(api_for(company.rep_user).get(URL)))
    assert owned["rep"].pk in ids and owned["pool"].pk in ids
    assert owned["rep2"].pk not in ids  # a colleague's customer
    assert owned["other_rep"].pk not in ids  # another team's
    assert ids == {c.pk for c in customers_filtered(viewer_of(company.rep_user), CustomerFilters())}


def test_rep_gets_404_for_another_reps_customer(company, owned, api_for):
    client = api_for(company.rep_user)
    assert client.get(f"{URL}{owned['rep'].pk}/").status_code == 200
    for other in (owned["rep2"], owned["other_rep"]):
        response = client.get(f"{URL}{other.pk}/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert client.get(f"{URL}{other.pk}/assignments/").status_code == 404


def test_other_teams_rep_cannot_see_east_customers(company, owned, api_for):
    client = api_for(company.other_rep_user)
    ids = set(_ids(client.get(URL)))
    assert owned["other_rep"].pk in ids
    assert owned["rep"].pk not in ids
    assert client.get(f"{URL}{owned['rep'].pk}/").status_code == 404


def test_manager_sees_own_teams_and_unrouted_pool(company, owned, api_for):
    ids = set(_ids(api_for(company.manager).get(URL)))
    assert {owned["rep"].pk, owned["rep2"].pk, owned["pool"].pk} <= ids
    assert owned["other_rep"].pk not in ids


def test_admin_sees_everything(company, owned, api_for):
    assert len(_ids(api_for(company.admin).get(URL))) == 6


def test_row_shape(company, owned, api_for):
    row = api_for(company.manager).get(f"{URL}{owned['rep'].pk}/").json()
    assert row["name"] == "上海华通科技有限公司"
    assert row["owner"] == {"id": company.rep.pk, "key": "E01", "name": "张伟"}
    assert row["team"] == {"id": company.east.pk, "name": "华东"}
    assert row["potential_value"] == 500000.0  # a number, not a string
    assert row["url"].endswith(f"/api/v1/customers/{owned['rep'].pk}/")
    assert row["tier"] in ("A", "B", "C")


@pytest.mark.parametrize(
    "params",
    [
        {"owner": "pool"},
        {"unassigned": "1"},
        {"tier": "A"},
        {"region": "上海"},
        {"industry": "制造业"},
        {"q": "shhtkj"},  # pinyin initials of 上海华通科技
        {"q": "苏州"},
        {"sort": "name"},
        {"sort": "-value"},
        {"owner": "bogus", "tier": "Z"},  # ignored, as in the table
    ],
)
def test_filters_are_the_tables(company, owned, api_for, params):
    expected = [
        c.pk
        for c in customers_filtered(viewer_of(company.manager), CustomerFilters.from_params(params))
    ]
    assert _ids(api_for(company.manager).get(URL, params)) == expected


def test_owner_filter(company, owned, api_for):
    ids = _ids(api_for(company.manager).get(URL, {"owner": company.rep.pk}))
    assert ids == [owned["rep"].pk]


def test_pages(company, owned, api_for):
    body = api_for(company.manager).get(URL).json()
    assert set(body) == {"count", "count_exact", "next", "previous", "results"}
    assert body["next"] is None
    assert body["count"] == 5 and body["count_exact"] is True


def test_history_with_reasons_in_the_request_language(company, owned, api_for):
    pk = owned["rep"].pk
    zh = api_for(company.rep_user).get(f"{URL}{pk}/assignments/").json()
    en = api_for(company.rep_user, lang="en").get(f"{URL}{pk}/assignments/").json()
    assert zh["count"] == en["count"] == 1
    row = en["results"][0]
    assert row["rep"]["key"] == "E01"
    assert row["source"] == "manual"
    assert row["ended_at"] is None
    assert row["reasons"][0]["kind"] == "manual"
    assert row["reasons"][0]["text"] == "Assigned by hand by a manager."
    assert zh["results"][0]["reasons"][0]["text"] != row["reasons"][0]["text"]


# ------------------------------------------------------------------------- writing


def test_manager_patches_a_customer(company, owned, api_for):
    pk = owned["pool"].pk
    response = api_for(company.manager).patch(
        f"{URL}{pk}/",
        {"potential_value": "4000000", "intent": 3, "products": ["ERP", "ERP", " CRM "]},
        format="json",
    )
    assert response.status_code == 200, response.content
    customer = Customer.objects.get(pk=pk)
    assert customer.potential_value == 4000000
    assert customer.products == ["ERP", "CRM"]
    assert response.json()["priority"] == pytest.approx(customer.priority)
    assert customer.priority > owned["pool"].priority  # rescored from the new value


def test_patch_errors_name_the_fields(company, owned, api_for):
    client = api_for(company.manager, lang="en")
    response = client.patch(f"{URL}{owned['pool'].pk}/", {"potential_value": -5}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["message"] == "Invalid input."
    assert list(body["fields"]) == ["potential_value"]


def test_patch_a_taken_credit_code_is_a_field_error(company, owned, api_for):
    Customer.objects.filter(pk=owned["rep"].pk).update(credit_code="91310000MA1FL12345")
    response = api_for(company.manager).patch(
        f"{URL}{owned['pool'].pk}/", {"credit_code": "91310000ma1fl12345"}, format="json"
    )
    assert response.status_code == 400
    assert "credit_code" in response.json()["fields"]


def test_manager_cannot_patch_another_teams_customer(company, owned, api_for):
    response = api_for(company.manager).patch(
        f"{URL}{owned['other_rep'].pk}/", {"stage": "won"}, format="json"
    )
    assert response.status_code == 404


def test_assign_and_release(company, owned, api_for):
    client = api_for(company.manager)
    pk = owned["pool"].pk
    response = client.post(
        f"{URL}{pk}/assign/", {"rep": company.rep2.pk, "note": "老客户介绍"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["owner"]["id"] == company.rep2.pk
    current = Assignment.objects.get(customer_id=pk, ended_at__isnull=True)
    assert current.source == AssignmentSource.MANUAL and current.note == "老客户介绍"

    response = client.post(f"{URL}{pk}/release/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["fields"]
    response = client.post(f"{URL}{pk}/release/", {"reason": "离职交接"}, format="json")
    assert response.status_code == 200
    assert response.json()["owner"] is None
    assert not Assignment.objects.filter(customer_id=pk, ended_at__isnull=True).exists()
    ended = Assignment.objects.filter(customer_id=pk).latest("ended_at")
    assert "离职交接" in ended.end_reason


def test_assign_to_a_rep_outside_the_team_is_refused(company, owned, api_for):
    response = api_for(company.manager, lang="en").post(
        f"{URL}{owned['pool'].pk}/assign/", {"rep": company.other_rep.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"code": "validation_error", "message": "No such rep in your teams."}


def test_assign_needs_a_rep(company, owned, api_for):
    response = api_for(company.manager).post(f"{URL}{owned['pool'].pk}/assign/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"rep": ["该字段是必填项。"]}


# -------------------------------------------------------------------------- create


def test_create_routes_to_an_owner_with_reasons(company, api_for):
    response = api_for(company.manager, lang="en").post(
        URL,
        {
            "name": "上海明珠制造有限公司",
            "region": "上海",
            "city": "上海",
            "industry": "制造业",
            "potential_value": 800000,
            "intent": 3,
            "phone": "021-6234 5678",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert body["routed"] is True
    assert body["owner"] == {"id": company.rep.pk, "key": "E01", "name": "张伟"}
    assert customer.owner_id == company.rep.pk
    assert body["reasons"], "a routed customer says why"
    assert all(r["text"] for r in body["reasons"])
    assert all(("kind" in r) or ("code" in r) for r in body["reasons"])
    assert Assignment.objects.get(customer=customer).source == AssignmentSource.ROUTE


def test_create_without_routing_leaves_it_in_the_pool(company, api_for):
    response = api_for(company.manager).post(
        URL, {"name": "上海明珠制造有限公司", "region": "上海", "route": False}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["owner"] is None and response.json()["routed"] is False


def test_create_a_duplicate_is_409_naming_the_existing_record(company, owned, api_for):
    existing = owned["rep"]
    response = api_for(company.manager, lang="en").post(
        URL, {"name": "上海华通科技有限公司 ", "region": "上海"}, format="json"
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "duplicate"
    assert body["field"] == "name"
    assert body["existing"]["id"] == existing.pk
    assert body["existing"]["key"] == existing.key
    assert body["existing"]["name"] == existing.name
    assert body["existing"]["url"].endswith(f"/api/v1/customers/{existing.pk}/")
    assert existing.name in body["message"]
    assert Customer.objects.filter(name="上海华通科技有限公司").count() == 1


def test_a_duplicate_in_another_team_is_409_without_naming_it(company, owned, api_for):
    south = owned["other_rep"]
    response = api_for(company.manager, lang="en").post(
        URL, {"name": south.name, "region": "广东"}, format="json"
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "duplicate" and body["field"] == "name"
    assert body["existing"] is None
    assert south.name not in body["message"] and south.key not in response.content.decode()
    assert Customer.objects.filter(name=south.name).count() == 1


def test_create_needs_a_name(company, api_for):
    response = api_for(company.manager).post(URL, {"region": "上海"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"name": ["该字段是必填项。"]}


def test_create_in_another_managers_team_is_refused(company, api_for):
    response = api_for(company.manager).post(
        URL, {"name": "广州新客户有限公司", "team": company.south.pk}, format="json"
    )
    assert response.status_code == 400
    assert "team" in response.json()["fields"]
    assert not Customer.objects.filter(name="广州新客户有限公司").exists()


def test_list_queries_do_not_grow_with_rows(company, owned, api_for):
    client = api_for(company.manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
            assert client.get(f"{URL}{owned['rep'].pk}/assignments/").status_code == 200
        return len(queries)

    before = count()
    extra = [make_customer(f"上海新客户{i}有限公司", region="上海") for i in range(8)]
    customers_assign(viewer_of(company.manager), [c.pk for c in extra], company.rep2.pk)
    customers_assign(viewer_of(company.manager), [owned["rep"].pk], company.rep2.pk)
    assert count() == before
