"""/api/v1/pool/: the list, claim (with the race loser's 409 naming the winner), return
with a reason (managers), reclaim warnings; token auth, personas."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.api.conftest import ApiFor
from tests.app.pool_setup import own, pool_policy
from tests.conftest import Company, make_customer, make_user

from fenpei.customers.models import Customer
from fenpei.pool.models import PoolEvent, PoolEventKind

pytestmark = pytest.mark.django_db

POOL = "/api/v1/pool/"


def claim_url(pk: int) -> str:
    return f"{POOL}{pk}/claim/"


def test_rep_lists_the_pool_with_claims_left(
    api_for: ApiFor, company: Company, customers: list[Customer]
) -> None:
    pool_policy(claims_per_day=5)
    make_customer("深圳湾科技有限公司", key="S1", team=company.south)
    own(customers[0], company.rep2, since=timezone.localdate())
    response = api_for(company.rep_user).get(POOL, {"region": "上海"})
    assert response.status_code == 200
    names = {row["name"] for row in response.json()["results"]}
    assert names == {"上海浦江贸易有限公司"}  # 上海华通 is owned now; 深圳湾 is 华南's pool
    assert response["X-Claims-Left"] == "5"


def test_claim_then_the_loser_gets_409_naming_the_winner(
    api_for: ApiFor, company: Company, customers: list[Customer]
) -> None:
    response = api_for(company.rep_user).post(claim_url(customers[0].pk))
    assert response.status_code == 200
    assert response.json()["owner"]["name"] == "张伟"
    rep2_user = make_user("rep2")
    company.rep2.user = rep2_user
    company.rep2.save(update_fields=["user"])
    lost = api_for(rep2_user, lang="en").post(claim_url(customers[0].pk))
    assert lost.status_code == 409
    body = lost.json()
    assert body["code"] == "taken" and body["winner"] == "张伟"
    assert body["message"].startswith("Already claimed by 张伟 at ")
    assert body["claimed_at"]


def test_claim_limit_is_400_with_its_code(
    api_for: ApiFor, company: Company, customers: list[Customer]
) -> None:
    pool_policy(claims_per_day=1)
    client = api_for(company.rep_user)
    assert client.post(claim_url(customers[0].pk)).status_code == 200
    refused = client.post(claim_url(customers[1].pk))
    assert refused.status_code == 400 and refused.json()["code"] == "claim_limit"


def test_claim_is_idempotent_with_a_key(
    api_for: ApiFor, company: Company, customers: list[Customer]
) -> None:
    client = api_for(company.rep_user)
    first = client.post(claim_url(customers[0].pk), HTTP_IDEMPOTENCY_KEY="claim-1")
    again = client.post(claim_url(customers[0].pk), HTTP_IDEMPOTENCY_KEY="claim-1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert PoolEvent.objects.filter(kind=PoolEventKind.CLAIM).count() == 1


def test_other_teams_pool_is_404_and_outsider_403(
    api_for: ApiFor, company: Company, customers: list[Customer]
) -> None:
    south = make_customer("深圳湾科技有限公司", key="S1", team=company.south)
    assert api_for(company.rep_user).post(claim_url(south.pk)).status_code == 404
    assert api_for(company.rep_user).post(claim_url(999999)).status_code == 404
    assert api_for(company.outsider).get(POOL).status_code == 403
    assert api_for(company.outsider).post(claim_url(customers[0].pk)).status_code == 403


def test_manager_returns_with_a_reason_rep_gets_403(
    api_for: ApiFor, company: Company, customers: list[Customer]
) -> None:
    own(customers[0], company.rep, since=timezone.localdate())
    data = {"ids": [customers[0].pk], "reason": "客户要求更换"}
    assert api_for(company.rep_user).post(f"{POOL}return/", data, format="json").status_code == 403
    missing = api_for(company.manager).post(
        f"{POOL}return/", {"ids": [customers[0].pk]}, format="json"
    )
    assert missing.status_code == 400 and "reason" in missing.json()["fields"]
    other = api_for(company.other_manager).post(f"{POOL}return/", data, format="json")
    assert other.status_code == 400
    done = api_for(company.manager).post(f"{POOL}return/", data, format="json")
    assert done.status_code == 200 and done.json() == {"returned": 1}
    assert Customer.objects.get(pk=customers[0].pk).owner_id is None


def test_reclaim_warnings(api_for: ApiFor, company: Company, customers: list[Customer]) -> None:
    pool_policy(reclaim_no_followup_days=30, warn_days=7)
    today = timezone.localdate()
    own(
        customers[0],
        company.rep,
        since=today - timedelta(days=90),
        followup=today - timedelta(days=27),
    )
    rows = api_for(company.rep_user).get(f"{POOL}warnings/").json()
    assert [(r["customer"]["id"], r["rule"], r["days"]) for r in rows] == [
        (customers[0].pk, "no_followup", 30)
    ]
    assert rows[0]["due"] == str(today + timedelta(days=3))
    assert api_for(company.other_rep_user).get(f"{POOL}warnings/").json() == []
