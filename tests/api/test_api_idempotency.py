"""Idempotency-Key on POST: replay, conflicts, errors not stored, concurrent retries."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fenpei.allocation.models import Assignment, Run
from fenpei.api.models import IdempotencyKey
from fenpei.customers.models import Customer

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/"
NEW = {"name": "上海明珠制造有限公司", "region": "上海", "industry": "制造业"}


def _post(client, body, key, url=URL):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_replay_returns_the_same_response_and_creates_once(company, api_for):
    client = api_for(company.manager)
    first = _post(client, NEW, "lead-42")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    again = _post(client, NEW, "lead-42")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert Customer.objects.filter(name=NEW["name"]).count() == 1
    assert Assignment.objects.filter(customer__name=NEW["name"]).count() == 1


def test_same_key_with_another_body_is_422(company, api_for):
    client = api_for(company.manager, lang="en")
    assert _post(client, NEW, "k1").status_code == 201
    response = _post(client, {**NEW, "name": "苏州另一家有限公司"}, "k1")
    assert response.status_code == 422
    assert response.json() == {
        "code": "idempotency_conflict",
        "message": "This Idempotency-Key was used for a different request.",
    }
    assert not Customer.objects.filter(name="苏州另一家有限公司").exists()


def test_same_key_on_another_path_is_422(company, customers, api_for):
    client = api_for(company.manager)
    assert _post(client, NEW, "k2").status_code == 201
    response = _post(client, {"scope": "unassigned"}, "k2", url="/api/v1/runs/")
    assert response.status_code == 422
    assert not Run.objects.exists()


def test_keys_belong_to_their_user(company, api_for):
    assert _post(api_for(company.manager), NEW, "shared").status_code == 201
    other = {**NEW, "name": "超级管理员的客户有限公司"}
    response = _post(api_for(company.admin), other, "shared")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert IdempotencyKey.objects.filter(key="shared").count() == 2


def test_a_failed_request_is_not_stored(company, api_for):
    client = api_for(company.manager)
    assert _post(client, {"region": "上海"}, "k3").status_code == 400  # no name
    assert not IdempotencyKey.objects.exists()
    # The retry, fixed, does the work: nothing was done or remembered the first time.
    assert _post(client, NEW, "k3").status_code == 201


def test_key_too_long_is_refused(company, api_for):
    response = _post(api_for(company.manager), NEW, "x" * 201)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "Idempotency-Key" in response.json()["fields"]
    assert not Customer.objects.filter(name=NEW["name"]).exists()


def _raw(body: dict) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    return raw, hashlib.sha256(raw).hexdigest()


def test_a_key_still_in_progress_is_409(company, api_for):
    # What a retry would find if the first request's row were visible before its response.
    raw, digest = _raw(NEW)
    IdempotencyKey.objects.create(
        user=company.manager, key="busy", method="POST", path=URL, body_hash=digest
    )
    response = api_for(company.manager).post(
        URL, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="busy"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert not Customer.objects.exists()


def test_a_stored_response_is_replayed_without_running_the_view(company, api_for):
    raw, digest = _raw(NEW)
    IdempotencyKey.objects.create(
        user=company.manager,
        key="stored",
        method="POST",
        path=URL,
        body_hash=digest,
        status_code=201,
        response='{"id": 999, "name": "stored"}',
    )
    response = api_for(company.manager).post(
        URL, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="stored"
    )
    assert response.status_code == 201
    assert response["Idempotent-Replayed"] == "true"
    assert response.content == b'{"id":999,"name":"stored"}'  # byte for byte, key order kept
    assert not Customer.objects.exists()


def test_run_apply_with_a_key_applies_once(company, customers, api_for):
    client = api_for(company.manager)
    run = client.post("/api/v1/runs/", {"scope": "unassigned"}, format="json").json()
    first = _post(client, None, "apply-1", url=f"/api/v1/runs/{run['id']}/apply/")
    again = _post(client, None, "apply-1", url=f"/api/v1/runs/{run['id']}/apply/")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    # Without the key the second apply would be refused: the run is applied already.
    assert _post(client, None, "apply-2", url=f"/api/v1/runs/{run['id']}/apply/").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_do_the_work_once(company):
    token = Token.objects.create(user=company.manager)
    start = threading.Barrier(2)
    results: list[tuple[int, bytes]] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            start.wait()
            response = _post(client, NEW, "same-time")
            results.append((response.status_code, response.content))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(status for status, _body in results) == [201, 201]
    assert results[0][1] == results[1][1]
    assert Customer.objects.filter(name=NEW["name"]).count() == 1
