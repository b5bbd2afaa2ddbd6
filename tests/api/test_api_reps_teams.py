"""/api/v1/reps/ and /api/v1/teams/."""

from __future__ import annotations

import pytest

from fenpei.teams.models import Rep, RepStatus

pytestmark = pytest.mark.django_db

REPS = "/api/v1/reps/"
TEAMS = "/api/v1/teams/"


def _keys(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["key"] for row in response.json()["results"]]


def test_manager_sees_own_teams_reps_with_loads(company, owned, api_for):
    response = api_for(company.manager).get(REPS)
    assert _keys(response) == ["E01", "E02"]
    first = response.json()["results"][0]
    assert first["load"] == 1 and first["capacity"] == 20 and first["capacity_used"] == 20
    assert sum(first["tiers"].values()) == 1
    assert first["team"] == {"id": company.east.pk, "name": "华东"}


def test_rep_sees_only_themself(company, owned, api_for):
    client = api_for(company.rep_user)
    assert _keys(client.get(REPS)) == ["E01"]
    assert client.get(f"{REPS}{company.rep.pk}/").status_code == 200
    assert client.get(f"{REPS}{company.rep2.pk}/").status_code == 404
    assert client.get(f"{REPS}{company.other_rep.pk}/").status_code == 404


def test_rep_filters(company, api_for):
    Rep.objects.filter(pk=company.rep2.pk).update(status=RepStatus.DEPARTED)
    client = api_for(company.admin)
    assert _keys(client.get(REPS, {"team": company.south.pk})) == ["S01"]
    assert _keys(client.get(REPS, {"status": "departed"})) == ["E02"]


def test_manager_patches_a_rep(company, api_for):
    response = api_for(company.manager).patch(
        f"{REPS}{company.rep2.pk}/",
        {"capacity": 35, "regions": ["上海", "江苏", "上海"], "status": "on_leave"},
        format="json",
    )
    assert response.status_code == 200, response.content
    rep = Rep.objects.get(pk=company.rep2.pk)
    assert rep.capacity == 35 and rep.regions == ["上海", "江苏"]
    assert rep.status == RepStatus.ON_LEAVE
    assert response.json()["capacity_used"] == 35


def test_leave_dates_in_the_wrong_order_are_a_field_error(company, api_for):
    response = api_for(company.manager, lang="en").patch(
        f"{REPS}{company.rep2.pk}/",
        {"status": "on_leave", "leave_from": "2026-03-10", "leave_until": "2026-03-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"leave_until": ["The leave cannot end before it starts."]}


def test_manager_cannot_move_a_rep_to_another_managers_team(company, api_for):
    response = api_for(company.manager).patch(
        f"{REPS}{company.rep2.pk}/", {"team": company.south.pk}, format="json"
    )
    assert response.status_code == 400
    assert "team" in response.json()["fields"]
    assert Rep.objects.get(pk=company.rep2.pk).team_id == company.east.pk


def test_manager_cannot_patch_another_teams_rep(company, api_for):
    response = api_for(company.manager).patch(
        f"{REPS}{company.other_rep.pk}/", {"capacity": 1}, format="json"
    )
    assert response.status_code == 404


def test_rep_may_not_patch_even_themself(company, api_for):
    response = api_for(company.rep_user).patch(
        f"{REPS}{company.rep.pk}/", {"capacity": 999}, format="json"
    )
    assert response.status_code == 403
    assert Rep.objects.get(pk=company.rep.pk).capacity == 20


def test_teams_with_figures(company, owned, api_for):
    body = api_for(company.manager).get(TEAMS).json()
    assert [t["name"] for t in body["results"]] == ["华东"]
    east = body["results"][0]
    assert east["manager"] == "manager"
    assert east["reps"] == 2 and east["load"] == 2 and east["capacity"] == 40
    assert api_for(company.manager).get(f"{TEAMS}{company.south.pk}/").status_code == 404
    assert [t["name"] for t in api_for(company.admin).get(TEAMS).json()["results"]] == [
        "华东",
        "华南",
    ]


def test_rep_sees_own_team_only(company, api_for):
    client = api_for(company.other_rep_user)
    assert [t["name"] for t in client.get(TEAMS).json()["results"]] == ["华南"]
    assert client.get(f"{TEAMS}{company.south.pk}/").json()["name"] == "华南"
    assert client.get(f"{TEAMS}{company.east.pk}/").status_code == 404
