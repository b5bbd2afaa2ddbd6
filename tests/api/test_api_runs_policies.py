"""/api/v1/runs/ and /api/v1/policies/."""

from __future__ import annotations

import pytest

from fenpei.allocation.models import PolicyVersion, Run, RunStatus
from fenpei.allocation.selectors import policy_active
from fenpei.allocation.services import run_create
from fenpei.customers.models import Customer
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/runs/"
POLICIES = "/api/v1/policies/"


# --------------------------------------------------------------------------- runs


def test_manager_creates_previews_and_applies_a_run(company, customers, api_for):
    client = api_for(company.manager, lang="en")
    response = client.post(RUNS, {"scope": "unassigned"}, format="json")
    assert response.status_code == 201, response.content
    run = response.json()
    assert run["status"] == "preview"
    assert run["summary"]["customers"] == 6  # the whole unrouted pool
    assert {ld["key"] for ld in run["loads"]} == {"E01", "E02"}
    assert run["items"].endswith(f"/api/v1/runs/{run['id']}/items/")

    changes = client.get(f"{RUNS}{run['id']}/items/", {"show": "changes"}).json()
    assert changes["count"] == run["summary"]["assigned"] > 0
    item = changes["results"][0]
    assert item["change"] == "new" and item["rep"]["key"] in ("E01", "E02")
    assert item["reasons"] and all(r["text"] for r in item["reasons"])

    unassigned = client.get(f"{RUNS}{run['id']}/items/", {"show": "unassigned"}).json()
    assert unassigned["count"] == run["summary"]["unassigned"]
    assert all(i["rep"] is None and i["change"] == "unassigned" for i in unassigned["results"])

    applied = client.post(f"{RUNS}{run['id']}/apply/")
    assert applied.status_code == 200
    assert applied.json()["status"] == "applied"
    assert Customer.objects.filter(owner__isnull=False).count() == run["summary"]["assigned"]


def test_discard_changes_nothing(company, customers, api_for):
    client = api_for(company.manager)
    run = client.post(RUNS, {"scope": "unassigned"}, format="json").json()
    response = client.post(f"{RUNS}{run['id']}/discard/")
    assert response.status_code == 200 and response.json()["status"] == "discarded"
    assert not Customer.objects.filter(owner__isnull=False).exists()
    # A discarded run cannot be applied: a service ValidationError, as JSON.
    refused = client.post(f"{RUNS}{run['id']}/apply/")
    assert refused.status_code == 400 and refused.json()["code"] == "validation_error"


def test_selection_run(company, customers, api_for):
    ids = [customers[0].pk, customers[1].pk]
    response = api_for(company.manager).post(
        RUNS, {"scope": "selection", "customers": ids}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["selection"] == sorted(ids)
    assert response.json()["summary"]["customers"] == 2


def test_bad_scope_and_empty_selection_are_400(company, customers, api_for):
    client = api_for(company.manager)
    assert client.post(RUNS, {"scope": "everything"}, format="json").json()["fields"]["scope"]
    response = client.post(RUNS, {"scope": "selection"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert not Run.objects.exists()


def test_another_teams_run_is_404(company, customers, api_for):
    run = run_create(viewer_of(company.other_manager), scope="unassigned")
    client = api_for(company.manager)
    assert client.get(f"{RUNS}{run.pk}/").status_code == 404
    assert client.get(f"{RUNS}{run.pk}/items/").status_code == 404
    assert client.post(f"{RUNS}{run.pk}/apply/").status_code == 404
    assert run.pk not in [r["id"] for r in client.get(RUNS).json()["results"]]
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEW
    assert api_for(company.admin).get(f"{RUNS}{run.pk}/").status_code == 200


def test_items_show_must_be_known(company, customers, api_for):
    run = run_create(viewer_of(company.manager), scope="unassigned")
    response = api_for(company.manager).get(f"{RUNS}{run.pk}/items/", {"show": "moved"})
    assert response.status_code == 400
    assert "show" in response.json()["fields"]


def test_reps_get_403_on_runs(company, customers, api_for):
    run = run_create(viewer_of(company.manager), scope="unassigned")
    client = api_for(company.rep_user)
    assert client.get(f"{RUNS}{run.pk}/").status_code == 403
    assert client.post(f"{RUNS}{run.pk}/apply/").status_code == 403
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEW


# ----------------------------------------------------------------------- policies


def _changed_toml() -> str:
    return policy_active().toml.replace("balance_weight = 30", "balance_weight = 45")


def test_everyone_with_a_role_reads_the_policy(company, api_for):
    for user in (company.rep_user, company.other_rep_user, company.manager, company.admin):
        client = api_for(user)
        active = client.get(f"{POLICIES}active/")
        assert active.status_code == 200
        assert active.json()["number"] == 1 and active.json()["is_active"] is True
        assert "[allocation]" in active.json()["toml"]
        assert client.get(POLICIES).json()["count"] == 1
        assert client.get(f"{POLICIES}1/").status_code == 200
    assert api_for(company.outsider).get(f"{POLICIES}1/").status_code == 403


def test_manager_creates_a_version_and_rolls_back(company, api_for):
    client = api_for(company.manager)
    response = client.post(POLICIES, {"toml": _changed_toml(), "note": "更均衡"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 2 and body["is_active"] and body["note"] == "更均衡"
    assert body["created_by"] == "manager"
    assert client.get(f"{POLICIES}active/").json()["number"] == 2

    back = client.post(f"{POLICIES}1/activate/")
    assert back.status_code == 200 and back.json()["number"] == 1
    assert PolicyVersion.objects.get(is_active=True).number == 1


def test_rep_may_not_create_a_policy(company, api_for):
    response = api_for(company.rep_user).post(POLICIES, {"toml": _changed_toml()}, format="json")
    assert response.status_code == 403
    assert PolicyVersion.objects.count() == 1


def test_bad_policy_text_is_400_with_the_engines_message(company, api_for):
    toml = policy_active().toml.replace("balance_weight = 30", 'balance_weight = "lots"')
    response = api_for(company.manager).post(POLICIES, {"toml": toml}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "balance_weight" in response.json()["message"]


def test_unknown_policy_version_is_404(company, api_for):
    client = api_for(company.manager)
    assert client.get(f"{POLICIES}99/").status_code == 404
    assert client.post(f"{POLICIES}99/activate/").status_code == 404
