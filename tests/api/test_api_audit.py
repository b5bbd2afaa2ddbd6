"""/api/v1/audit/: the trail read-only over the API, for managers (their teams') and
admins; 403 for reps and outsiders; no way to change or delete an event."""

from __future__ import annotations

import pytest

from fenpei.allocation.services import customers_assign, customers_release
from fenpei.audit.models import AuditEvent
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/"


@pytest.fixture
def trail(company, customers):
    customers_assign(viewer_of(company.manager), [customers[0].pk], company.rep.pk)
    customers_assign(viewer_of(company.manager), [customers[1].pk], company.rep2.pk)
    customers_release(viewer_of(company.manager), [customers[0].pk], "客户要求换人")
    customers_assign(viewer_of(company.other_manager), [customers[4].pk], company.other_rep.pk)


def test_manager_lists_own_teams_events_newest_first(api_for, company, customers, trail):
    body = api_for(company.manager).get(URL).json()
    names = [e["customer_name"] for e in body["results"]]
    assert body["count"] == 3 and customers[4].name not in names
    first = body["results"][0]
    assert first["customer_name"] == customers[0].name and first["source"] == "manual"
    assert first["from_rep_name"] == "张伟" and first["to_rep_id"] is None
    assert first["reason"] == "客户要求换人" and first["actor_name"] == "manager"
    assert first["summary"].startswith("张伟 →")


def test_filters_by_rep_source_customer_and_dates(api_for, company, customers, trail):
    api = api_for(company.admin)
    assert api.get(URL).json()["count"] == 4
    by_rep = api.get(URL, {"rep": company.rep2.pk}).json()["results"]
    assert [e["customer_name"] for e in by_rep] == [customers[1].name]
    by_customer = api.get(URL, {"customer": customers[0].pk}).json()
    assert by_customer["count"] == 2
    assert api.get(URL, {"q": "广州"}).json()["count"] == 1
    assert api.get(URL, {"since": "2999-01-01"}).json()["count"] == 0
    assert api.get(URL, {"kind": "policy_change"}).json()["count"] == 0


def test_other_managers_event_is_404_and_reps_outsiders_get_403(api_for, company, customers, trail):
    south = AuditEvent.objects.get(customer=customers[4])
    assert api_for(company.manager).get(f"{URL}{south.pk}/").status_code == 404
    assert api_for(company.other_manager).get(f"{URL}{south.pk}/").status_code == 200
    for user in (company.rep_user, company.outsider):
        response = api_for(user).get(URL)
        assert response.status_code == 403 and response.json()["code"]


def test_no_method_changes_or_deletes_an_event(api_for, company, customers, trail):
    api = api_for(company.admin)
    event = AuditEvent.objects.filter(customer=customers[0]).first()
    assert event is not None
    url = f"{URL}{event.pk}/"
    assert api.put(url, {"reason": "x"}, format="json").status_code == 405
    assert api.patch(url, {"reason": "x"}, format="json").status_code == 405
    assert api.delete(url).status_code == 405
    assert api.post(URL, {"reason": "x"}, format="json").status_code == 405
    assert AuditEvent.objects.get(pk=event.pk).reason == event.reason
    assert AuditEvent.objects.count() == 4
