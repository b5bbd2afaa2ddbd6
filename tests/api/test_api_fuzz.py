"""Schemathesis fuzzes every operation of /api/schema/ with every role's token.

One company is seeded for the module (customers owned by the rep, by a colleague and by
another team's rep, pool customers, runs, follow-ups, deals, goals, feedback, appeals,
notifications, audit events); each operation × role is one test in which Hypothesis
generates requests from the schema. Path and body ids are pointed at the seeded rows most
of the time (random ids only reach the 404 branch), and each example runs in a
transaction that is rolled back, so what one POST did is gone for the next example.

Every response must pass: no 5xx, and a status code, content type, headers and body that
the schema declares for the operation.

Bounded for CI: EXAMPLES generated requests per operation for each role with a role
(NO_ROLE_EXAMPLES for the outsider and the anonymous caller: every answer is a 401 or
403), derandomized (the same requests on every run), no deadline. FENPEI_FUZZ_EXAMPLES
raises the count and FENPEI_FUZZ_COVERAGE=1 adds schemathesis's coverage phase (boundary
and negative values of every parameter, a few hundred requests per operation) for a
deeper run by hand.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, Phase, settings
from pytest_django import DjangoDbBlocker
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.config import SchemathesisConfig
from tests.api.fuzzing import CHECKS, SCHEMA, send
from tests.conftest import make_company, make_customers

from fenpei.allocation.models import PolicyVersion, Run
from fenpei.allocation.services import (
    customers_assign,
    customers_release,
    run_create,
    run_discard,
)
from fenpei.appeals.models import Appeal
from fenpei.appeals.services import appeal_reject
from fenpei.audit.models import AuditEvent
from fenpei.customers.models import Customer
from fenpei.followups.models import Deal, FollowUp
from fenpei.goals.models import Feedback, Goal
from fenpei.notifications.models import Notification
from fenpei.notifications.services import notify_users
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Rep, Team

EXAMPLES = int(os.environ.get("FENPEI_FUZZ_EXAMPLES", "15"))
NO_ROLE_EXAMPLES = 3
MEMBERS = ("admin", "manager", "rep", "other_rep")
NO_ROLE = ("outsider", "anonymous")
HYPOTHESIS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "phases": [Phase.explicit, Phase.generate],
    # one seeded database for the module; each example rolls back what it did
    "suppress_health_check": list(HealthCheck),
}

_COVERAGE = os.environ.get("FENPEI_FUZZ_COVERAGE") == "1"
schema = schemathesis.openapi.from_dict(
    SCHEMA,
    config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": _COVERAGE}}}),
)


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@dataclass
class World:
    """The seeded rows, by the resource segment of their URL (/api/v1/<resource>/{id}/)."""

    tokens: dict[str, str]
    ids: dict[str, list[int]] = field(default_factory=dict)


def _seed() -> World:
    company, customers = make_company(), make_customers()
    manager, south = viewer_of(company.manager), viewer_of(company.other_manager)
    # customers[1] and [5] stay in the pool
    mine, rep2s, released, other = customers[0], customers[2], customers[3], customers[4]
    customers_assign(manager, [mine.pk], company.rep.pk)
    customers_assign(manager, [rep2s.pk], company.rep2.pk)
    customers_assign(manager, [released.pk], company.rep2.pk)
    customers_release(manager, [released.pk], "客户要求换人")
    customers_assign(south, [other.pk], company.other_rep.pk)
    run_create(manager, scope="unassigned")  # a preview
    run_discard(manager, run_create(manager, scope="unassigned").pk)  # decided: no more
    notify_users([company.rep_user.pk, company.manager.pk], "assigned", "分给你了")
    notify_users([company.other_rep_user.pk], "assigned", "别人的")

    users = {
        "admin": company.admin,
        "manager": company.manager,
        "rep": company.rep_user,
        "other_rep": company.other_rep_user,
        "outsider": company.outsider,
    }
    world = World({role: Token.objects.create(user=user).key for role, user in users.items()})
    rep, boss, south_rep = (_client(world.tokens[r]) for r in ("rep", "manager", "other_rep"))
    today = dt.date.today().isoformat()

    def post(client: APIClient, url: str, body: dict[str, Any]) -> int:
        response = client.post(f"/api/v1/{url}/", body, format="json")
        assert response.status_code == 201, (url, response.content)
        return int(response.json()["id"])

    post(rep, "followups", {"customer": mine.pk, "channel": "phone", "note": "聊了报价"})
    post(south_rep, "followups", {"customer": other.pk, "channel": "visit", "note": "拜访"})
    post(rep, "deals", {"customer": mine.pk, "result": "won", "amount": "12000"})
    post(south_rep, "deals", {"customer": other.pk, "result": "lost"})
    post(rep, "appeals", {"kind": "hand_back", "customer": mine.pk, "reason": "不在我的行业"})
    appeal = post(
        south_rep, "appeals", {"kind": "hand_back", "customer": other.pk, "reason": "太远"}
    )
    appeal_reject(south, appeal, "不行")  # decided: approving it again is a 409
    run_create(south, scope="unassigned")
    goal = {"period": "month", "period_start": today[:8] + "01", "metric": "won_amount"}
    post(boss, "goals", {**goal, "rep": company.rep.pk, "target": "3"})
    post(boss, "feedback", {"rep": company.rep.pk, "text": "跟进及时"})

    models: dict[str, Any] = {
        "customers": Customer,
        "pool": Customer,
        "reps": Rep,
        "teams": Team,
        "runs": Run,
        "followups": FollowUp,
        "deals": Deal,
        "appeals": Appeal,
        "goals": Goal,
        "feedback": Feedback,
        "notifications": Notification,
        "audit": AuditEvent,
    }
    for resource, model in models.items():
        world.ids[resource] = sorted(model.objects.values_list("pk", flat=True))
    world.ids["policies"] = sorted(PolicyVersion.objects.values_list("number", flat=True))
    return world


#: body fields that name a row, and the resource whose ids they take
BODY_IDS = {
    "customer": "customers",
    "customers": "customers",
    "rep": "reps",
    "successor": "reps",
    "target": "reps",
    "team": "teams",
}


def _aimed(value: Any, ids: list[int]) -> Any:
    """A generated id turned into a seeded one, except one time in len(ids)+1."""
    if isinstance(value, bool) or not isinstance(value, int) or not ids:
        return value
    index = abs(value) % (len(ids) + 1)
    return ids[index] if index < len(ids) else value


def _aim(case: Any, world: World) -> None:
    resource = case.path.removeprefix("/api/v1/").split("/")[0]
    for name, value in (case.path_parameters or {}).items():
        text = str(value)
        if text.lstrip("-").isdigit():
            case.path_parameters[name] = _aimed(int(text), world.ids.get(resource, []))
    if isinstance(case.body, dict):
        for name, target in BODY_IDS.items():
            value = case.body.get(name)
            ids = world.ids[target]
            if isinstance(value, list):
                case.body[name] = [_aimed(v, ids) for v in value]
            elif name in case.body:
                case.body[name] = _aimed(value, ids)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[World]:
    """The company, seeded once for the module inside a transaction rolled back at its
    end (each test's own transaction is a savepoint in it, as with setUpTestData)."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        yield _seed()
        transaction.set_rollback(True)


def _fuzz(case: Any, role: str, world: World) -> None:
    _aim(case, world)
    response = send(case, world.tokens.get(role))
    case.validate_response(response, checks=CHECKS)


@pytest.mark.django_db
@pytest.mark.parametrize("role", MEMBERS)
@schema.parametrize()
@settings(max_examples=EXAMPLES, **HYPOTHESIS)
def test_api_fuzz(case: Any, role: str, world: World) -> None:
    _fuzz(case, role, world)


@pytest.mark.django_db
@pytest.mark.parametrize("role", NO_ROLE)
@schema.parametrize()
@settings(max_examples=NO_ROLE_EXAMPLES, **HYPOTHESIS)
def test_api_fuzz_without_a_role(case: Any, role: str, world: World) -> None:
    _fuzz(case, role, world)


@pytest.mark.django_db
def test_fuzzed_schema_is_the_served_one(world: World) -> None:
    response = _client(world.tokens["rep"]).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json() == SCHEMA
