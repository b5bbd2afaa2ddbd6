"""/api/v1/notifications/: a user's own inbox over the API, by persona."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Company

from fenpei.notifications.models import Notification
from fenpei.notifications.services import notify_users

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def test_rep_lists_own_notifications_newest_first(company: Company, api_for: Any) -> None:
    notify_users([company.rep_user.pk], "assigned", "旧的")
    notify_users([company.rep_user.pk], "appeal", "新的", "申诉已通过", "/appeals/1/")
    notify_users([company.other_rep_user.pk], "assigned", "别人的")
    body = api_for(company.rep_user).get(URL).json()
    assert [n["title"] for n in body["results"]] == ["新的", "旧的"]
    first = body["results"][0]
    assert first["kind"] == "appeal" and first["url"] == "/appeals/1/" and first["read_at"] is None
    assert set(first) == {"id", "kind", "title", "body", "url", "created", "read_at"}


def test_unread_filter_and_mark_read(company: Company, api_for: Any) -> None:
    notify_users([company.rep_user.pk], "assigned", "一")
    notify_users([company.rep_user.pk], "assigned", "二")
    one = Notification.objects.get(title="一")
    client = api_for(company.rep_user)
    response = client.post(f"{URL}{one.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    unread = client.get(URL, {"unread": "true"}).json()["results"]
    assert [n["title"] for n in unread] == ["二"]
    assert client.get(URL, {"unread": "maybe"}).status_code == 400


def test_read_all_marks_only_own(company: Company, api_for: Any) -> None:
    notify_users([company.rep_user.pk], "assigned", "一")
    notify_users([company.other_rep_user.pk], "assigned", "别人的")
    response = api_for(company.rep_user).post(f"{URL}read-all/")
    assert response.json() == {"marked": 1, "unread": 0}
    assert Notification.objects.get(title="别人的").read_at is None


def test_another_users_notification_is_404(company: Company, api_for: Any) -> None:
    notify_users([company.other_rep_user.pk], "assigned", "别人的")
    theirs = Notification.objects.get()
    client = api_for(company.rep_user)
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    response = client.post(f"{URL}{theirs.pk}/read/")
    assert response.status_code == 404 and response.json()["code"]
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_outsider_403_and_anonymous_401(company: Company, api_for: Any, client: Any) -> None:
    assert api_for(company.outsider).get(URL).status_code == 403
    assert client.get(URL).status_code == 401


def test_manager_reads_own_inbox(company: Company, api_for: Any) -> None:
    notify_users([company.manager.pk], "appeal", "新申诉")
    notify_users([company.rep_user.pk], "assigned", "销售的")
    titles = [n["title"] for n in api_for(company.manager).get(URL).json()["results"]]
    assert titles == ["新申诉"]
