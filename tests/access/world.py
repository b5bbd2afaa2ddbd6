"""The access matrix's world: two teams, each with a manager and two reps with logins,
customers owned by each rep, each team's pool, an unrouted pool customer, and one of
everything a page or endpoint can be asked about (run, appeal, goal, feedback, follow-up,
deal, notification, webhook channel, review schedule, import batch), made with the real
services where they exist.

Every distinctive text of an object is listed under the holder who may see it (`SECRETS`),
so a response can be searched for what its viewer must not read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token

from fenpei.allocation.models import PolicyVersion, Run
from fenpei.allocation.selectors import policy_active
from fenpei.allocation.services import customers_assign, run_create
from fenpei.appeals.models import Appeal, AppealKind
from fenpei.appeals.services import Attachment, appeal_open
from fenpei.audit.models import AuditEvent
from fenpei.customers.import_services import import_upload
from fenpei.customers.models import Customer, ImportBatch, Intent
from fenpei.customers.services import customer_derive
from fenpei.followups.models import Channel, Deal, DealResult, FollowUp
from fenpei.followups.services import deal_record, followup_log
from fenpei.goals.models import Feedback, Metric, PeriodKind
from fenpei.goals.selectors import period_end_of, period_start_of
from fenpei.goals.services import feedback_give, goals_set
from fenpei.notifications.models import Notification, WebhookChannel, WebhookKind
from fenpei.notifications.services import notify_users
from fenpei.reviews.models import Frequency, ReviewSchedule
from fenpei.reviews.periods import Period
from fenpei.reviews.services import report_make, schedule_set
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Level, Rep, Team

#: the viewers of the matrix, in the order the tables list them
ROLES = (
    "anon",  # not logged in
    "outsider",  # logged in, no role
    "admin",
    "manager",  # manages 华东 (rep E01, colleague E02)
    "other_manager",  # manages 华南 (other_rep S01, S02)
    "rep",  # E01 of 华东: the owner of the "own" objects
    "colleague",  # E02 of 华东: a rep's colleague in the same team
    "other_rep",  # S01 of 华南: the rep of another team
)

# Distinctive texts, per holder. A viewer must never read a text whose holder it may
# not see (see `forbidden`).
E01_CUSTOMER = "华东张伟独家客户甲"
E02_CUSTOMER = "华东李娜独家客户乙"
S01_CUSTOMER = "华南保密客户甲"
S02_CUSTOMER = "华南保密客户乙"
EAST_POOL = "华东公海客户丙"
SOUTH_POOL = "华南公海保密客户丁"
UNROUTED_POOL = "无主公海客户戊"
EAST_IMPORT = "华东导入客户庚"
SOUTH_IMPORT = "华南导入保密客户辛"
SOUTH_WEBHOOK = "华南保密机器人"
E01_IDLE = "华东张伟闲置客户"  # goes back to the pool soon: a reclaim warning
S02_IDLE = "华南赵敏闲置保密客户"
#: E02's and S02's customers are one company (same phone): 撞单 across teams
SHARED_PHONE = "13700001111"
#: goal targets (yuan) with figures found nowhere else
E02_TARGET = "413579"
S01_TARGET = "317531"
S01_PHONE = "13912345678"
EAST_WEBHOOK = "华东机器人"

SECRETS: dict[str, tuple[str, ...]] = {
    # what only E01 (and the managers of 华东, and admin) may read
    "e01": (
        E01_CUSTOMER,
        "张伟跟进备注ZW",
        "张伟申诉理由ZW",
        "给张伟的反馈ZW",
        "张伟的通知ZW",
        "123.5万",  # E01's deal: 1,234,567 yuan
        "1,234,567",
        E01_IDLE,
    ),
    "e02": (
        E02_CUSTOMER,
        "李娜跟进备注LN",
        "李娜申诉理由LN",
        "给李娜的反馈LN",
        "李娜的通知LN",
        "246.9万",  # E02's deal: 2,468,642 yuan
        "2,468,642",
        E02_TARGET,  # E02's goal, as the API writes it
        "413,579",
        "41.4万",
    ),
    # the managers of 华东 only (and admin)
    "east": (EAST_WEBHOOK, EAST_IMPORT, "华东经理的通知MG"),
    # 华东's reps and managers
    "east_pool": (EAST_POOL,),
    "s01": (
        S01_CUSTOMER,
        "王芳跟进保密备注WF",
        "王芳申诉保密理由WF",
        "给王芳的保密反馈WF",
        "王芳的保密通知WF",
        "987.7万",  # S01's deal: 9,876,543 yuan
        "9,876,543",
        S01_TARGET,  # S01's goal
        "317,531",
        "31.8万",
    ),
    "s02": (S02_CUSTOMER, "赵敏跟进保密备注ZM", "876.5万", "8,765,432", S02_IDLE),
    "south": (SOUTH_WEBHOOK, SOUTH_IMPORT, "华南保密导入.csv", "华南经理的保密通知OM"),
    # 华南's reps and managers
    "south_team": ("保密华南区",),  # the team's region
    "south_pool": (SOUTH_POOL,),
    # rep names: a rep sees no colleague's name in a list of theirs
    "name_e01": ("张伟",),
    "name_e02": ("李娜",),
    "name_s01": ("王芳",),
    "name_s02": ("赵敏",),
}

#: which holders' texts each role may read; every other holder's are forbidden
READABLE: dict[str, frozenset[str]] = {
    "anon": frozenset(),
    "outsider": frozenset(),
    "admin": frozenset(SECRETS),
    "manager": frozenset({"e01", "e02", "east", "east_pool", "name_e01", "name_e02"}),
    "other_manager": frozenset(
        {"s01", "s02", "south", "south_team", "south_pool", "name_s01", "name_s02"}
    ),
    "rep": frozenset({"e01", "east_pool", "name_e01"}),
    "colleague": frozenset({"e02", "east_pool", "name_e02"}),
    "other_rep": frozenset({"s01", "south_team", "south_pool", "name_s01"}),
}


def forbidden(role: str) -> list[str]:
    """The texts the role must never read."""
    return [
        text for holder, texts in SECRETS.items() if holder not in READABLE[role] for text in texts
    ]


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str]
    east: Team
    south: Team
    reps: dict[str, Rep]  # E01, E02, S01, S02
    customers: dict[str, Customer]  # e01, e02, s01, s02, pool_east, pool_south, pool_unrouted
    runs: dict[str, Run]  # east, south
    appeals: dict[str, Appeal]  # e01, e02, s01
    feedback: dict[str, Feedback]  # e01, e02, s01
    followups: dict[str, FollowUp]  # e01, e02, s01
    deals: dict[str, Deal]  # e01, e02, s01
    notifications: dict[str, Notification]  # rep, colleague, other_rep, manager, other_manager
    channels: dict[str, WebhookChannel]  # east, south
    schedules: dict[str, ReviewSchedule]  # east, south
    imports: dict[str, ImportBatch]  # east, south
    policy: PolicyVersion
    extra: dict[str, Any] = field(default_factory=dict)


def _user(username: str, **extra: Any) -> User:
    # No password: the matrix logs in with force_login, and hashing costs time.
    return User.objects.create(username=username, **extra)


def _customer(name: str, key: str, region: str, value: str, **fields: Any) -> Customer:
    customer = Customer(
        name=name,
        key=key,
        region=region,
        industry="制造业",
        potential_value=Decimal(value),
        intent=Intent.HIGH,
        **fields,
    )
    customer_derive(customer)
    customer.save()
    return customer


def _csv(name: str, key: str) -> bytes:
    return f"客户名称,客户编号,地区,行业,潜在价值\n{name},{key},上海,制造业,10000\n".encode()


def world_build() -> World:
    users = {
        "outsider": _user("outsider"),
        "admin": _user("admin", is_superuser=True, is_staff=True),
        "manager": _user("manager"),
        "other_manager": _user("other_manager"),
        "rep": _user("rep"),
        "colleague": _user("colleague"),
        "other_rep": _user("other_rep"),
    }
    policy = policy_active()
    east = Team.objects.create(name="华东", region="上海", manager=users["manager"])
    south = Team.objects.create(name="华南", region="保密华南区", manager=users["other_manager"])
    common: dict[str, Any] = {"industries": ["制造业"], "capacity": 20}
    reps = {
        "E01": Rep.objects.create(
            key="E01",
            name="张伟",
            user=users["rep"],
            team=east,
            level=Level.SENIOR,
            regions=["上海"],
            **common,
        ),
        "E02": Rep.objects.create(
            key="E02",
            name="李娜",
            user=users["colleague"],
            team=east,
            level=Level.MID,
            regions=["上海"],
            **common,
        ),
        "S01": Rep.objects.create(
            key="S01",
            name="王芳",
            user=users["other_rep"],
            team=south,
            level=Level.SENIOR,
            regions=["广东"],
            **common,
        ),
        "S02": Rep.objects.create(
            key="S02", name="赵敏", team=south, level=Level.MID, regions=["广东"], **common
        ),
    }
    customers = {
        "e01": _customer(E01_CUSTOMER, "AC-E01", "上海", "300000", team=east),
        "e02": _customer(E02_CUSTOMER, "AC-E02", "上海", "200000", team=east, phone=SHARED_PHONE),
        "s01": _customer(S01_CUSTOMER, "AC-S01", "广东", "300000", team=south, phone=S01_PHONE),
        "s02": _customer(S02_CUSTOMER, "AC-S02", "广东", "200000", team=south, phone=SHARED_PHONE),
        "e01_idle": _customer(E01_IDLE, "AC-E01I", "上海", "50000", team=east),
        "s02_idle": _customer(S02_IDLE, "AC-S02I", "广东", "50000", team=south),
        "pool_east": _customer(EAST_POOL, "AC-PE", "上海", "100000", team=east),
        "pool_south": _customer(SOUTH_POOL, "AC-PS", "广东", "100000", team=south),
        "pool_unrouted": _customer(UNROUTED_POOL, "AC-PU", "新疆", "100000"),
    }
    v = {role: viewer_of(user) for role, user in users.items()}
    customers_assign(v["manager"], [customers["e01"].pk], reps["E01"].pk, "matrix")
    customers_assign(v["manager"], [customers["e02"].pk], reps["E02"].pk, "matrix")
    customers_assign(v["other_manager"], [customers["s01"].pk], reps["S01"].pk, "matrix")
    customers_assign(v["other_manager"], [customers["s02"].pk], reps["S02"].pk, "matrix")
    customers_assign(v["manager"], [customers["e01_idle"].pk], reps["E01"].pk, "matrix")
    customers_assign(v["other_manager"], [customers["s02_idle"].pk], reps["S02"].pk, "matrix")
    # owned 26 days with no follow-up: reclaimed at 30, warned 7 days before
    Customer.objects.filter(pk__in=[customers["e01_idle"].pk, customers["s02_idle"].pk]).update(
        owned_since=timezone.now() - dt.timedelta(days=26)
    )
    for c in customers.values():
        c.refresh_from_db()

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    followups = {
        key: followup_log(
            v[role],
            customers[key].pk,
            channel=Channel.PHONE,
            note=note,
            next_step="回访",
            next_step_due=tomorrow,
        )
        for key, role, note in (
            ("e01", "rep", "张伟跟进备注ZW"),
            ("e02", "colleague", "李娜跟进备注LN"),
            ("s01", "other_rep", "王芳跟进保密备注WF"),
        )
    }
    followups["s02"] = followup_log(
        v["other_manager"], customers["s02"].pk, channel=Channel.VISIT, note="赵敏跟进保密备注ZM"
    )
    deals = {
        key: deal_record(v[role], customers[key].pk, result=DealResult.WON, amount=Decimal(amount))
        for key, role, amount in (
            ("e01", "rep", "1234567"),
            ("e02", "colleague", "2468642"),
            ("s01", "other_rep", "9876543"),
        )
    }
    deals["s02"] = deal_record(
        v["other_manager"], customers["s02"].pk, result=DealResult.WON, amount=Decimal("8765432")
    )
    month = period_start_of(PeriodKind.MONTH, timezone.localdate())
    goals_set(
        v["manager"],
        PeriodKind.MONTH,
        month,
        rep_targets={
            (reps["E01"].pk, Metric.WON_AMOUNT): Decimal(500000),
            (reps["E02"].pk, Metric.WON_AMOUNT): Decimal(E02_TARGET),
        },
    )
    goals_set(
        v["other_manager"],
        PeriodKind.MONTH,
        month,
        rep_targets={(reps["S01"].pk, Metric.WON_AMOUNT): Decimal(S01_TARGET)},
    )
    feedback = {
        "e01": feedback_give(v["manager"], reps["E01"], "给张伟的反馈ZW"),
        "e02": feedback_give(v["manager"], reps["E02"], "给李娜的反馈LN"),
        "s01": feedback_give(v["other_manager"], reps["S01"], "给王芳的保密反馈WF"),
    }
    attachment = Attachment("proof.txt", "text/plain", b"matrix proof")
    appeals = {
        key: appeal_open(
            v[role],
            kind=AppealKind.HAND_BACK,
            reason=reason,
            customer_id=customers[key].pk,
            attachment=attachment,
        )
        for key, role, reason in (
            ("e01", "rep", "张伟申诉理由ZW"),
            ("e02", "colleague", "李娜申诉理由LN"),
            ("s01", "other_rep", "王芳申诉保密理由WF"),
        )
    }
    # a cross-team claim: E01 names S02's customer by its no. (a claim may name a
    # customer the rep cannot open; 华南's manager decides)
    appeals["claim_s02"] = appeal_open(
        v["rep"], kind=AppealKind.CLAIM, reason="跨团队申诉", customer_ref="AC-S02"
    )
    runs = {
        "east": run_create(v["manager"], scope="team", team_id=east.pk),
        "south": run_create(v["other_manager"], scope="team", team_id=south.pk),
        # no team: the east manager's own run over the pools they see
        "east_unassigned": run_create(v["manager"], scope="unassigned"),
    }
    imports = {
        "east": import_upload(
            v["manager"], file_name="east.csv", data=_csv(EAST_IMPORT, "IMP-E"), team_id=east.pk
        ),
        "south": import_upload(
            v["other_manager"],
            file_name="华南保密导入.csv",
            data=_csv(SOUTH_IMPORT, "IMP-S"),
            team_id=south.pk,
        ),
    }
    channels = {
        "east": WebhookChannel.objects.create(
            name=EAST_WEBHOOK,
            team=east,
            kind=WebhookKind.WECOM,
            url="https://hooks.example.com/east",
            created_by=users["manager"],
        ),
        "south": WebhookChannel.objects.create(
            name=SOUTH_WEBHOOK,
            team=south,
            kind=WebhookKind.WECOM,
            url="https://hooks.example.com/south-secret",
            created_by=users["other_manager"],
        ),
    }
    schedules = {
        "east": schedule_set(v["manager"], east.pk, Frequency.WEEKLY),
        "south": schedule_set(v["other_manager"], south.pk, Frequency.MONTHLY),
    }
    period = Period(PeriodKind.MONTH, month, period_end_of(PeriodKind.MONTH, month))
    reports = {"east": report_make(east.pk, period)[0], "south": report_make(south.pk, period)[0]}
    notes = {
        "rep": "张伟的通知ZW",
        "colleague": "李娜的通知LN",
        "other_rep": "王芳的保密通知WF",
        "manager": "华东经理的通知MG",
        "other_manager": "华南经理的保密通知OM",
    }
    for role, title in notes.items():
        notify_users([users[role].pk], "appeal", title)
    notifications = {
        role: Notification.objects.get(recipient=users[role], title=title)
        for role, title in notes.items()
    }
    tokens = {role: Token.objects.create(user=user).key for role, user in users.items()}
    # a version to activate (version 1, the default, is the active one)
    PolicyVersion.objects.create(number=2, toml=policy.toml, note="v2", created_by=users["admin"])
    audit_e01 = AuditEvent.objects.filter(customer=customers["e01"]).order_by("pk").first()
    assert audit_e01 is not None
    return World(
        users=users,
        tokens=tokens,
        east=east,
        south=south,
        reps=reps,
        customers=customers,
        runs=runs,
        appeals=appeals,
        feedback=feedback,
        followups=followups,
        deals=deals,
        notifications=notifications,
        channels=channels,
        schedules=schedules,
        imports=imports,
        policy=policy,
        extra={"audit_e01": audit_e01.pk, "reports": reports},
    )
