"""Follow-ups (跟进记录) and deals (成交 / 丢单): who may log, what the customer shows
afterwards, the rules named by field, the overdue list, and the pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fenpei.allocation.services import customers_assign
from fenpei.customers.models import Customer, Stage
from fenpei.followups.models import Channel, Deal, DealResult, FollowUp
from fenpei.followups.selectors import (
    deals_of_customer,
    followups_of_customer,
    followups_overdue,
    followups_upcoming,
    timeline_of_customer,
)
from fenpei.followups.services import deal_record, followup_log
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(company, customers):
    """华通 → rep (E01), 百货 → rep2 (E02, same team), 南方 → other_rep (华南);
    精工 and 浦江 stay in the pool."""
    admin = viewer_of(company.admin)
    customers_assign(admin, [customers[0].pk], company.rep.pk)
    customers_assign(admin, [customers[2].pk], company.rep2.pk)
    customers_assign(admin, [customers[4].pk], company.other_rep.pk)
    return {
        "rep": Customer.objects.get(pk=customers[0].pk),
        "rep2": Customer.objects.get(pk=customers[2].pk),
        "other_rep": Customer.objects.get(pk=customers[4].pk),
        "pool": Customer.objects.get(pk=customers[1].pk),
    }


def _ago(**delta: float) -> datetime:
    return timezone.now() - timedelta(**delta)


def _log(user, customer, **fields):
    fields.setdefault("channel", Channel.PHONE)
    fields.setdefault("note", "聊了需求")
    return followup_log(viewer_of(user), customer.pk, **fields)


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(exc.value.message_dict)


# ----------------------------------------------------------------- who may log


def test_owner_logs_and_customer_shows_last_followup_and_next_step(company, owned):
    customer = owned["rep"]
    assert customer.stage == Stage.LEAD
    due = timezone.localdate() + timedelta(days=3)
    followup = _log(
        company.rep_user,
        customer,
        channel=Channel.VISIT,
        outcome="有意向",
        next_step="发报价",
        next_step_due=due,
    )
    customer.refresh_from_db()
    assert followup.rep == company.rep and followup.author == company.rep_user
    assert customer.last_followup_at == followup.contact_at
    assert customer.next_step == "发报价" and customer.next_step_due == due
    assert customer.stage == Stage.FOLLOWING  # a lead someone works on


def test_rep_gets_404_on_another_reps_customer(company, owned):
    for other in (owned["rep2"], owned["other_rep"]):
        with pytest.raises(Customer.DoesNotExist):
            _log(company.rep_user, other)
    assert not FollowUp.objects.exists()


def test_rep_may_not_log_on_a_pool_customer_before_claiming(company, owned):
    with pytest.raises(PermissionDenied):
        _log(company.rep_user, owned["pool"])
    assert not FollowUp.objects.exists()


def test_manager_logs_for_their_team_but_not_another(company, owned):
    _log(company.manager, owned["rep2"])
    assert FollowUp.objects.get().rep is None  # the manager has no rep record
    with pytest.raises(Customer.DoesNotExist):
        _log(company.manager, owned["other_rep"])
    with pytest.raises(Customer.DoesNotExist):
        _log(company.other_manager, owned["rep"])


def test_admin_logs_anywhere_and_outsider_nowhere(company, owned):
    _log(company.admin, owned["other_rep"])
    with pytest.raises(Customer.DoesNotExist):
        _log(company.outsider, owned["rep"])
    assert FollowUp.objects.count() == 1


def test_former_owner_loses_the_right_to_log_when_customer_moves(company, owned):
    customer = owned["rep"]
    customers_assign(viewer_of(company.manager), [customer.pk], company.rep2.pk)
    with pytest.raises(Customer.DoesNotExist):
        _log(company.rep_user, customer)


# ------------------------------------------------------- last follow-up caching


def test_back_dated_followup_does_not_overwrite_a_newer_one(company, owned):
    customer = owned["rep"]
    today = timezone.localdate()
    newer = _log(
        company.rep_user,
        customer,
        contact_at=_ago(hours=2),
        next_step="寄样品",
        next_step_due=today + timedelta(days=2),
    )
    _log(
        company.rep_user,
        customer,
        contact_at=_ago(days=10),
        next_step="约拜访",
        next_step_due=today - timedelta(days=5),
    )
    customer.refresh_from_db()
    assert customer.last_followup_at == newer.contact_at
    assert customer.next_step == "寄样品"
    assert customer.next_step_due == today + timedelta(days=2)
    # A still newer one wins, and an empty next step clears the old one.
    latest = _log(company.rep_user, customer, contact_at=_ago(minutes=5))
    customer.refresh_from_db()
    assert customer.last_followup_at == latest.contact_at
    assert customer.next_step == "" and customer.next_step_due is None
    assert [f.pk for f in followups_of_customer(viewer_of(company.rep_user), customer)] == [
        latest.pk,
        newer.pk,
        FollowUp.objects.order_by("contact_at").first().pk,
    ]


def test_followup_on_won_customer_keeps_its_stage(company, owned):
    customer = owned["rep"]
    deal_record(viewer_of(company.rep_user), customer.pk, result=DealResult.WON, amount=Decimal(1))
    _log(company.rep_user, customer)
    customer.refresh_from_db()
    assert customer.stage == Stage.WON


# ------------------------------------------------------------------- validation


def test_contact_time_cannot_be_in_the_future(company, owned):
    with pytest.raises(ValidationError) as exc:
        _log(company.rep_user, owned["rep"], contact_at=timezone.now() + timedelta(hours=1))
    assert _errors(exc) == {"contact_at"}
    assert not FollowUp.objects.exists()


def test_next_step_of_todays_contact_must_lie_ahead(company, owned):
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        _log(company.rep_user, owned["rep"], next_step="回电", next_step_due=yesterday)
    assert _errors(exc) == {"next_step_due"}


def test_history_may_carry_a_past_next_step_which_then_is_overdue(company, owned):
    customer = owned["rep"]
    today = timezone.localdate()
    _log(
        company.rep_user,
        customer,
        contact_at=_ago(days=9),
        next_step="发报价",
        next_step_due=today - timedelta(days=4),
    )
    assert list(followups_overdue(viewer_of(company.rep_user), today)) == [
        Customer.objects.get(pk=customer.pk)
    ]
    # ... but never before the contact it came from.
    with pytest.raises(ValidationError) as exc:
        _log(
            company.rep_user,
            customer,
            contact_at=_ago(days=9),
            next_step="发报价",
            next_step_due=today - timedelta(days=12),
        )
    assert _errors(exc) == {"next_step_due"}


def test_each_broken_rule_names_its_field(company, owned):
    with pytest.raises(ValidationError) as exc:
        _log(
            company.rep_user,
            owned["rep"],
            channel="pigeon",
            note="  ",
            next_step="",
            next_step_due=timezone.localdate() + timedelta(days=400),
        )
    assert _errors(exc) == {"channel", "note", "next_step", "next_step_due"}


# ------------------------------------------------------------------------ deals


def test_won_deal_updates_history_stage_and_priority(company, owned):
    customer = owned["rep"]
    customer.deal_count, customer.deal_amount = 1, Decimal("10000")
    customer.last_deal = timezone.localdate() - timedelta(days=400)
    customer.save()
    before = customer.priority
    day = timezone.localdate() - timedelta(days=2)
    deal = deal_record(
        viewer_of(company.rep_user),
        customer.pk,
        result=DealResult.WON,
        amount=Decimal("250000"),
        closed_on=day,
    )
    customer.refresh_from_db()
    assert deal.rep == company.rep
    assert customer.deal_count == 2
    assert customer.deal_amount == Decimal("260000")
    assert customer.last_deal == day
    assert customer.stage == Stage.WON and customer.is_new is False
    assert customer.priority > before  # history feeds priority: rescored at once


def test_older_won_deal_never_moves_last_deal_back(company, owned):
    customer = owned["rep"]
    viewer = viewer_of(company.rep_user)
    recent = timezone.localdate() - timedelta(days=3)
    deal_record(viewer, customer.pk, result=DealResult.WON, amount=Decimal(5), closed_on=recent)
    old = recent - timedelta(days=30)
    deal_record(viewer, customer.pk, result=DealResult.WON, amount=Decimal(7), closed_on=old)
    customer.refresh_from_db()
    assert customer.last_deal == recent
    assert customer.deal_count == 2 and customer.deal_amount == Decimal(12)


def test_lost_deal_sets_stage_without_touching_history(company, owned):
    customer = owned["rep"]
    deal_record(
        viewer_of(company.rep_user), customer.pk, result=DealResult.LOST, amount=Decimal(90000)
    )
    customer.refresh_from_db()
    assert customer.stage == Stage.LOST
    assert customer.deal_count == 0 and customer.deal_amount == 0 and customer.last_deal is None


def test_back_dated_loss_does_not_undo_a_newer_win(company, owned):
    customer = owned["rep"]
    viewer = viewer_of(company.rep_user)
    today = timezone.localdate()
    deal_record(viewer, customer.pk, result=DealResult.WON, amount=Decimal(1), closed_on=today)
    deal_record(
        viewer,
        customer.pk,
        result=DealResult.LOST,
        amount=Decimal(0),
        closed_on=today - timedelta(days=20),
    )
    customer.refresh_from_db()
    assert customer.stage == Stage.WON
    assert [d.result for d in deals_of_customer(viewer, customer)] == ["won", "lost"]


def test_deal_rules_name_their_fields(company, owned):
    with pytest.raises(ValidationError) as exc:
        deal_record(
            viewer_of(company.rep_user),
            owned["rep"].pk,
            result="maybe",
            amount=Decimal(-1),
            closed_on=timezone.localdate() + timedelta(days=1),
        )
    assert _errors(exc) == {"result", "amount", "closed_on"}
    assert not Deal.objects.exists()


def test_deal_access_follows_the_followup_rules(company, owned):
    with pytest.raises(Customer.DoesNotExist):
        deal_record(viewer_of(company.rep_user), owned["rep2"].pk, result="won", amount=Decimal(1))
    with pytest.raises(PermissionDenied):
        deal_record(viewer_of(company.rep_user), owned["pool"].pk, result="won", amount=Decimal(1))
    deal_record(viewer_of(company.manager), owned["rep2"].pk, result="won", amount=Decimal(1))
    assert Deal.objects.count() == 1


def test_timeline_mixes_followups_and_deals_newest_first(company, owned):
    customer = owned["rep"]
    viewer = viewer_of(company.rep_user)
    _log(company.rep_user, customer, contact_at=_ago(days=5))
    deal_record(
        viewer,
        customer.pk,
        result="won",
        amount=Decimal(1),
        closed_on=timezone.localdate() - timedelta(days=2),
    )
    _log(company.rep_user, customer, contact_at=_ago(minutes=1))
    kinds = ["deal" if e.deal else "followup" for e in timeline_of_customer(viewer, customer)]
    assert kinds == ["followup", "deal", "followup"]
    assert timeline_of_customer(viewer_of(company.other_rep_user), customer) == []


# ------------------------------------------------------------------ due lists


def _plan(user, customer, due_in_days: int, days_ago: float = 20) -> None:
    _log(
        user,
        customer,
        contact_at=_ago(days=days_ago),
        next_step="回访",
        next_step_due=timezone.localdate() + timedelta(days=due_in_days),
    )


def test_overdue_and_upcoming_lists_by_persona(company, owned):
    today = timezone.localdate()
    _plan(company.rep_user, owned["rep"], -3)
    _plan(company.manager, owned["rep2"], -1)
    _plan(company.other_manager, owned["other_rep"], -6)
    rep = viewer_of(company.rep_user)
    assert [c.name for c in followups_overdue(rep, today)] == [owned["rep"].name]
    manager = viewer_of(company.manager)
    assert [c.name for c in followups_overdue(manager, today)] == [
        owned["rep"].name,  # the longest overdue first
        owned["rep2"].name,
    ]
    assert [c.name for c in followups_overdue(manager, today, company.rep2.pk)] == [
        owned["rep2"].name
    ]
    assert [c.name for c in followups_overdue(viewer_of(company.other_manager), today)] == [
        owned["other_rep"].name
    ]
    assert not followups_overdue(viewer_of(company.outsider), today).exists()
    _plan(company.rep_user, owned["rep"], 5, days_ago=0.01)
    assert not followups_overdue(rep, today).exists()
    assert [c.name for c in followups_upcoming(rep, today)] == [owned["rep"].name]
    assert not followups_upcoming(rep, today, days=4).exists()


def test_a_pool_customers_old_next_step_is_nobodys_overdue(company, owned):
    from fenpei.allocation.services import customers_release  # noqa: PLC0415

    _plan(company.rep_user, owned["rep"], -3)
    customers_release(viewer_of(company.manager), [owned["rep"].pk])
    assert not followups_overdue(viewer_of(company.manager), timezone.localdate()).exists()


# ------------------------------------------------------------------------ pages


def _post_followup(client, customer, htmx: bool = False, **fields):
    data = {
        "contact_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "channel": "wechat",
        "note": "微信沟通",
        "outcome": "",
        "next_step": "",
        "next_step_due": "",
        **fields,
    }
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/customers/{customer.pk}/followups/", data, headers=headers)


def test_detail_page_shows_the_panel_with_a_form_for_the_owner(client, company, owned):
    client.force_login(company.rep_user)
    _log(company.rep_user, owned["rep"], note="第一次电话")
    page = client.get(f"/customers/{owned['rep'].pk}/").content.decode()
    assert 'id="followups"' in page and "第一次电话" in page
    assert f'action="/customers/{owned["rep"].pk}/followups/"' in page
    assert f'action="/customers/{owned["rep"].pk}/deals/"' in page
    pool = client.get(f"/customers/{owned['pool'].pk}/").content.decode()
    assert 'id="followups"' in pool
    assert f"/customers/{owned['pool'].pk}/followups/" not in pool  # no form before claiming
    assert "领取" in pool or "claim" in pool.lower()


def test_htmx_post_returns_the_panel_and_a_plain_post_redirects(client, company, owned):
    client.force_login(company.rep_user)
    customer = owned["rep"]
    response = _post_followup(client, customer, htmx=True, note="htmx 记录")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<section id="followups"') and "htmx 记录" in body
    assert "<html" not in body
    response = _post_followup(client, customer, note="普通表单")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/#followups"
    assert FollowUp.objects.filter(customer=customer).count() == 2


def test_invalid_post_names_the_field_and_saves_nothing(client, company, owned):
    client.force_login(company.rep_user)
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = _post_followup(client, owned["rep"], contact_at=future)
    assert response.status_code == 400
    assert "联系时间不能是将来的时间" in response.content.decode() or "future" in (
        response.content.decode()
    )
    response = _post_followup(client, owned["rep"], htmx=True, note="")
    assert response.status_code == 200 and 'class="field invalid"' in response.content.decode()
    assert not FollowUp.objects.exists()


def test_page_posts_by_persona(client, company, owned):
    client.force_login(company.rep_user)
    assert _post_followup(client, owned["rep2"]).status_code == 404
    assert _post_followup(client, owned["pool"]).status_code == 403
    client.force_login(company.outsider)
    assert _post_followup(client, owned["rep"]).status_code == 404
    client.force_login(company.manager)
    assert _post_followup(client, owned["rep2"]).status_code == 302
    assert FollowUp.objects.count() == 1


def test_deal_form_records_and_redirects(client, company, owned):
    client.force_login(company.rep_user)
    customer = owned["rep"]
    url = f"/customers/{customer.pk}/deals/"
    today = timezone.localdate().isoformat()
    response = client.post(url, {"result": "won", "amount": "88000", "closed_on": today})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.deal_amount == Decimal(88000) and customer.stage == Stage.WON
    bad = client.post(url, {"result": "won", "amount": "-5", "closed_on": today})
    assert bad.status_code == 400 and Deal.objects.count() == 1


def test_due_page_for_rep_and_manager(client, company, owned):
    _plan(company.rep_user, owned["rep"], -3)
    _plan(company.manager, owned["rep2"], -1)
    client.force_login(company.rep_user)
    page = client.get("/followups/").content.decode()
    assert owned["rep"].name in page and owned["rep2"].name not in page
    client.force_login(company.manager)
    page = client.get("/followups/").content.decode()
    assert owned["rep"].name in page and owned["rep2"].name in page
    page = client.get(f"/followups/?rep={company.rep2.pk}").content.decode()
    assert owned["rep"].name not in page and owned["rep2"].name in page
    upcoming = client.get("/followups/?show=upcoming").content.decode()
    assert owned["rep2"].name not in upcoming
    client.force_login(company.outsider)
    assert client.get("/followups/").status_code == 403


# ------------------------------------------------------------------ at once


@pytest.mark.django_db(transaction=True)
def test_followups_logged_at_once_leave_the_newest_on_the_customer(company, customers):
    """Eight follow-ups of one customer, logged from eight threads (eight connections)
    at once: the row lock makes each compare-and-set whole, so the customer ends with
    the newest contact and its next step, whatever order they commit in."""
    import threading  # noqa: PLC0415

    from django.db import connection  # noqa: PLC0415

    customer = customers[0]
    customers_assign(viewer_of(company.admin), [customer.pk], company.rep.pk)
    viewer = viewer_of(company.rep_user)
    now = timezone.now()
    moments = [now - timedelta(hours=h) for h in (5, 1, 7, 3, 2, 8, 4, 6)]
    start = threading.Barrier(len(moments))
    failures: list[BaseException] = []

    def log(i: int, moment: datetime) -> None:
        try:
            start.wait()
            followup_log(
                viewer,
                customer.pk,
                contact_at=moment,
                channel=Channel.PHONE,
                note=f"第 {i} 次",
                next_step=f"步骤 {i}",
                next_step_due=timezone.localdate() + timedelta(days=1),
            )
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=log, args=(i, m)) for i, m in enumerate(moments)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    customer.refresh_from_db()
    assert FollowUp.objects.filter(customer=customer).count() == len(moments)
    newest = moments.index(max(moments))
    assert customer.last_followup_at == max(moments)
    assert customer.next_step == f"步骤 {newest}"
