"""POST /api/v1/reps/{id}/handover/: a handover (交接) run in preview."""

from __future__ import annotations

import pytest

from fenpei.allocation.models import Run, RunItem
from fenpei.allocation.services import customers_assign
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Rep

pytestmark = pytest.mark.django_db


def _url(rep: Rep) -> str:
    return f"/api/v1/reps/{rep.pk}/handover/"


@pytest.fixture
def leaver(company, customers):
    """张伟 owns 上海华通 and 上海浦江 (李娜 covers 上海 too)."""
    customers_assign(viewer_of(company.manager), [customers[0].pk, customers[3].pk], company.rep.pk)
    return company.rep


def test_manager_creates_handover_preview(company, leaver, api_for):
    response = api_for(company.manager).post(_url(leaver), {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scope"] == "handover" and body["status"] == "preview"
    assert body["summary"]["assigned"] == 2
    assert set(RunItem.objects.filter(run_id=body["id"]).values_list("rep_id", flat=True)) == {
        company.rep2.pk
    }
    # Applying goes through the runs endpoint, as for any run.
    applied = api_for(company.manager).post(f"/api/v1/runs/{body['id']}/apply/")
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    assert not leaver.customers.exists()


def test_named_successor_without_room_is_a_400_naming_the_field(company, leaver, api_for):
    Rep.objects.filter(pk=company.rep2.pk).update(capacity=1)
    response = api_for(company.manager, lang="en").post(
        _url(leaver), {"successor": company.rep2.pk}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert "room for 1 more customer" in body["fields"]["successor"][0]
    assert not Run.objects.exists()


def test_rep_gets_403_other_manager_404(company, leaver, api_for):
    assert api_for(company.rep_user).post(_url(leaver), {}, format="json").status_code == 403
    assert api_for(company.other_manager).post(_url(leaver), {}, format="json").status_code == 404
    assert not Run.objects.exists()
