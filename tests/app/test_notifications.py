"""The inbox (站内通知): items made from committed owner changes (grouped per owner per
commit), the daily reclaim warning, notify_users for other apps, and who may read what."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from tests.app.pool_setup import TODAY, days_ago, own, pool_policy
from tests.conftest import Company, make_customer

from fenpei.allocation.services import customers_assign
from fenpei.audit.models import AuditEvent, AuditKind, AuditSource
from fenpei.customers.models import Customer
from fenpei.notifications.dispatch import owner_changes_notify, reclaim_warnings_notify
from fenpei.notifications.models import (
    Notification,
    NotificationKind,
    WebhookChannel,
    WebhookDelivery,
)
from fenpei.notifications.services import notify_users
from fenpei.pool.tasks import reclaim_task
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db


def _event(
    source: str, name: str, *, to: Any = None, frm: Any = None, actor: Any = None
) -> AuditEvent:
    return AuditEvent(
        kind=AuditKind.OWNER_CHANGE,
        source=source,
        customer_name=name,
        to_rep_id=to.pk if to else None,
        to_rep_name=to.name if to else "",
        to_team_id=to.team_id if to else None,
        from_rep_id=frm.pk if frm else None,
        from_rep_name=frm.name if frm else "",
        from_team_id=frm.team_id if frm else None,
        actor_id=actor.pk if actor else None,
        at=timezone.now(),
    )


def test_rep_gets_one_item_for_a_manager_assigning_two_customers(
    company: Company, customers: list[Customer], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        customers_assign(
            viewer_of(company.manager), [customers[0].pk, customers[1].pk], company.rep.pk
        )
    [item] = Notification.objects.filter(recipient=company.rep_user)
    assert item.kind == NotificationKind.ASSIGNED
    assert "2" in item.title
    assert customers[0].name in item.body and customers[1].name in item.body
    assert item.url == reverse("customers:mine")
    assert item.read_at is None
    # the manager who did it is told nothing
    assert not Notification.objects.filter(recipient=company.manager).exists()


def test_owner_changes_are_grouped_per_owner_per_commit(company: Company) -> None:
    events = [_event(AuditSource.RUN, f"客户{i}", to=company.rep) for i in range(12)]
    events += [_event(AuditSource.RUN, "南方客户", to=company.other_rep)]
    made = owner_changes_notify(events)
    assert made == 2
    mine = Notification.objects.get(recipient=company.rep_user)
    assert "12" in mine.title
    assert "客户0" in mine.body and "客户9" in mine.body and "客户11" not in mine.body
    assert "2" in mine.body.rsplit("客户9", 1)[1]  # "… and 2 more"
    assert "1" in Notification.objects.get(recipient=company.other_rep_user).title


def test_handover_tells_the_successor_and_the_leaver(company: Company) -> None:
    other = company.other_rep  # has a login; the leaver here
    events = [
        _event(AuditSource.HANDOVER, "甲公司", to=company.rep, frm=other, actor=company.manager),
        _event(AuditSource.HANDOVER, "乙公司", to=company.rep, frm=other, actor=company.manager),
    ]
    owner_changes_notify(events)
    successor = Notification.objects.get(recipient=company.rep_user)
    assert successor.kind == NotificationKind.HANDOVER and "王芳" in successor.title
    assert "甲公司" in successor.body and "乙公司" in successor.body
    leaver = Notification.objects.get(recipient=company.other_rep_user)
    assert leaver.kind == NotificationKind.HANDOVER and "张伟" in leaver.title


def test_reclaim_tells_the_former_owner(company: Company) -> None:
    owner_changes_notify([_event(AuditSource.RECLAIM, "丙公司", frm=company.rep)])
    item = Notification.objects.get(recipient=company.rep_user)
    assert item.kind == NotificationKind.RECLAIMED and "丙公司" in item.body
    assert item.url == reverse("pool:page")


def test_own_actions_make_no_item(company: Company) -> None:
    events = [
        _event(AuditSource.CLAIM, "丁公司", to=company.rep, actor=company.rep_user),
        _event(AuditSource.RETURN, "戊公司", frm=company.rep, actor=company.rep_user),
        # a manual change the rep made themselves (e.g. own lead through the API)
        _event(AuditSource.MANUAL, "己公司", to=company.rep, actor=company.rep_user),
    ]
    assert owner_changes_notify(events) == 0
    assert not Notification.objects.exists()


def test_moving_a_customer_away_tells_the_former_owner(company: Company) -> None:
    owner_changes_notify(
        [
            _event(
                AuditSource.MANUAL,
                "庚公司",
                to=company.rep2,
                frm=company.rep,
                actor=company.manager,
            )
        ]
    )
    item = Notification.objects.get(recipient=company.rep_user)
    assert item.kind == NotificationKind.UNASSIGNED and "李娜" in item.title


def test_owner_changes_queue_one_robot_message_per_team_channel(company: Company) -> None:
    east = WebhookChannel.objects.create(
        name="华东群", kind="wecom", url="https://qyapi.weixin.qq.com/a", team=company.east
    )
    whole = WebhookChannel.objects.create(
        name="全公司", kind="feishu", url="https://open.feishu.cn/b", event_kinds=["assigned"]
    )
    WebhookChannel.objects.create(
        name="只要回收",
        kind="dingtalk",
        url="https://oapi.dingtalk.com/c",
        event_kinds=["reclaimed"],
    )
    WebhookChannel.objects.create(
        name="停用", kind="wecom", url="https://qyapi.weixin.qq.com/d", enabled=False
    )
    events = [_event(AuditSource.RUN, f"客户{i}", to=company.rep) for i in range(3)]
    events.append(_event(AuditSource.RUN, "南方客户", to=company.other_rep))
    owner_changes_notify(events)
    by_channel = {d.channel_id: d for d in WebhookDelivery.objects.all()}
    assert set(by_channel) == {east.pk, whole.pk}
    east_text = by_channel[east.pk].payload["markdown"]["content"]
    assert "张伟: 3" in east_text and "王芳" not in east_text
    whole_text = by_channel[whole.pk].payload["content"]["text"]
    assert "张伟: 3" in whole_text and "王芳: 1" in whole_text


def test_daily_reclaim_warning_once_per_day_for_reps_with_customers_due(company: Company) -> None:
    pool_policy(reclaim_no_followup_days=30, reclaim_no_deal_days=0, warn_days=7)
    soon = own(make_customer("快到期公司"), company.rep, since=days_ago(25))
    own(make_customer("还早公司"), company.rep, since=days_ago(5))
    own(make_customer("南方到期"), company.other_rep, since=days_ago(28))
    WebhookChannel.objects.create(
        name="华东群", kind="wecom", url="https://qyapi.weixin.qq.com/a", team=company.east
    )
    Notification.objects.all().delete()  # owning them made "assigned" items; not tested here
    assert reclaim_warnings_notify(TODAY) == 2
    item = Notification.objects.get(recipient=company.rep_user)
    assert item.kind == NotificationKind.RECLAIM_WARNING
    assert soon.name in item.body and "还早公司" not in item.body
    assert "7" in item.title
    # the east robot hears about 张伟 only
    [delivery] = WebhookDelivery.objects.all()
    assert "张伟: 1" in delivery.payload["markdown"]["content"]
    assert "王芳" not in delivery.payload["markdown"]["content"]
    # a second sweep the same day warns nobody again
    assert reclaim_warnings_notify(TODAY) == 0
    assert Notification.objects.filter(kind=NotificationKind.RECLAIM_WARNING).count() == 2


def test_no_warning_when_warn_days_is_off(company: Company) -> None:
    pool_policy(reclaim_no_followup_days=30, warn_days=0)
    own(make_customer("快到期公司"), company.rep, since=days_ago(29))
    assert reclaim_warnings_notify(TODAY) == 0


def test_notify_users_inserts_once_per_user_and_skips_none(company: Company) -> None:
    with CaptureQueriesContext(connection) as queries:
        made = notify_users(
            [company.rep_user.pk, None, company.rep_user.pk, company.manager.pk],
            NotificationKind.APPEAL,
            "申诉已通过",
            "上海华通科技有限公司",
            "/appeals/1/",
        )
    assert made == 2 and len(queries) == 1
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {
        company.rep_user.pk,
        company.manager.pk,
    }


# ----------------------------------------------------------------- inbox pages


def test_rep_sees_own_items_only_and_the_unread_count_in_the_nav(
    client: Any, company: Company
) -> None:
    notify_users([company.rep_user.pk], "assigned", "你的通知", "正文")
    notify_users([company.other_rep_user.pk], "assigned", "别人的通知", "")
    client.force_login(company.rep_user)
    page = client.get("/inbox/").content.decode()
    assert "你的通知" in page and "别人的通知" not in page
    assert 'id="inbox-link"' in page and '<span class="badge unread"' in page
    nav = client.get("/help/").content.decode()
    assert 'class="badge unread"' in nav


def test_nav_count_is_one_query(client: Any, company: Company) -> None:
    notify_users([company.rep_user.pk], "assigned", "t")
    client.force_login(company.rep_user)
    with CaptureQueriesContext(connection) as queries:
        client.get("/help/")
    counts = [
        q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]
    ]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()


def test_mark_read_without_js_and_with_htmx(client: Any, company: Company) -> None:
    notify_users([company.rep_user.pk], "assigned", "一", url="/customers/mine/")
    notify_users([company.rep_user.pk], "assigned", "二")
    one, two = Notification.objects.order_by("id")
    client.force_login(company.rep_user)
    # plain form, "Open": marked read and sent to the item's link
    response = client.post(f"/inbox/{one.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/customers/mine/"
    one.refresh_from_db()
    assert one.read_at is not None
    # htmx: the item comes back read, with the nav count swapped out of band
    response = client.post(f"/inbox/{two.pk}/read/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and f'id="n-{two.pk}"' in html
    assert 'hx-swap-oob="true"' in html and "badge unread" not in html
    two.refresh_from_db()
    assert two.read_at is not None


def test_mark_all_read(client: Any, company: Company) -> None:
    notify_users([company.rep_user.pk], "assigned", "一")
    notify_users([company.rep_user.pk], "assigned", "二")
    notify_users([company.other_rep_user.pk], "assigned", "别人的")
    client.force_login(company.rep_user)
    assert client.post("/inbox/read-all/").status_code == 302
    assert not Notification.objects.filter(recipient=company.rep_user, read_at=None).exists()
    assert Notification.objects.filter(recipient=company.other_rep_user, read_at=None).exists()


def test_another_users_item_is_404_and_stays_unread(client: Any, company: Company) -> None:
    notify_users([company.other_rep_user.pk], "assigned", "别人的")
    theirs = Notification.objects.get()
    client.force_login(company.rep_user)
    assert client.post(f"/inbox/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_outsider_gets_403_and_anonymous_goes_to_login(client: Any, company: Company) -> None:
    assert client.get("/inbox/").status_code == 302
    client.force_login(company.outsider)
    assert client.get("/inbox/").status_code == 403
    assert client.post("/inbox/read-all/").status_code == 403


def test_inbox_in_english(client: Any, company: Company) -> None:
    client.force_login(company.rep_user)
    page = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Inbox" in page and "Nothing here." in page


def test_daily_sweep_reclaims_tells_the_former_owner_and_warns_the_next(
    company: Company, django_capture_on_commit_callbacks: Any
) -> None:
    pool_policy(reclaim_no_followup_days=30, reclaim_no_deal_days=0, warn_days=7)
    own(make_customer("已到期公司"), company.rep, since=days_ago(31))
    own(make_customer("快到期公司"), company.rep, since=days_ago(26))
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert reclaim_task.call(TODAY.isoformat()) == 1
    reclaimed = Notification.objects.get(kind=NotificationKind.RECLAIMED)
    warning = Notification.objects.get(kind=NotificationKind.RECLAIM_WARNING)
    assert reclaimed.recipient == warning.recipient == company.rep_user
    assert "已到期公司" in reclaimed.body
    assert "快到期公司" in warning.body and "已到期公司" not in warning.body


def test_channel_test_button_queues_a_delivery_task(
    client: Any, company: Company, django_capture_on_commit_callbacks: Any
) -> None:
    channel = WebhookChannel.objects.create(
        name="华东群", kind="wecom", url="https://qyapi.weixin.qq.com/a", team=company.east
    )
    client.force_login(company.manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/webhooks/{channel.pk}/test/").status_code == 302
    delivery = WebhookDelivery.objects.get()
    assert delivery.channel == channel and delivery.status == "pending"
    assert DBTaskResult.objects.filter(args_kwargs__args=[delivery.pk]).count() == 1
