"""What the API fuzz (test_api_fuzz.py) found, one request each: every one was a 500 or a
response the schema did not describe. `conforms` fails as the fuzz does: on a 5xx, or a
status, content type or body the schema does not declare for the operation."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from tests.api.conftest import ApiFor
from tests.api.fuzzing import SCHEMA, conforms
from tests.conftest import Company

from fenpei.allocation.selectors import policy_current
from fenpei.allocation.services import run_create
from fenpei.customers.models import Customer
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db

HUGE = 10**30  # more than any database integer holds


def token(user: Any) -> str:
    return str(Token.objects.get_or_create(user=user)[0].key)


def test_rejecting_an_appeal_without_a_note_is_a_400(
    company: Company, owned: dict[str, Customer], api_for: ApiFor
) -> None:
    # The service's field error has no `code`: reading it was an AttributeError (500).
    opened = api_for(company.rep_user).post(
        "/api/v1/appeals/",
        {"kind": "hand_back", "customer": owned["rep"].pk, "reason": "不在我的行业"},
        format="json",
    )
    response = conforms(
        token(company.manager),
        "POST",
        "/api/v1/appeals/{id}/reject/",
        path_parameters={"id": opened.json()["id"]},
        body={"note": ""},
        media_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["note"]


def test_an_id_too_big_for_the_database_is_a_400(company: Company, customers: Any) -> None:
    # SQLite: OverflowError; PostgreSQL: out of range. Both were a 500.
    response = conforms(
        token(company.manager),
        "POST",
        "/api/v1/pool/return/",
        body={"ids": [HUGE], "reason": "x"},
        media_type="application/json",
    )
    assert response.status_code == 400
    assert "ids" in response.json()["fields"]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/reps/", {"team": str(HUGE)}),
        ("/api/v1/audit/", {"customer": str(HUGE), "rep": str(HUGE)}),
        ("/api/v1/customers/", {"owner": "²", "team": str(HUGE)}),
        # PostgreSQL refuses NUL in a query: a DataError, a 500
        ("/api/v1/customers/", {"q": "\x00华通", "industry": "\x00"}),
        ("/api/v1/pool/", {"region": "上\x00海"}),
        ("/api/v1/audit/", {"q": "\x00"}),
        ("/api/v1/appeals/", {"status": "\x00"}),
    ],
)
def test_a_filter_that_names_no_row_filters_nothing(
    company: Company, customers: Any, path: str, query: dict[str, str]
) -> None:
    # int() of a number too big for the database (or of "²", a digit to isdigit())
    # was a 500 in the reps', the audit's and the customers' filters, and so was a NUL
    # character in a text filter on PostgreSQL.
    response = conforms(token(company.admin), "GET", path, query=query)
    assert response.status_code == 200


def test_an_amount_the_database_cannot_give_back_is_refused(
    company: Company, owned: dict[str, Customer], api_for: ApiFor
) -> None:
    # 99999999999999.98 fits 16 digits but not a double: SQLite stored it rounded and every
    # later read of the customer failed (a 500 on the list, the page, the table).
    pk = owned["rep"].pk
    response = conforms(
        token(company.manager),
        "PATCH",
        "/api/v1/customers/{id}/",
        path_parameters={"id": pk},
        body={"deal_amount": 99999999999999.98},
        media_type="application/json",
    )
    assert response.status_code == 400
    assert "deal_amount" in response.json()["fields"]
    assert api_for(company.manager).get(f"/api/v1/customers/{pk}/").status_code == 200


def test_a_list_items_errors_come_by_index_as_the_schema_says(
    company: Company, owned: dict[str, Customer]
) -> None:
    response = conforms(
        token(company.manager),
        "PATCH",
        "/api/v1/customers/{id}/",
        path_parameters={"id": owned["rep"].pk},
        body={"products": ["ok", "x" * 101]},
        media_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]["products"]) == ["1"]


def test_no_user_is_null_not_a_missing_string(company: Company, customers: Any) -> None:
    # The default policy has no author, an undecided run no decider: null, declared.
    policy_current()
    run = run_create(viewer_of(company.manager), scope="unassigned")
    manager = token(company.manager)
    active = conforms(manager, "GET", "/api/v1/policies/active/")
    assert active.json()["created_by"] is None
    got = conforms(manager, "GET", "/api/v1/runs/{id}/", path_parameters={"id": run.pk})
    assert got.json()["decided_by"] is None


def test_the_pool_pages_and_warnings_are_what_the_schema_says(
    company: Company, customers: Any
) -> None:
    rep = token(company.rep_user)
    pool = conforms(rep, "GET", "/api/v1/pool/")
    assert pool.json()["count_exact"] is True  # the customers' pages, as declared
    warnings = conforms(rep, "GET", "/api/v1/pool/warnings/")
    assert warnings.json() == []  # one list, not pages


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/deals/", {"customer": "x"}),
        ("/api/v1/followups/due/", {"show": "later"}),
        ("/api/v1/notifications/", {"unread": "maybe"}),
        ("/api/v1/goals/", {"period": "year"}),
    ],
)
def test_a_bad_filter_is_a_declared_400(company: Company, path: str, query: dict[str, str]) -> None:
    response = conforms(token(company.manager), "GET", path, query=query)
    assert response.status_code == 400


def test_a_bad_run_items_filter_is_a_declared_400(company: Company, customers: Any) -> None:
    run = run_create(viewer_of(company.manager), scope="unassigned")
    response = conforms(
        token(company.manager),
        "GET",
        "/api/v1/runs/{id}/items/",
        path_parameters={"id": run.pk},
        query={"show": "everything"},
    )
    assert response.status_code == 400


def test_every_operation_declares_the_errors_of_auth() -> None:
    missing = [
        f"{method.upper()} {path}"
        for path, operations in SCHEMA["paths"].items()
        for method, operation in operations.items()
        if not {"401", "403"} <= set(operation["responses"])
    ]
    assert missing == []


def test_an_outsider_and_an_anonymous_caller_get_declared_errors(company: Company) -> None:
    assert conforms(token(company.outsider), "GET", "/api/v1/pool/warnings/").status_code == 403
    assert conforms(None, "POST", "/api/v1/notifications/read-all/").status_code == 401


def test_a_form_with_too_many_fields_is_a_json_400(company: Company) -> None:
    # 1,000 ids (the schema's maximum) and a reason as form fields pass Django's limit
    # of 1,000 fields: its TooManyFieldsSent was an HTML page.
    response = conforms(
        token(company.manager),
        "POST",
        "/api/v1/pool/return/",
        body={"ids": list(range(1, 1001)), "reason": "x"},
        media_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_a_body_in_a_media_type_not_parsed_is_a_declared_415(
    company: Company, owned: dict[str, Customer]
) -> None:
    response = conforms(
        token(company.manager),
        "POST",
        "/api/v1/customers/{id}/release/",
        path_parameters={"id": owned["rep"].pk},
        body="reason=x",
        media_type="text/plain",
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_path_with_a_newline_is_a_json_404(company: Company, api_for: ApiFor) -> None:
    # "." stops at a newline: such a path fell through to Django's HTML 404 page.
    response = api_for(company.manager).get("/api/v1/customers/a%0Ab/why/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
