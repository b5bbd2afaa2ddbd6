"""The audit trail (审计记录): every owner change leaves an event whatever the path,
events cannot be changed or removed (app, queryset, admin, database triggers), and the
pages show each viewer what they may see."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.app.pool_setup import NOW, TODAY, days_ago, own, pool_policy
from tests.conftest import PASSWORD, make_customer

from fenpei.allocation.handover import handover_preview
from fenpei.allocation.models import Assignment, AssignmentSource
from fenpei.allocation.policy_services import policy_version_activate, policy_version_create
from fenpei.allocation.routing import customer_create
from fenpei.allocation.services import (
    OwnerChange,
    customers_assign,
    customers_release,
    owners_set,
    run_apply,
    run_create,
)
from fenpei.audit.models import AppendOnlyError, AuditEvent, AuditKind, AuditSource
from fenpei.audit.selectors import events_of_customer
from fenpei.audit.signals import events_recorded
from fenpei.customers.conflicts import customers_merge
from fenpei.customers.import_services import import_confirm, import_upload
from fenpei.customers.models import Customer
from fenpei.engine.policy import Policy, PoolRules, policy_to_toml
from fenpei.pool.services import customer_claim, customers_reclaim, customers_return
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Level, Rep

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "fenpei"


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("客户")
    sheet.write_row(0, 0, ["客户编号", "客户名称", "地区", "现负责人"])
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def _assert_every_assignment_has_its_events() -> None:
    """For every ownership period: an event that started it (to that rep, at its start)
    and, if it ended, one that ended it (from that rep, at its end), in the trail of the
    customer it belongs to now (merged records' trails included)."""
    missing = []
    for a in Assignment.objects.select_related("customer").order_by("pk"):
        trail = list(events_of_customer(a.customer).filter(kind=AuditKind.OWNER_CHANGE))
        if not any(e.to_rep_id == a.rep_id and e.at == a.started_at for e in trail):
            missing.append(("start", a.pk, a.source, a.customer.name))
        if a.ended_at is not None and not any(
            e.from_rep_id == a.rep_id and e.at == a.ended_at for e in trail
        ):
            missing.append(("end", a.pk, a.source, a.end_reason))
    assert missing == []


def test_no_owner_changing_path_skips_the_trail(company, customers, tmp_path):
    manager, rep = viewer_of(company.manager), viewer_of(company.rep_user)
    pool_policy(claims_per_day=10, cooldown_days=0, reclaim_no_followup_days=30)
    # route: a manager's new customer routed at once; own lead: a rep's new customer
    routed = customer_create(
        manager, {"name": "上海新路由科技有限公司", "region": "上海"}, route=True
    )
    assert routed.rep is not None
    lead = customer_create(rep, {"name": "上海自拓贸易有限公司", "region": "上海"})
    assert lead.rep == company.rep
    # manual assign, move, release
    customers_assign(manager, [customers[0].pk, customers[1].pk], company.rep.pk)
    customers_assign(manager, [customers[1].pk], company.rep2.pk)
    customers_release(manager, [customers[1].pk], "不再跟进")
    # return to pool with a reason, then a claim from the pool
    customers_return(manager, [customers[0].pk], "客户要求换人")
    customer_claim(rep, customers[0].pk, now=NOW)
    # reclaim: owned 40 days without a follow-up
    idle = own(customers[3], company.rep2, since=days_ago(40))
    assert customers_reclaim(TODAY, now=NOW).reclaimed
    # run apply (unassigned scope)
    run = run_create(manager, scope="unassigned", team_id=company.east.pk)
    assert run_apply(manager, run.pk) > 0
    # handover of rep2's customers to a new colleague
    rep3 = Rep.objects.create(
        key="E03", name="赵强", team=company.east, level=Level.MID,
        regions=["上海", "江苏", "浙江"], industries=["制造业"], capacity=20,
    )  # fmt: skip
    customers_assign(manager, [idle.pk], company.rep2.pk)
    handover = handover_preview(manager, company.rep2.pk, rep3.pk)
    assert run_apply(manager, handover.pk) > 0
    # appeal approved (when the appeals app is there)
    appeals = pytest.importorskip("fenpei.appeals.services")
    appeal = appeals.appeal_open(
        rep, kind="hand_back", reason="不是我的行业", customer_id=customers[0].pk
    )
    appeals.appeal_approve(manager, appeal.pk, rep3.pk, "同意")
    # import with 现负责人: a new customer and a stored one without an owner
    stored = make_customer("杭州旧客户有限公司", key="OLD1", region="浙江", team=company.east)
    path = _workbook(tmp_path / "b.xlsx", [["NEW1", "宁波新进口有限公司", "浙江", "E01"],
                                           ["OLD1", "杭州旧客户有限公司", "浙江", "E02"]])  # fmt: skip
    batch = import_upload(manager, file_name=path.name, data=path.read_bytes(), with_reps=False)
    import_confirm(manager, batch.pk)
    assert Customer.objects.get(key="NEW1").owner == company.rep
    # merge: the duplicate's owner ends
    twin = make_customer("杭州旧客户有限公司(重复)", key="OLD2", region="浙江", team=company.east)
    customers_assign(manager, [twin.pk], company.rep.pk)
    customers_merge(manager, stored.pk, [twin.pk], "同一家公司")

    _assert_every_assignment_has_its_events()
    sources = set(
        AuditEvent.objects.filter(kind=AuditKind.OWNER_CHANGE).values_list("source", flat=True)
    )
    assert sources == {
        AuditSource.ROUTE, AuditSource.OWN_LEAD, AuditSource.MANUAL, AuditSource.RETURN,
        AuditSource.CLAIM, AuditSource.RECLAIM, AuditSource.RUN, AuditSource.HANDOVER,
        AuditSource.APPEAL, AuditSource.IMPORT, AuditSource.MERGE,
    }  # fmt: skip
    assert AuditEvent.objects.filter(kind=AuditKind.IMPORT, batch_id=batch.pk).count() == 1
    merge = AuditEvent.objects.get(kind=AuditKind.MERGE)
    assert merge.customer_id == stored.pk and merge.details["duplicates"][0]["key"] == "OLD2"
    reclaim = AuditEvent.objects.get(source=AuditSource.RECLAIM)
    assert (
        reclaim.from_rep_name == "李娜" and reclaim.to_rep_id is None and reclaim.actor_id is None
    )
    assert "30" in reclaim.reason


# Statements that write ownership; only these modules may hold them, and each of them
# records to the trail (owners_set does, for every module that calls it).
OWNER_WRITES = [
    re.compile(r"Assignment\.objects\.(create|bulk_create|update_or_create|get_or_create)\("),
    re.compile(r"(?<!class )\bAssignment\("),
    re.compile(r"rows_insert\(\s*Assignment\b"),
    re.compile(r"SET\s+\"?owner_id\"?\s*="),  # raw SQL
    re.compile(r"\.update\([^)]*?\b(owner|owner_id|ended_at)\s*="),
    re.compile(r"\.owner\s*=[^=]"),
    re.compile(r"\[\s*\"owner_id\"\s*\]\s*(,[^=]*)?=[^=]"),
]
ALLOWED = {
    "allocation/services.py": "audit_owner_changes(",  # owners_set itself
    "allocation/routing.py": "audit_owner_changes(",  # a new customer with its owner
    "customers/import_services.py": "audit_owner_changes(",  # COPY of new customers
    "customers/conflicts.py": "audit_merge(",  # a merged duplicate's owner ends
}


def test_no_module_writes_owners_outside_the_audited_ones():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if "/migrations/" in rel or rel.startswith(("engine/", "tables/", "audit/")):
            continue
        text = path.read_text(encoding="utf-8")
        if any(p.search(text) for p in OWNER_WRITES) and rel not in ALLOWED:
            offenders.append(rel)
    assert offenders == []
    for rel, call in ALLOWED.items():
        assert call in (SRC / rel).read_text(encoding="utf-8"), rel


def test_recording_is_set_based_not_a_query_per_customer(company):
    few = [make_customer(f"少量客户{i}有限公司") for i in range(3)]
    many = [make_customer(f"大量客户{i}有限公司") for i in range(60)]

    def queries(batch: list[Customer]) -> int:
        with CaptureQueriesContext(connection) as ctx, transaction.atomic():
            owners_set(
                [OwnerChange(c, company.rep, []) for c in batch],
                source=AssignmentSource.MANUAL,
                user_id=company.manager.pk,
            )
        return len(ctx.captured_queries)

    # SQLite caps the parameters of a statement, so 60 events may take two INSERTs; one
    # query per customer would be 57 more
    assert queries(many) <= queries(few) + 2
    assert AuditEvent.objects.filter(to_rep_id=company.rep.pk).count() == 63


# ---------------------------------------------------------------------- append-only


@pytest.fixture
def event(company, customers) -> AuditEvent:
    customers_assign(viewer_of(company.manager), [customers[0].pk], company.rep.pk)
    return AuditEvent.objects.get(customer=customers[0])


def test_app_refuses_to_change_or_delete_events(event):
    original = event.reason
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == original


def test_database_refuses_update_and_delete_whatever_the_client(event):
    table = AuditEvent._meta.db_table
    for sql in (
        f"UPDATE {table} SET reason = 'rewritten' WHERE id = %s",
        f"UPDATE {table} SET to_rep_name = 'x', customer_id = NULL WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    kept = AuditEvent.objects.get(pk=event.pk)
    assert kept.reason == event.reason and kept.to_rep_name == "张伟"
    assert kept.customer_id == event.customer_id


def test_deleting_a_customer_keeps_its_events_by_number_and_name(event):
    customer = Customer.objects.get(pk=event.customer_id)
    Customer.objects.filter(pk=customer.pk).delete()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert kept.customer_id is None
    assert (kept.customer_key, kept.customer_name) == (customer.key, customer.name)
    assert kept.to_rep_name == "张伟" and kept.actor_name == "manager"


def test_admin_is_read_only_even_for_the_superuser(client, company, event):
    client.login(username="admin", password=PASSWORD)
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.post(change, {"reason": "x"}).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, reason=event.reason).exists()


# --------------------------------------------------------------------- signal, policy


def test_events_recorded_is_sent_after_commit_and_not_on_rollback(company, customers):
    got: list[list[AuditEvent]] = []

    def receiver(sender: Any, events: list[AuditEvent], **kwargs: Any) -> None:
        got.append(events)

    events_recorded.connect(receiver)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            customers_assign(viewer_of(company.manager), [customers[0].pk], company.rep.pk)
            raise RuntimeError
        assert got == [] and not AuditEvent.objects.exists()
        with transaction.atomic():
            customers_assign(
                viewer_of(company.manager), [customers[0].pk, customers[1].pk], company.rep.pk
            )
            assert got == []  # not before the commit
        # pytest-django's test transaction: on_commit callbacks run when captured
    finally:
        events_recorded.disconnect(receiver)


def test_events_recorded_carries_the_events_of_the_change(
    company, customers, django_capture_on_commit_callbacks
):
    got: list[list[AuditEvent]] = []

    def receiver(sender: Any, events: list[AuditEvent], **kwargs: Any) -> None:
        got.append(events)

    events_recorded.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            customers_assign(
                viewer_of(company.manager), [customers[0].pk, customers[1].pk], company.rep.pk
            )
    finally:
        events_recorded.disconnect(receiver)
    assert len(got) == 1
    assert sorted(e.customer_id for e in got[0]) == sorted([customers[0].pk, customers[1].pk])
    assert all(e.pk is not None and e.to_rep_id == company.rep.pk for e in got[0])


def test_policy_changes_and_rollbacks_are_recorded(company):
    manager = viewer_of(company.admin)
    before = policy_version_create(
        manager, policy_to_toml(Policy(pool=PoolRules(claims_per_day=3))), "每天3个"
    )
    policy_version_activate(manager, before.number - 1)
    events = list(AuditEvent.objects.filter(kind=AuditKind.POLICY_CHANGE).order_by("id"))
    assert [e.details["action"] for e in events] == ["create", "activate"]
    assert events[0].policy_version == before.number and events[0].reason == "每天3个"
    assert events[1].policy_version == before.number - 1 and events[1].actor_name == "admin"


# ------------------------------------------------------------------------- pages


@pytest.fixture
def trail(company, customers) -> None:
    customers_assign(viewer_of(company.manager), [customers[0].pk], company.rep.pk)
    customers_assign(viewer_of(company.other_manager), [customers[4].pk], company.other_rep.pk)


def test_manager_sees_own_teams_events_and_admin_sees_all(client, company, customers, trail):
    client.login(username="manager", password=PASSWORD)
    page = client.get(reverse("audit:page")).content.decode()
    assert customers[0].name in page and customers[4].name not in page
    client.login(username="admin", password=PASSWORD)
    page = client.get(reverse("audit:page")).content.decode()
    assert customers[0].name in page and customers[4].name in page


@pytest.mark.parametrize("who", ["rep", "outsider"])
def test_rep_and_outsider_get_403_on_the_global_trail(client, company, trail, who):
    client.login(username=who, password=PASSWORD)
    assert client.get(reverse("audit:page")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


def test_filters_narrow_the_trail(client, company, customers, trail):
    customers_assign(viewer_of(company.manager), [customers[1].pk], company.rep2.pk)
    customers_release(viewer_of(company.manager), [customers[0].pk], "换人")
    client.login(username="manager", password=PASSWORD)
    url = reverse("audit:page")
    by_rep = client.get(url, {"rep": company.rep2.pk}).content.decode()
    assert customers[1].name in by_rep and customers[0].name not in by_rep
    searched = client.get(url, {"q": "苏州"}).content.decode()
    assert customers[1].name in searched and customers[0].name not in searched
    future = client.get(url, {"since": "2999-01-01"}).content.decode()
    assert customers[1].name not in future
    policy = client.get(url, {"kind": "policy_change"}).content.decode()
    assert customers[1].name not in policy


def test_export_is_the_filtered_view_as_xlsx(client, company, customers, trail):
    customers_assign(viewer_of(company.manager), [customers[1].pk], company.rep2.pk)
    client.login(username="manager", password=PASSWORD)
    response = client.get(reverse("audit:export"), {"rep": company.rep2.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(BytesIO(response.content)) as book:
        text = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    assert customers[1].name in text and "李娜" in text and customers[0].name not in text


def test_customer_page_shows_its_trail_to_whoever_may_see_it(client, company, customers, trail):
    customers_assign(viewer_of(company.manager), [customers[0].pk], company.rep2.pk)
    customers_assign(viewer_of(company.manager), [customers[0].pk], company.rep.pk)
    client.login(username="rep", password=PASSWORD)
    page = client.get(reverse("customers:detail", args=[customers[0].pk])).content.decode()
    assert 'id="audit-trail"' in page and "李娜 → 张伟" in page
    # another team's customer stays a 404, trail and all
    client.login(username="manager", password=PASSWORD)
    assert client.get(reverse("customers:detail", args=[customers[4].pk])).status_code == 404


def test_english_trail_words(client, company, customers, trail):
    client.login(username="manager", password=PASSWORD)
    page = client.get(reverse("audit:page"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Audit trail" in page


@pytest.mark.django_db(transaction=True)
def test_flush_between_transactional_tests_still_empties_the_trail(company, customers):
    """Django's flush (the test runner's, `manage.py flush`) may empty the table; a plain
    DELETE in a committed transaction may not. The flush at this test's teardown would
    error if the trigger refused it."""
    customers_assign(viewer_of(company.manager), [customers[0].pk], company.rep.pk)
    table = AuditEvent._meta.db_table
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    assert AuditEvent.objects.count() == 1
