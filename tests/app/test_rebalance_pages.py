"""Rebalance (再平衡) of a team's owned books: trade-off page, preview as a run, apply."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fenpei.allocation.models import Assignment, Run, RunItem, RunScope, RunStatus
from fenpei.allocation.rebalance import rebalance_preview, rebalance_trade_off
from fenpei.allocation.services import customers_assign
from fenpei.audit.models import AuditEvent
from fenpei.customers.models import Customer, Intent, Stage
from fenpei.teams.access import viewer_of

from ..conftest import make_customer

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def lopsided(company):
    """华东: 张伟 owns 14 上海 customers (every one also fits 李娜), 李娜 owns 1."""
    manager = viewer_of(company.manager)
    book = [
        make_customer(
            f"上海客户{i:02d}有限公司",
            region="上海",
            city="上海",
            industry="零售",
            potential_value=Decimal("50000"),
            intent=Intent.MEDIUM,
        )
        for i in range(15)
    ]
    customers_assign(manager, [c.pk for c in book[:14]], company.rep.pk)
    customers_assign(manager, [book[14].pk], company.rep2.pk)
    for c in book:
        c.refresh_from_db()
    return book


def _moves(run: Run) -> dict[int, RunItem]:
    return {it.customer_id: it for it in run.items.all()}


def test_manager_previews_unbalanced_team_and_sees_moves_with_reasons(company, lopsided):
    client = _client(company.manager)
    response = client.post(
        reverse("allocation:rebalance"),
        {"team": company.east.pk, "move_cost": "0", "protect_days": "30", "protect_open": "on"},
    )
    assert response.status_code == 302
    run = Run.objects.get(scope=RunScope.REBALANCE)
    assert response["Location"] == reverse("allocation:run", args=[run.pk])
    assert run.status == RunStatus.PREVIEW
    moves = _moves(run)
    assert moves, "a 14/1 split must move someone at no move cost"
    assert all(it.previous_owner_id == company.rep.pk for it in moves.values())
    assert all(it.rep_id == company.rep2.pk for it in moves.values())
    assert run.summary["moved"] == len(moves) < 14
    assert all(it.reasons[0]["kind"] == "rebalance_move" for it in moves.values())
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "从 张伟 调至 李娜" in text
    # nothing changed yet
    assert Customer.objects.filter(owner=company.rep).count() == 14


def test_recently_followed_up_and_locked_customers_do_not_move(company, lopsided):
    manager = viewer_of(company.manager)
    recent, locked = lopsided[0], lopsided[1]
    Customer.objects.filter(pk=recent.pk).update(
        last_followup_at=timezone.now() - timedelta(days=3)
    )
    Customer.objects.filter(pk=locked.pk).update(locked=True)
    # every other customer of 张伟 is held by an open relationship, so only these two could
    # move if unprotected
    Customer.objects.filter(pk__in=[c.pk for c in lopsided[2:14]]).update(
        stage=Stage.FOLLOWING, next_step_due=timezone.localdate() + timedelta(days=5)
    )
    run = rebalance_preview(manager, company.east.pk, move_cost=0)
    assert _moves(run) == {}
    assert run.summary["protected"] == 13  # 12 open + 1 recent follow-up (lock is separate)

    unticked = rebalance_preview(
        manager, company.east.pk, move_cost=0, protect_days=0, protect_open=False
    )
    moved = set(_moves(unticked))
    assert moved and locked.pk not in moved
    assert len(moved) > 0


def test_higher_move_cost_never_moves_more(company, lopsided):
    manager = viewer_of(company.manager)
    curve = rebalance_trade_off(manager, company.east.pk, (0, 10, 25, 50, 100, 200, 10_000))
    moves = [p["moves"] for p in curve]
    assert moves == sorted(moves, reverse=True)
    assert moves[0] > 0 and moves[-1] == 0
    cheap = rebalance_preview(manager, company.east.pk, move_cost=0)
    dear = rebalance_preview(manager, company.east.pk, move_cost=10_000)
    assert len(_moves(dear)) <= len(_moves(cheap))
    assert _moves(dear) == {}


def test_trade_off_page_shows_the_curve(company, lopsided):
    client = _client(company.manager)
    blank = client.get(reverse("allocation:rebalance"))
    assert blank.status_code == 200 and 'id="tradeoff-table"' not in blank.content.decode()
    page = client.get(
        reverse("allocation:rebalance"),
        {"team": company.east.pk, "move_cost": "50", "protect_days": "30", "protect_open": "on"},
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="tradeoff-table"' in text and "echarts.min.js" in text
    assert (
        reverse("allocation:rebalance") in client.get(reverse("allocation:runs")).content.decode()
    )


def test_apply_moves_owners_and_history_atomically(company, lopsided):
    manager = viewer_of(company.manager)
    run = rebalance_preview(manager, company.east.pk, move_cost=0)
    moves = _moves(run)
    client = _client(company.manager)
    client.post(reverse("allocation:run_apply", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == RunStatus.APPLIED
    for pk in moves:
        c = Customer.objects.get(pk=pk)
        assert c.owner_id == company.rep2.pk
        history = list(Assignment.objects.filter(customer_id=pk).order_by("started_at", "pk"))
        assert [a.rep_id for a in history] == [company.rep.pk, company.rep2.pk]
        assert history[0].ended_at is not None and history[1].run_id == run.pk
    assert AuditEvent.objects.filter(run_id=run.pk).count() == len(moves)


def test_apply_is_refused_whole_when_a_customer_changed_owner(company, lopsided):
    manager = viewer_of(company.manager)
    run = rebalance_preview(manager, company.east.pk, move_cost=0)
    moves = list(_moves(run))
    assert len(moves) >= 2
    customers_assign(manager, [moves[0]], company.rep2.pk)  # someone moved it by hand
    client = _client(company.manager)
    client.post(reverse("allocation:run_apply", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEW
    assert Customer.objects.get(pk=moves[1]).owner_id == company.rep.pk


def test_rep_gets_403_and_other_team_manager_404(company, lopsided):
    url = reverse("allocation:rebalance")
    data = {"team": company.east.pk, "move_cost": "0", "protect_days": "30"}
    assert _client(company.rep_user).get(url).status_code == 403
    assert _client(company.rep_user).post(url, data).status_code == 403
    other = _client(company.other_manager)
    assert other.post(url, data).status_code == 404
    assert other.get(url, data).status_code == 404
    assert not Run.objects.filter(scope=RunScope.REBALANCE).exists()
