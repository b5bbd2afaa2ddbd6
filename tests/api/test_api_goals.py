"""/api/v1/goals/ and /api/v1/feedback/ with token auth, by persona."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fenpei.followups.models import Deal, DealResult
from fenpei.goals.models import Feedback, Goal

pytestmark = pytest.mark.django_db

GOALS = "/api/v1/goals/"
FEEDBACK = "/api/v1/feedback/"


def _goal(**fields):
    return {
        "period": "month",
        "period_start": "2026-03-01",
        "metric": "won_amount",
        "target": "5000",
        **fields,
    }


def test_manager_sets_goals_and_lists_progress(company, customers, api_for):
    Deal.objects.create(
        customer=customers[0],
        rep=company.rep,
        result=DealResult.WON,
        amount=Decimal("1200"),
        closed_on=dt.date(2026, 3, 8),
    )
    Deal.objects.create(
        customer=customers[2],
        rep=company.rep2,
        result=DealResult.WON,
        amount=Decimal("300"),
        closed_on=dt.date(2026, 3, 9),
    )
    client = api_for(company.manager)
    response = client.post(GOALS, _goal(rep=company.rep.pk), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["target"] == 5000 and response.json()["progress"] == 1200
    response = client.post(GOALS, _goal(team=company.east.pk, target="9000"), format="json")
    assert response.status_code == 201 and response.json()["progress"] == 1500
    # the same goal again updates it
    assert (
        client.post(GOALS, _goal(rep=company.rep.pk, target="6000"), format="json").status_code
        == 201
    )
    assert Goal.objects.count() == 2
    listed = client.get(GOALS, {"period": "month", "period_start": "2026-03-01"}).json()
    assert sorted((row["target"], row["progress"]) for row in listed["results"]) == [
        (6000, 1200),
        (9000, 1500),
    ]
    # the rep sees their own goal only
    rows = api_for(company.rep_user).get(GOALS).json()["results"]
    assert [row["rep"]["id"] for row in rows] == [company.rep.pk]


def test_goal_validation_and_access(company, api_for):
    client = api_for(company.manager)
    response = client.post(GOALS, _goal(rep=company.rep.pk, target="-1"), format="json")
    assert response.status_code == 400 and "target" in response.json()["fields"]
    response = client.post(GOALS, _goal(rep=company.rep.pk, metric="calls"), format="json")
    assert response.status_code == 400 and "metric" in response.json()["fields"]
    assert client.post(GOALS, _goal(rep=company.other_rep.pk), format="json").status_code == 404
    assert client.post(GOALS, _goal(team=company.south.pk), format="json").status_code == 404
    assert (
        api_for(company.rep_user).post(GOALS, _goal(rep=company.rep.pk), format="json").status_code
        == 403
    )
    assert api_for(company.outsider).get(GOALS).status_code == 403
    assert not Goal.objects.exists()


def test_feedback_given_and_acknowledged(company, api_for):
    manager = api_for(company.manager)
    response = manager.post(FEEDBACK, {"rep": company.rep.pk, "text": "好样的"}, format="json")
    assert response.status_code == 201 and response.json()["acknowledged_at"] is None
    note = response.json()["id"]
    assert (
        manager.post(
            FEEDBACK, {"rep": company.other_rep.pk, "text": "x"}, format="json"
        ).status_code
        == 404
    )
    assert api_for(company.other_rep_user).post(f"{FEEDBACK}{note}/acknowledge/").status_code == 404
    assert api_for(company.rep_user).get(FEEDBACK).json()["results"][0]["text"] == "好样的"
    response = api_for(company.rep_user).post(f"{FEEDBACK}{note}/acknowledge/")
    assert response.status_code == 200 and response.json()["acknowledged_at"] is not None
    assert manager.get(f"{FEEDBACK}{note}/").json()["acknowledged_at"] is not None
    assert api_for(company.other_manager).get(f"{FEEDBACK}{note}/").status_code == 404
    assert Feedback.objects.count() == 1
