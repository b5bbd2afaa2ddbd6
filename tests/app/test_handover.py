"""Handover (交接) of a departing rep's customers: preview as a run, apply, history kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from fenpei.allocation.handover import handover_preview
from fenpei.allocation.models import Assignment, RunItem, RunScope, RunStatus
from fenpei.allocation.services import customers_assign, run_apply, run_create
from fenpei.customers.models import Customer
from fenpei.followups.models import Channel, FollowUp
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Level, Rep, RepStatus
from fenpei.teams.services import rep_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaver_book(company, customers):
    """张伟 (rep, leaving) owns 上海华通 (locked), 苏州精工 and 上海浦江; 华东 gains a third
    rep, 赵强, who covers 江苏 like 张伟 (李娜 covers only 上海 and 浙江)."""
    manager = viewer_of(company.manager)
    rep3 = Rep.objects.create(
        key="E03",
        name="赵强",
        team=company.east,
        level=Level.MID,
        regions=["上海", "江苏", "浙江"],
        industries=["制造业"],
        capacity=20,
    )
    owned = [customers[0], customers[1], customers[3]]
    customers_assign(manager, [c.pk for c in owned], company.rep.pk)
    Customer.objects.filter(pk=customers[0].pk).update(locked=True)
    for c in owned:
        c.refresh_from_db()
    return owned, rep3


def test_manager_previews_handover_to_remaining_reps_and_applies_it(company, leaver_book):
    owned, rep3 = leaver_book
    manager = viewer_of(company.manager)
    FollowUp.objects.create(
        customer=owned[1],
        rep=company.rep,
        author=company.rep_user,
        contact_at=timezone.now(),
        channel=Channel.PHONE,
        note="约了下周拜访",
    )
    run = handover_preview(manager, company.rep.pk)
    assert run.status == RunStatus.PREVIEW and run.scope == RunScope.HANDOVER
    assert run.handover_from == company.rep and run.handover_to is None
    assert sorted(run.selection) == sorted(c.pk for c in owned)
    items = {it.customer_id: it for it in RunItem.objects.filter(run=run)}
    assert set(items) == {c.pk for c in owned}
    # Nobody keeps the leaver; the locked customer moves too; 江苏 can only go to 赵强.
    assert all(it.rep_id in (company.rep2.pk, rep3.pk) for it in items.values())
    assert items[owned[1].pk].rep_id == rep3.pk
    assert all(it.previous_owner_id == company.rep.pk for it in items.values())
    first = items[owned[0].pk].reasons[0]
    assert first == {"kind": "handover", "from": "张伟", "pool": False}
    assert items[owned[0].pk].reasons[1]["kind"] == "eligible"
    # The preview's loads show the leaver going to zero.
    leaver_row = next(ld for ld in run.loads if ld["rep"] == company.rep.pk)
    assert (leaver_row["before"], leaver_row["after"], leaver_row["active"]) == (3, 0, False)
    assert run.summary["moved"] == 3 and run.summary["unassigned"] == 0
    assert Customer.objects.filter(owner=company.rep).count() == 3  # a preview changes nothing

    assert run_apply(manager, run.pk) == 3
    assert not Customer.objects.filter(owner=company.rep).exists()
    ended = Assignment.objects.filter(rep=company.rep)
    assert ended.count() == 3 and not ended.filter(ended_at__isnull=True).exists()
    assert set(ended.values_list("end_reason", flat=True)) == {gettext("handover: departure")}
    moved = Customer.objects.get(pk=owned[0].pk)
    assert moved.owner_id in (company.rep2.pk, rep3.pk)
    assert moved.locked  # the lock now binds the new owner
    current = Assignment.objects.get(customer=moved, ended_at__isnull=True)
    assert current.run == run and current.reasons[0]["kind"] == "handover"
    followup = FollowUp.objects.get(customer=owned[1])
    assert followup.rep == company.rep  # the leaver's work stays theirs, on the customer

    departed = rep_update(manager, company.rep, status=RepStatus.DEPARTED)
    assert departed.status == RepStatus.DEPARTED
    assert Assignment.objects.filter(rep=company.rep).count() == 3  # history stays


def test_handover_sends_what_nobody_may_take_to_the_team_pool(company, customers):
    manager = viewer_of(company.manager)
    suzhou = customers[1]  # 江苏: only the leaver covers it
    customers_assign(manager, [suzhou.pk], company.rep.pk)
    run = handover_preview(manager, company.rep.pk)
    item = RunItem.objects.get(run=run)
    assert item.rep_id is None
    assert item.reasons[0] == {"kind": "handover", "from": "张伟", "pool": True}
    assert run.summary["unassigned"] == 1
    run_apply(manager, run.pk)
    suzhou.refresh_from_db()
    assert suzhou.owner is None and suzhou.team == company.east  # the team's pool
    assert not Assignment.objects.filter(customer=suzhou, ended_at__isnull=True).exists()


def test_handover_to_named_successor_moves_everything_there(company, leaver_book):
    manager = viewer_of(company.manager)
    run = handover_preview(manager, company.rep.pk, company.rep2.pk)
    assert run.status == RunStatus.PREVIEW and run.handover_to == company.rep2
    items = list(RunItem.objects.filter(run=run))
    # All of them, 江苏 too (outside 李娜's territory): the manager's decision.
    assert {it.rep_id for it in items} == {company.rep2.pk} and len(items) == 3
    assert items[0].reasons == [{"kind": "handover", "from": "张伟", "to": "李娜"}]
    successor_row = next(ld for ld in run.loads if ld["rep"] == company.rep2.pk)
    assert (successor_row["before"], successor_row["after"]) == (0, 3)
    run_apply(manager, run.pk)
    assert Customer.objects.filter(owner=company.rep2).count() == 3


def test_successor_without_room_or_on_leave_is_refused(company, leaver_book):
    manager = viewer_of(company.manager)
    Rep.objects.filter(pk=company.rep2.pk).update(capacity=2)
    with pytest.raises(ValidationError) as full:
        handover_preview(manager, company.rep.pk, company.rep2.pk)
    assert "successor" in full.value.message_dict
    today = timezone.localdate()
    Rep.objects.filter(pk=company.rep2.pk).update(
        capacity=20,
        status=RepStatus.ON_LEAVE,
        leave_from=today - timedelta(days=1),
        leave_until=today + timedelta(days=5),
    )
    with pytest.raises(ValidationError):
        handover_preview(manager, company.rep.pk, company.rep2.pk)
    assert not RunItem.objects.exists()


def test_rep_and_outsider_cannot_hand_over_and_other_manager_cannot_see(company, leaver_book):
    for user in (company.rep_user, company.outsider):
        with pytest.raises(PermissionDenied):
            handover_preview(viewer_of(user), company.rep.pk)
    with pytest.raises(Rep.DoesNotExist):
        handover_preview(viewer_of(company.other_manager), company.rep.pk)
    # 华南's rep is not among 华东's manager's reps: no successor.
    with pytest.raises(ValidationError):
        handover_preview(viewer_of(company.manager), company.rep.pk, company.other_rep.pk)
    # Nor is the leaver their own successor.
    with pytest.raises(ValidationError):
        handover_preview(viewer_of(company.manager), company.rep.pk, company.rep.pk)


def test_nothing_to_hand_over_and_no_handover_through_plain_runs(company, customers):
    manager = viewer_of(company.manager)
    with pytest.raises(ValidationError):
        handover_preview(manager, company.rep2.pk)
    with pytest.raises(ValidationError):
        run_create(manager, scope="handover")


def test_departed_rep_still_owning_customers_can_be_handed_over(company, leaver_book):
    """A sheet may mark a rep departed who still owns customers: that is what handover is for."""
    Rep.objects.filter(pk=company.rep.pk).update(status=RepStatus.DEPARTED)
    run = handover_preview(viewer_of(company.manager), company.rep.pk)
    run_apply(viewer_of(company.manager), run.pk)
    assert not Customer.objects.filter(owner=company.rep).exists()


# ---------------------------------------------------------------------------- pages


def test_manager_sees_handover_button_and_gets_the_run_preview(client, company, leaver_book):
    client.force_login(company.manager)
    page = client.get(f"/reps/{company.rep.pk}/")
    assert page.status_code == 200 and b'id="handover-preview"' in page.content
    # 李娜 owns nothing: no handover to offer.
    assert b'id="handover-preview"' not in client.get(f"/reps/{company.rep2.pk}/").content
    response = client.post(f"/reps/{company.rep.pk}/handover/", {"successor": ""})
    assert response.status_code == 302
    item = RunItem.objects.first()
    assert item is not None
    assert response["Location"] == f"/runs/{item.run_id}/"
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "张伟".encode() in preview.content and b'id="apply-run"' in preview.content


def test_successor_choice_posts_and_bad_successor_returns_to_the_rep(client, company, leaver_book):
    client.force_login(company.manager)
    response = client.post(f"/reps/{company.rep.pk}/handover/", {"successor": company.other_rep.pk})
    assert response.status_code == 302 and response["Location"] == f"/reps/{company.rep.pk}/"
    assert not RunItem.objects.exists()
    response = client.post(f"/reps/{company.rep.pk}/handover/", {"successor": company.rep2.pk})
    assert response.status_code == 302 and response["Location"].startswith("/runs/")


def test_rep_gets_403_and_other_manager_404_on_handover(client, company, leaver_book):
    client.force_login(company.rep_user)
    assert b'id="handover-preview"' not in client.get(f"/reps/{company.rep.pk}/").content
    assert client.post(f"/reps/{company.rep.pk}/handover/").status_code == 403
    client.force_login(company.other_manager)
    assert client.post(f"/reps/{company.rep.pk}/handover/").status_code == 404
    assert not RunItem.objects.exists()
