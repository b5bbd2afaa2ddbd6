"""Two managers decide the same appeal at once (the team's manager approves, an admin
rejects), with real threads, each on its own connection: exactly one decision is
recorded, the other is told who was first, and the owner matches the winner."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from tests.conftest import Company, make_customer

from fenpei.allocation.models import Assignment
from fenpei.allocation.services import customers_assign
from fenpei.appeals import services
from fenpei.appeals.models import Appeal, AppealEventKind, AppealKind, AppealStatus
from fenpei.appeals.services import appeal_approve, appeal_open, appeal_reject
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db(transaction=True)


def _together(*work: Callable[[], Any]) -> list[tuple[str, Any]]:
    barrier = threading.Barrier(len(work))
    outcomes: list[tuple[str, Any]] = [("error", None)] * len(work)

    def run(i: int, fn: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcomes[i] = ("ok", fn())
        except ValidationError as exc:
            outcomes[i] = ("refused", exc)
        except Exception as exc:  # a database error is what the test must catch
            outcomes[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(work)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.parametrize("round_", range(3))
def test_two_managers_decide_one_appeal_at_once_one_wins(company: Company, round_: int) -> None:
    customer = make_customer(f"争议客户{round_}有限公司", region="上海", industry="制造业")
    customers_assign(viewer_of(company.manager), [customer.pk], company.rep.pk)
    appeal = appeal_open(
        viewer_of(company.rep_user),
        kind=AppealKind.HAND_BACK,
        reason="换人",
        customer_id=customer.pk,
    )
    manager, admin = viewer_of(company.manager), viewer_of(company.admin)
    outcomes = _together(
        lambda: appeal_approve(manager, appeal.pk, company.rep2.pk, "转李娜"),
        lambda: appeal_reject(admin, appeal.pk, "继续跟进"),
    )
    kinds = sorted(kind for kind, _value in outcomes)
    assert kinds == ["ok", "refused"], outcomes
    refused = next(v for k, v in outcomes if k == "refused")
    assert refused.code == services.DECIDED
    appeal.refresh_from_db()
    customer.refresh_from_db()
    decisions = appeal.events.exclude(kind=AppealEventKind.OPENED)
    assert decisions.count() == 1
    if appeal.status == AppealStatus.APPROVED:
        assert customer.owner_id == company.rep2.pk
    else:
        assert appeal.status == AppealStatus.REJECTED and customer.owner_id == company.rep.pk
    current = Assignment.objects.filter(customer=customer, ended_at__isnull=True)
    assert [a.rep_id for a in current] == [customer.owner_id]
    assert Appeal.objects.filter(status=AppealStatus.OPEN).count() == 0
