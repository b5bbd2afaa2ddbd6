"""Authentication, roles and the JSON error shape, across the API's endpoints."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from fenpei.customers.models import Customer

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/customers/",
    "/api/v1/reps/",
    "/api/v1/teams/",
    "/api/v1/policies/",
    "/api/v1/policies/active/",
    "/api/v1/runs/",
]


def test_no_credentials_is_401_in_chinese_by_default(company):
    response = APIClient().get("/api/v1/customers/")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "身份认证信息未提供。"}
    assert response["WWW-Authenticate"].startswith("Token")


def test_error_messages_follow_accept_language(company):
    response = APIClient().get("/api/v1/customers/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
    }


def test_a_wrong_token_is_refused(company):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/customers/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_token_auth_works(company, customers, api_for):
    response = api_for(company.manager).get("/api/v1/customers/")
    assert response.status_code == 200
    assert response.json()["count"] == 6


def test_session_auth_works(company, customers):
    client = APIClient()
    client.force_login(company.manager)
    response = client.get("/api/v1/customers/")
    assert response.status_code == 200
    assert response.json()["count"] == 6


@pytest.mark.parametrize("url", LISTS)
def test_outsider_is_refused_everywhere(company, api_for, url):
    response = api_for(company.outsider).get(url)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    "call",
    [
        ("post", "/api/v1/runs/", {"scope": "unassigned"}),
        ("get", "/api/v1/runs/", None),
        ("post", "/api/v1/policies/", {"toml": "", "note": ""}),
        ("post", "/api/v1/policies/1/activate/", None),
    ],
)
def test_rep_is_refused_manager_endpoints(company, customers, api_for, call):
    method, url, body = call
    response = getattr(api_for(company.rep_user), method)(url, body, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "您没有执行该操作的权限。",
    }


def test_rep_is_refused_customer_writes_even_on_own_customer(company, owned, api_for):
    client = api_for(company.rep_user)
    pk = owned["rep"].pk
    assert client.patch(f"/api/v1/customers/{pk}/", {"stage": "won"}).status_code == 403
    assert client.post(f"/api/v1/customers/{pk}/release/").status_code == 403
    assert (
        client.post(f"/api/v1/customers/{pk}/assign/", {"rep": company.rep.pk}).status_code == 403
    )
    owned["rep"].refresh_from_db()
    assert owned["rep"].owner_id == company.rep.pk


def test_unknown_url_is_a_json_404(company, api_for):
    response = api_for(company.manager, lang="en").get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


def test_non_numeric_id_is_a_404(company, api_for):
    response = api_for(company.manager).get("/api/v1/customers/abc/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "未找到。"}


def test_method_not_allowed_is_json(company, owned, api_for):
    pk = owned["rep"].pk
    response = api_for(company.manager, lang="en").put(
        f"/api/v1/customers/{pk}/", {"name": "x"}, format="json"
    )
    assert response.status_code == 405
    assert response.json() == {"code": "method_not_allowed", "message": 'Method "PUT" not allowed.'}


def test_malformed_json_is_a_parse_error(company, api_for):
    response = api_for(company.manager).post(
        "/api/v1/customers/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_api_root_lists_the_endpoints_for_members_only(company, api_for):
    links = api_for(company.rep_user).get("/api/v1/").json()
    assert set(links) == {
        *("customers", "reps", "teams", "policies", "runs"),
        *("pool", "followups", "deals"),
        *("appeals", "audit", "notifications"),
        *("goals", "feedback"),
    }
    assert api_for(company.outsider).get("/api/v1/").status_code == 403


def test_rep_creates_own_lead_over_the_api(company, api_for):
    response = api_for(company.rep_user).post(
        "/api/v1/customers/", {"name": "新客户有限公司", "route": True}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["owner"]["id"] == company.rep.pk and body["routed"] is False


def test_rep_is_told_which_team_holds_a_duplicate(company, customers, api_for):
    taken = customers[4]  # 广州南方电子有限公司, given to 华南's rep
    Customer.objects.filter(pk=taken.pk).update(owner=company.other_rep, team=company.south)
    response = api_for(company.rep_user).post(
        "/api/v1/customers/", {"name": taken.name}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate" and body["existing"] is None
    assert body["team"] == "华南" and "华南" in body["message"]
