"""Appeals (申诉) with the personas: a rep hands back or claims, the 华东 manager decides,
every step is on the trail, the rep is told; another team sees nothing (404), the
appellant cannot decide, a decided appeal stays decided. Services and pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from tests.conftest import Company

from fenpei.allocation.models import Assignment, AssignmentSource
from fenpei.allocation.services import customers_assign
from fenpei.appeals import services
from fenpei.appeals.models import (
    ATTACHMENT_MAX_BYTES,
    Appeal,
    AppealEventKind,
    AppealKind,
    AppealStatus,
)
from fenpei.appeals.selectors import appeal_get, appeal_queue, appeal_suggest
from fenpei.appeals.services import (
    Attachment,
    appeal_approve,
    appeal_comment,
    appeal_open,
    appeal_reject,
    appeal_withdraw,
)
from fenpei.customers.models import Customer
from fenpei.customers.selectors import customer_get
from fenpei.notifications.models import Notification
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


@pytest.fixture
def book(company: Company, customers: list[Customer]) -> dict[str, Customer]:
    """华东: rep owns 上海华通; rep2 owns 上海浦江 and 杭州百货; 华南's rep owns 广州南方."""
    manager = viewer_of(company.manager)
    customers_assign(manager, [customers[0].pk], company.rep.pk)
    customers_assign(manager, [customers[3].pk, customers[2].pk], company.rep2.pk)
    customers_assign(viewer_of(company.other_manager), [customers[4].pk], company.other_rep.pk)
    for c in customers:
        c.refresh_from_db()
    return {
        "mine": customers[0],
        "rep2_shanghai": customers[3],
        "rep2_hangzhou": customers[2],
        "south": customers[4],
        "pool": customers[1],
    }


def _hand_back(company: Company, customer: Customer, reason: str = "客户已转向竞品") -> Appeal:
    return appeal_open(
        viewer_of(company.rep_user),
        kind=AppealKind.HAND_BACK,
        reason=reason,
        customer_id=customer.pk,
    )


# ------------------------------------------------------------------------- services


def test_rep_hands_back_and_manager_sends_it_to_the_pool(
    company: Company, book: dict[str, Customer], django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        appeal = _hand_back(company, book["mine"])
    assert appeal.team_id == company.east.pk and appeal.owner_at_open_id == company.rep.pk
    told = Notification.objects.get(recipient=company.manager, kind="appeal")
    assert book["mine"].name in told.title and told.url == f"/appeals/{appeal.pk}/"

    with django_capture_on_commit_callbacks(execute=True):
        appeal_approve(viewer_of(company.manager), appeal.pk, None, "同意退回")
    book["mine"].refresh_from_db()
    assert book["mine"].owner_id is None
    ended = Assignment.objects.get(customer=book["mine"], rep=company.rep)
    assert ended.ended_at is not None and f"#{appeal.pk}" in ended.end_reason
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.APPROVED and appeal.target_id is None
    assert appeal.decided_by_id == company.manager.pk and appeal.decision_note == "同意退回"
    kinds = list(appeal.events.values_list("kind", flat=True))
    assert kinds == [AppealEventKind.OPENED, AppealEventKind.APPROVED]
    result = Notification.objects.get(recipient=company.rep_user, kind="appeal")
    assert "批准" in result.title or "approved" in result.title


def test_hand_back_to_a_colleague_records_an_appeal_assignment(
    company: Company, book: dict[str, Customer]
) -> None:
    appeal = _hand_back(company, book["mine"])
    appeal_approve(viewer_of(company.manager), appeal.pk, company.rep2.pk, "")
    current = Assignment.objects.get(customer=book["mine"], ended_at__isnull=True)
    assert current.rep_id == company.rep2.pk and current.source == AssignmentSource.APPEAL
    assert current.reasons == [{"kind": "appeal", "appeal": appeal.pk, "note": ""}]


def test_engine_suggests_a_colleague_for_a_hand_back_never_the_appellant(
    company: Company, book: dict[str, Customer]
) -> None:
    appeal = _hand_back(company, book["mine"])
    suggestion = appeal_suggest(viewer_of(company.manager), appeal)
    assert suggestion.rep is not None and suggestion.rep.pk == company.rep2.pk
    assert suggestion.lines  # the reasons in words: eligibility, score …


def test_rep_claims_a_colleagues_customer_named_by_name(
    company: Company, book: dict[str, Customer], django_capture_on_commit_callbacks: Capture
) -> None:
    rep = viewer_of(company.rep_user)
    target = book["rep2_shanghai"]
    with pytest.raises(Customer.DoesNotExist):
        customer_get(rep, target.pk)  # the rep cannot open it …
    appeal = appeal_open(
        rep, kind=AppealKind.CLAIM, reason="去年展会上是我先联系的", customer_ref=target.name
    )  # … but may name it
    assert appeal.customer_id == target.pk and appeal.owner_at_open_id == company.rep2.pk
    suggestion = appeal_suggest(viewer_of(company.manager), appeal)
    assert suggestion.appellant_eligible is True and suggestion.rep == company.rep
    with django_capture_on_commit_callbacks(execute=True):
        appeal_approve(viewer_of(company.manager), appeal.pk, None, "有拜访记录")
    target.refresh_from_db()
    assert target.owner_id == company.rep.pk
    assert Notification.objects.filter(recipient=company.rep_user, kind="appeal").exists()


def test_claim_by_customer_no_outside_the_reps_region_says_why_not(
    company: Company, book: dict[str, Customer]
) -> None:
    target = book["rep2_hangzhou"]  # 浙江: not in 张伟's territory
    appeal = appeal_open(
        viewer_of(company.rep_user), kind=AppealKind.CLAIM, reason="老客户", customer_ref=target.key
    )
    suggestion = appeal_suggest(viewer_of(company.manager), appeal)
    assert suggestion.appellant_eligible is False and suggestion.rep is None
    assert suggestion.lines


def test_claim_naming_no_customer_is_refused(company: Company, book: dict[str, Customer]) -> None:
    with pytest.raises(ValidationError) as refused:
        appeal_open(
            viewer_of(company.rep_user),
            kind=AppealKind.CLAIM,
            reason="x",
            customer_ref="不存在公司",
        )
    assert "customer" in refused.value.message_dict


def test_rep_of_another_team_gets_404_everywhere(
    client: Client, company: Company, book: dict[str, Customer]
) -> None:
    appeal = _hand_back(company, book["mine"])
    south_rep = viewer_of(company.other_rep_user)
    with pytest.raises(Appeal.DoesNotExist):
        appeal_get(south_rep, appeal.pk)
    with pytest.raises(Customer.DoesNotExist):  # may not hand back what they cannot see
        appeal_open(south_rep, kind=AppealKind.HAND_BACK, reason="x", customer_id=book["mine"].pk)
    with pytest.raises(Appeal.DoesNotExist):
        appeal_approve(viewer_of(company.other_manager), appeal.pk, None, "")
    client.force_login(company.other_rep_user)
    assert client.get(f"/appeals/{appeal.pk}/").status_code == 404
    assert client.get(f"/appeals/{appeal.pk}/attachment/").status_code == 404
    client.force_login(company.other_manager)
    assert client.get(f"/appeals/{appeal.pk}/").status_code == 404
    assert client.post(f"/appeals/{appeal.pk}/approve/").status_code == 404


def test_appellant_cannot_decide_their_own_appeal(
    client: Client, company: Company, book: dict[str, Customer]
) -> None:
    appeal = _hand_back(company, book["mine"])
    rep = viewer_of(company.rep_user)
    with pytest.raises(PermissionDenied):
        appeal_approve(rep, appeal.pk, None, "")
    with pytest.raises(PermissionDenied):
        appeal_reject(rep, appeal.pk, "no")
    client.force_login(company.rep_user)
    assert client.post(f"/appeals/{appeal.pk}/approve/").status_code == 403
    assert client.get("/appeals/").status_code == 403  # the queue is a manager page
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.OPEN and book["mine"].owner_id == company.rep.pk


def test_a_decided_appeal_cannot_be_decided_again(
    company: Company, book: dict[str, Customer]
) -> None:
    appeal = _hand_back(company, book["mine"])
    manager = viewer_of(company.manager)
    appeal_reject(manager, appeal.pk, "客户仍有意向，请继续跟进")
    with pytest.raises(ValidationError) as again:
        appeal_approve(manager, appeal.pk, None, "")
    assert again.value.code == services.DECIDED and "manager" in again.value.messages[0]
    with pytest.raises(ValidationError):
        appeal_reject(viewer_of(company.admin), appeal.pk, "again")
    book["mine"].refresh_from_db()
    assert book["mine"].owner_id == company.rep.pk
    assert appeal.events.filter(kind=AppealEventKind.REJECTED).count() == 1


def test_reject_needs_a_note(company: Company, book: dict[str, Customer]) -> None:
    appeal = _hand_back(company, book["mine"])
    with pytest.raises(ValidationError):
        appeal_reject(viewer_of(company.manager), appeal.pk, "  ")
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.OPEN


def test_withdrawn_by_the_appellant_only_then_closed(
    company: Company, book: dict[str, Customer]
) -> None:
    appeal = _hand_back(company, book["mine"])
    with pytest.raises(PermissionDenied):
        appeal_withdraw(viewer_of(company.manager), appeal.pk)
    appeal_withdraw(viewer_of(company.rep_user), appeal.pk, "已和客户谈妥")
    with pytest.raises(ValidationError):
        appeal_approve(viewer_of(company.manager), appeal.pk, None, "")
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.WITHDRAWN
    assert list(appeal_queue(viewer_of(company.manager))) == []


def test_one_open_appeal_per_rep_and_customer(company: Company, book: dict[str, Customer]) -> None:
    _hand_back(company, book["mine"])
    with pytest.raises(ValidationError) as twice:
        _hand_back(company, book["mine"])
    assert twice.value.code == services.ALREADY_OPEN


def test_hand_back_only_of_own_customer(company: Company, book: dict[str, Customer]) -> None:
    with pytest.raises(ValidationError) as refused:
        appeal_open(
            viewer_of(company.rep_user),
            kind=AppealKind.HAND_BACK,
            reason="x",
            customer_id=book["pool"].pk,
        )
    assert refused.value.code == services.NOT_YOURS
    with pytest.raises(PermissionDenied):  # a manager without a rep record does not appeal
        _hand_back_as(company.manager, book["mine"])


def _hand_back_as(user: Any, customer: Customer) -> Appeal:
    return appeal_open(
        viewer_of(user), kind=AppealKind.HAND_BACK, reason="x", customer_id=customer.pk
    )


def test_approval_checks_the_targets_capacity_and_changes_nothing_when_full(
    company: Company, book: dict[str, Customer]
) -> None:
    appeal = _hand_back(company, book["mine"])
    company.rep2.capacity = 2  # already holds two
    company.rep2.save()
    with pytest.raises(ValidationError) as full:
        appeal_approve(viewer_of(company.manager), appeal.pk, company.rep2.pk, "")
    assert full.value.code == services.OVER_CAPACITY
    book["mine"].refresh_from_db()
    assert book["mine"].owner_id == company.rep.pk
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.OPEN


def test_hand_back_of_a_customer_that_moved_meanwhile_is_refused(
    company: Company, book: dict[str, Customer]
) -> None:
    appeal = _hand_back(company, book["mine"])
    customers_assign(viewer_of(company.manager), [book["mine"].pk], company.rep2.pk)
    with pytest.raises(ValidationError) as stale:
        appeal_approve(viewer_of(company.manager), appeal.pk, None, "")
    assert stale.value.code == services.STALE


def test_comments_go_on_the_trail_and_tell_the_other_side(
    company: Company, book: dict[str, Customer], django_capture_on_commit_callbacks: Capture
) -> None:
    appeal = _hand_back(company, book["mine"])
    with django_capture_on_commit_callbacks(execute=True):
        appeal_comment(viewer_of(company.manager), appeal.pk, "请补充客户的回复截图")
    assert Notification.objects.filter(recipient=company.rep_user).count() == 1
    with pytest.raises(Appeal.DoesNotExist):  # another team's rep: not there at all
        appeal_comment(viewer_of(company.other_rep_user), appeal.pk, "x")
    assert appeal.events.filter(kind=AppealEventKind.COMMENTED).count() == 1


def test_attachment_over_5_mb_is_refused(company: Company, book: dict[str, Customer]) -> None:
    big = Attachment("录音.mp3", "audio/mpeg", b"0" * (ATTACHMENT_MAX_BYTES + 1))
    with pytest.raises(ValidationError):
        appeal_open(
            viewer_of(company.rep_user),
            kind=AppealKind.HAND_BACK,
            reason="x",
            customer_id=book["mine"].pk,
            attachment=big,
        )
    assert not Appeal.objects.exists()


# ---------------------------------------------------------------------------- pages


def test_rep_appeals_in_two_clicks_from_the_customer_page(
    client: Client, company: Company, book: dict[str, Customer]
) -> None:
    client.force_login(company.rep_user)
    page = client.get(reverse("customers:detail", args=[book["mine"].pk])).content.decode()
    link = f"/appeals/new/?customer={book['mine'].pk}&amp;kind=hand_back"
    assert 'id="appeal-button"' in page and link in page
    form = client.get(link.replace("&amp;", "&"))
    assert form.status_code == 200 and book["mine"].name in form.content.decode()
    upload = _file("拜访记录.pdf", b"%PDF-1.4 test", "application/pdf")
    sent = client.post(
        "/appeals/new/",
        {
            "customer": book["mine"].pk,
            "kind": "hand_back",
            "reason": "不在我的行业",
            "attachment": upload,
        },
    )
    appeal = Appeal.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/appeals/{appeal.pk}/"
    assert appeal.attachment_name == "拜访记录.pdf"
    mine = client.get("/appeals/mine/").content.decode()
    assert book["mine"].name in mine and "appeal-open" in mine
    download = client.get(f"/appeals/{appeal.pk}/attachment/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 test"  # type: ignore[attr-defined]
    assert download["Content-Disposition"].startswith("attachment")


def _file(name: str, data: bytes, content_type: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    return SimpleUploadedFile(name, data, content_type=content_type)


def test_manager_decides_in_one_screen(
    client: Client, company: Company, book: dict[str, Customer]
) -> None:
    appeal = _hand_back(company, book["mine"], reason="客户要求换人对接")
    client.force_login(company.manager)
    queue = client.get("/appeals/").content.decode()
    assert (
        book["mine"].name in queue and 'data-age="0"' in queue and f"/appeals/{appeal.pk}/" in queue
    )
    page = client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "客户要求换人对接" in page and company.rep.name in page  # reason, current owner
    assert 'id="suggested-rep"' in page and company.rep2.name in page
    assert f'<option value="{company.rep2.pk}" selected>' in page  # defaults to the suggestion
    assert 'id="reject-form"' in page
    done = client.post(f"/appeals/{appeal.pk}/approve/", {"target": company.rep2.pk, "note": "好"})
    assert done.status_code == 302
    book["mine"].refresh_from_db()
    assert book["mine"].owner_id == company.rep2.pk
    trail = client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "appeal-approved" in trail and 'id="decide"' not in trail
    again = client.post(f"/appeals/{appeal.pk}/reject/", {"note": "晚了"})
    assert again.status_code == 400 and "manager" in again.content.decode()  # who was first


def test_outsider_and_managers_without_rep_have_no_appeal_form(
    client: Client, company: Company, book: dict[str, Customer]
) -> None:
    client.force_login(company.outsider)
    assert client.get("/appeals/").status_code == 403
    assert client.get("/appeals/mine/").status_code == 403
    client.force_login(company.manager)
    assert client.get("/appeals/new/").status_code == 403
    page = client.get(reverse("customers:detail", args=[book["mine"].pk])).content.decode()
    assert 'id="appeal-button"' not in page


def test_claim_across_teams_is_decided_by_the_customers_team(
    company: Company, book: dict[str, Customer]
) -> None:
    target = book["rep2_shanghai"]
    appeal = appeal_open(
        viewer_of(company.other_rep_user),
        kind=AppealKind.CLAIM,
        reason="客户的广州分公司一直由我跟进",
        customer_ref=target.name,
    )
    assert appeal.team_id == company.east.pk
    south_manager = viewer_of(company.other_manager)
    assert appeal_get(south_manager, appeal.pk) == appeal  # their rep's appeal: read only
    with pytest.raises(PermissionDenied):
        appeal_approve(south_manager, appeal.pk, None, "")
    appeal_approve(viewer_of(company.manager), appeal.pk, None, "同意")
    target.refresh_from_db()
    assert target.owner_id == company.other_rep.pk and target.team_id == company.south.pk


def test_admin_may_look_at_appeals_but_not_edit_the_trail(
    client: Client, company: Company, book: dict[str, Customer]
) -> None:
    appeal = _hand_back(company, book["mine"])
    client.force_login(company.admin)
    assert client.get("/admin/appeals/appeal/").status_code == 200
    page = client.get(f"/admin/appeals/appeal/{appeal.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        client.post(f"/admin/appeals/appeal/{appeal.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Appeal.objects.filter(pk=appeal.pk).exists()
