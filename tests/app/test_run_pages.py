"""Run pages: start, preview, apply, discard — per persona."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from fenpei.allocation.models import Run, RunStatus
from fenpei.allocation.services import run_compute, run_create
from fenpei.customers.models import Customer
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_manager_computes_previews_and_applies(company, customers):
    client = _client(company.manager)
    response = client.post(reverse("allocation:run_new"), {"scope": "unassigned"})
    run = Run.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "allocation:run", args=[run.pk]
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "预览" in html  # zh-hans by default
    assert "上海华通科技有限公司" in html
    assert "echarts.min.js" in html
    client.post(reverse("allocation:run_apply", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == RunStatus.APPLIED
    assert Customer.objects.filter(owner__isnull=False).count() == 4


def test_preview_in_english_names_the_reasons(company, customers):
    run = run_create(viewer_of(company.manager), scope="unassigned")
    client = _client(company.manager)
    client.cookies["django_language"] = "en"
    html = client.get(
        reverse("allocation:run", args=[run.pk]), {"show": "unassigned"}
    ).content.decode()
    assert "广州南方电子有限公司" in html
    assert "no rep" in html.lower()  # the engine's English reason for 广东 outside 华东


def test_discard_changes_nothing(company, customers):
    run = run_create(viewer_of(company.manager), scope="unassigned")
    _client(company.manager).post(reverse("allocation:run_discard", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == RunStatus.DISCARDED
    assert not Customer.objects.filter(owner__isnull=False).exists()


@pytest.mark.parametrize("persona", ["rep_user", "other_rep_user", "outsider"])
def test_non_managers_cannot_see_or_start_runs(company, customers, persona):
    run = run_create(viewer_of(company.manager), scope="unassigned")
    client = _client(getattr(company, persona))
    assert client.get(reverse("allocation:runs")).status_code == 403
    assert client.get(reverse("allocation:run", args=[run.pk])).status_code == 403
    assert client.post(reverse("allocation:run_apply", args=[run.pk])).status_code == 403
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEW


def test_other_teams_manager_gets_404(company, customers):
    run = run_create(viewer_of(company.manager), scope="unassigned")
    client = _client(company.other_manager)
    assert client.get(reverse("allocation:run", args=[run.pk])).status_code == 404
    assert client.post(reverse("allocation:run_apply", args=[run.pk])).status_code == 404


def test_big_run_goes_to_a_background_task(
    company, customers, settings, django_capture_on_commit_callbacks
):
    settings.FENPEI_BACKGROUND_RUN_SIZE = 2
    client = _client(company.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("allocation:run_new"), {"scope": "unassigned"})
    run = Run.objects.get()
    assert run.status == RunStatus.QUEUED
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [run.pk]
    # The worker's job, done here in-line: the run becomes a preview with progress 100%.
    run_compute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEW and run.progress == 1.0
    fragment = client.get(reverse("allocation:run_progress", args=[run.pk]))
    assert fragment["HX-Refresh"] == "true"
