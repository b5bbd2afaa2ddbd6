"""Foreign-key checks against the services' row locks (PostgreSQL), found by the soak.

Django makes foreign keys DEFERRABLE INITIALLY DEFERRED: a transaction that inserts rows
naming customers and reps (a run's items, an appeal) takes FOR KEY SHARE on each named
row when it commits, row after row, in an order no service chooses: a rep before the
next customer. A claim holds its customer FOR UPDATE and then locks its rep. If that rep
lock is FOR UPDATE it waits for the committing transaction's KEY SHARE, which waits for
the claim's customer: a deadlock, and the claim answered 500. Services lock reps FOR NO
KEY UPDATE, which still queues them behind each other (the capacity count) but not behind
a key share; the ids never change, so nothing needs the stronger lock.

The test fixes the moment instead of hoping for it: the inserting transaction checks its
keys at once (SET CONSTRAINTS ALL IMMEDIATE), so it holds the rep's key share before the
claim starts, and names the claimed customer only once the claim is waiting or done.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from tests.conftest import make_customer

from fenpei.allocation.models import Run, RunItem, RunScope, RunStatus
from fenpei.allocation.selectors import policy_active
from fenpei.pool.services import customer_claim
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting_on_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def test_claim_does_not_deadlock_with_a_run_naming_its_rep(company):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and deferred foreign keys: PostgreSQL")
    policy = policy_active()
    first = make_customer("上海先行贸易有限公司", region="上海", team=company.east)
    claimed = make_customer("上海后到贸易有限公司", region="上海", team=company.east)
    run = Run.objects.create(
        policy=policy,
        scope=RunScope.SELECTION,
        as_of=timezone.localdate(),
        status=RunStatus.COMPUTING,
    )
    rep = company.rep
    holds_key_share = threading.Event()
    claim_pid: list[int] = []
    claim_done = threading.Event()
    outcome: dict[str, Any] = {}

    def items() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                RunItem.objects.create(run=run, customer=first, rep=rep, reasons=[])
                holds_key_share.set()
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and not claim_done.is_set():
                    if claim_pid and _waiting_on_lock(claim_pid[0]):
                        break
                    time.sleep(0.05)
                RunItem.objects.create(run=run, customer=claimed, rep=rep, reasons=[])
            outcome["items"] = "ok"
        except Exception as exc:
            outcome["items"] = exc
        finally:
            connections.close_all()

    def claim() -> None:
        try:
            holds_key_share.wait(20)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                claim_pid.append(int(cursor.fetchone()[0]))
            customer_claim(viewer_of(company.rep_user), claimed.pk)
            outcome["claim"] = "ok"
        except Exception as exc:
            outcome["claim"] = exc
        finally:
            claim_done.set()
            connections.close_all()

    threads = [threading.Thread(target=items), threading.Thread(target=claim)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert outcome == {"items": "ok", "claim": "ok"}
    claimed.refresh_from_db()
    assert claimed.owner_id == rep.pk
    assert RunItem.objects.filter(run=run).count() == 2
