"""The pool pages through the test client: a rep's 公海 with the 领取 button (htmx and
plain form), the counter of claims left, the reclaim warnings on 我的客户, a manager's
return to the pool with its required reason, and who may open what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.app.pool_setup import days_ago, own, pool_policy
from tests.conftest import Company, make_customer

from fenpei.customers.models import Customer
from fenpei.pool.models import PoolEvent, PoolEventKind
from fenpei.pool.services import customer_claim
from fenpei.teams.access import REP, Viewer

pytestmark = pytest.mark.django_db

POOL = "/pool/"


def as_user(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_urls_keep_their_names() -> None:
    assert reverse("pool:page") == POOL
    assert reverse("pool:claim", args=[7]) == "/pool/7/claim/"
    assert reverse("pool:return") == "/pool/return/"


def test_rep_sees_the_team_pool_with_claims_left(
    client: Client, company: Company, customers: list[Customer]
) -> None:
    pool_policy(claims_per_day=4)
    south = make_customer("深圳湾科技有限公司", key="S1", team=company.south)
    page = as_user(client, company.rep_user).get(POOL).content.decode()
    assert customers[0].name in page and south.name not in page
    assert 'id="claims-left"' in page and "4" in page
    assert page.count('hx-post="/pool/') == len(customers)
    filtered = client.get(POOL, {"region": "浙江"}).content.decode()
    assert customers[2].name in filtered and customers[0].name not in filtered


def test_htmx_claim_replaces_the_row_and_the_counter(
    client: Client, company: Company, customers: list[Customer]
) -> None:
    pool_policy(claims_per_day=4)
    client = as_user(client, company.rep_user)
    url = reverse("pool:claim", args=[customers[0].pk])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="pool-{customers[0].pk}"' in body and customers[0].name in body
    assert 'hx-swap-oob="true"' in body and "3" in body
    assert Customer.objects.get(pk=customers[0].pk).owner_id == company.rep.pk
    # a second try is refused in the row (200: htmx swaps only successful responses)
    again = client.post(url, HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and 'class="msg error"' in again.content.decode()


def test_plain_form_claim_redirects_with_a_message(
    client: Client, company: Company, customers: list[Customer]
) -> None:
    client = as_user(client, company.rep_user)
    url = reverse("pool:claim", args=[customers[1].pk])
    response = client.post(url, {"next": "/pool/?tier=C"}, follow=True)
    assert response.redirect_chain[-1][0] == "/pool/?tier=C"
    assert customers[1].name in response.content.decode()
    assert Customer.objects.get(pk=customers[1].pk).owner_id == company.rep.pk
    # an outside "next" is not followed
    response = client.post(
        reverse("pool:claim", args=[customers[2].pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == POOL


def test_losing_a_claim_names_the_winner_on_the_page(
    client: Client, company: Company, customers: list[Customer]
) -> None:
    customer_claim(
        Viewer(None, REP, company.rep2.pk, frozenset({company.east.pk})), customers[0].pk
    )
    response = as_user(client, company.rep_user).post(
        reverse("pool:claim", args=[customers[0].pk]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert 'class="msg error"' in body and "李娜" in body


def test_claim_of_another_teams_pool_is_404(client: Client, company: Company) -> None:
    south = make_customer("深圳湾科技有限公司", key="S1", team=company.south)
    response = as_user(client, company.rep_user).post(reverse("pool:claim", args=[south.pk]))
    assert response.status_code == 404


def test_outsider_gets_403_and_anonymous_goes_to_login(client: Client, company: Company) -> None:
    assert client.get(POOL).status_code == 302
    assert as_user(client, company.outsider).get(POOL).status_code == 403


def test_manager_sees_the_pool_without_claim_buttons(
    client: Client, company: Company, customers: list[Customer]
) -> None:
    page = as_user(client, company.manager).get(POOL).content.decode()
    assert customers[0].name in page and "/claim/" not in page


def test_manager_returns_from_the_customer_page_with_a_reason(
    client: Client, company: Company, customers: list[Customer]
) -> None:
    own(customers[0], company.rep, since=days_ago(5))
    client = as_user(client, company.manager)
    detail = reverse("customers:detail", args=[customers[0].pk])
    page = client.get(detail).content.decode()
    assert 'id="return-to-pool"' in page
    # no reason: the form comes back with the error, nothing moves
    response = client.post(reverse("pool:return"), {"ids": [customers[0].pk], "reason": " "})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert Customer.objects.get(pk=customers[0].pk).owner_id == company.rep.pk
    response = client.post(
        reverse("pool:return"), {"ids": [customers[0].pk], "reason": "客户重组", "next": detail}
    )
    assert response.status_code == 302 and response["Location"] == detail
    assert Customer.objects.get(pk=customers[0].pk).owner_id is None
    event = PoolEvent.objects.get(customer=customers[0])
    assert event.kind == PoolEventKind.RETURN and event.reason == "客户重组"
    assert "客户重组" in client.get(detail).content.decode()  # the pool history


def test_return_form_from_a_table_selection(
    client: Client, company: Company, customers: list[Customer]
) -> None:
    own(customers[0], company.rep, since=days_ago(5))
    own(customers[1], company.rep2, since=days_ago(5))
    client = as_user(client, company.manager)
    page = client.get(reverse("pool:return"), {"ids": [customers[0].pk, customers[1].pk]})
    text = page.content.decode()
    assert customers[0].name in text and customers[1].name in text
    response = client.post(
        reverse("pool:return"),
        {"ids": [customers[0].pk, customers[1].pk], "reason": "季度调整"},
    )
    assert response.status_code == 302
    assert Customer.objects.filter(owner__isnull=True).count() == len(customers)


def test_rep_and_other_manager_cannot_return(
    client: Client, company: Company, customers: list[Customer]
) -> None:
    own(customers[0], company.rep, since=days_ago(5))
    data = {"ids": [customers[0].pk], "reason": "不要了"}
    assert as_user(client, company.rep_user).post(reverse("pool:return"), data).status_code == 403
    response = as_user(client, company.other_manager).post(reverse("pool:return"), data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert Customer.objects.get(pk=customers[0].pk).owner_id == company.rep.pk


def test_rep_is_warned_on_my_customers_and_the_pool(
    client: Client, company: Company, customers: list[Customer]
) -> None:
    pool_policy(reclaim_no_followup_days=30, warn_days=7)
    today = timezone.localdate()
    own(
        customers[0],
        company.rep,
        since=today - timedelta(days=100),
        followup=today - timedelta(days=26),
    )
    own(
        customers[1],
        company.rep,
        since=today - timedelta(days=100),
        followup=today - timedelta(days=3),
    )
    client = as_user(client, company.rep_user)
    for url in (reverse("customers:mine"), POOL):
        page = client.get(url).content.decode()
        assert 'id="reclaim-warnings"' in page, url
        block = page.split('id="reclaim-warnings"')[1].split("</section>")[0]
        assert customers[0].name in block and customers[1].name not in block
