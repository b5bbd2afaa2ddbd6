"""Races of the pool, with real threads, each with its own database connection.

On PostgreSQL the threads really overlap and queue on the row locks (customers first,
then reps, in pk order); on SQLite the IMMEDIATE transactions queue them on the write
lock. Either way the outcome must be the same: one winner per customer, every loser told
who won (never a 500 or a database error), limits counted exactly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from tests.app.pool_setup import days_ago, own, pool_policy
from tests.conftest import Company, make_customer

from fenpei.allocation.models import Assignment
from fenpei.customers.models import Customer
from fenpei.pool import services
from fenpei.pool.models import PoolEvent, PoolEventKind
from fenpei.pool.services import customer_claim, customers_reclaim
from fenpei.teams.access import REP, Viewer, viewer_of

pytestmark = pytest.mark.django_db(transaction=True)

Outcome = tuple[str, Any]


def _together(*work: Callable[[], Any]) -> list[Outcome]:
    """Run each callable in its own thread, all released at once by a barrier; each
    outcome is ("ok", result) or ("refused", ValidationError) or ("error", exception)."""
    barrier = threading.Barrier(len(work))
    outcomes: list[Outcome] = [("error", None)] * len(work)

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


def _assert_one_owner_each(customers: list[Customer]) -> None:
    for c in customers:
        c.refresh_from_db()
        current = list(Assignment.objects.filter(customer=c, ended_at__isnull=True))
        assert len(current) <= 1
        assert (current[0].rep_id if current else None) == c.owner_id


def _rep2_viewer(company: Company) -> Viewer:
    return Viewer(None, REP, company.rep2.pk, frozenset({company.east.pk}))


def test_two_reps_claim_the_same_customers_at_once(company: Company) -> None:
    pool_policy(claims_per_day=50)
    customers = [make_customer(f"公海客户{i:02d}有限公司", key=f"P{i:02d}") for i in range(12)]
    ids = [c.pk for c in customers]
    viewers = [viewer_of(company.rep_user), _rep2_viewer(company)]

    def claim_all(viewer: Viewer) -> Callable[[], list[Outcome]]:
        def run() -> list[Outcome]:
            results: list[Outcome] = []
            for pk in ids:
                try:
                    results.append(("ok", customer_claim(viewer, pk).pk))
                except ValidationError as exc:
                    results.append(("refused", exc))
            return results

        return run

    outcomes = _together(*(claim_all(v) for v in viewers))
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    per_rep: list[list[Outcome]] = [result for _, result in outcomes]
    _assert_one_owner_each(customers)
    names = {company.rep.pk: "张伟", company.rep2.pk: "李娜"}
    for i, c in enumerate(customers):
        won = [v for v, results in zip(viewers, per_rep, strict=True) if results[i][0] == "ok"]
        assert len(won) == 1, f"{c.name}: {len(won)} winners"
        assert c.owner_id == won[0].rep_id
        loser = per_rep[1 - viewers.index(won[0])][i]
        assert loser[0] == "refused" and loser[1].code == services.TAKEN
        assert names[won[0].rep_id or 0] in " ".join(loser[1].messages)
    assert PoolEvent.objects.filter(kind=PoolEventKind.CLAIM).count() == 12


def test_one_rep_claiming_twice_at_once_keeps_the_daily_limit(company: Company) -> None:
    pool_policy(claims_per_day=1)
    a = make_customer("甲公司", key="A")
    b = make_customer("乙公司", key="B")
    me = viewer_of(company.rep_user)
    outcomes = _together(lambda: customer_claim(me, a.pk), lambda: customer_claim(me, b.pk))
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ok", "refused"], outcomes
    refusal = next(exc for kind, exc in outcomes if kind == "refused")
    assert refusal.code == services.LIMIT
    assert Customer.objects.filter(owner=company.rep).count() == 1


def test_one_rep_claiming_twice_at_once_keeps_capacity(company: Company) -> None:
    pool_policy(claims_per_day=10)
    company.rep.capacity = 1
    company.rep.save(update_fields=["capacity"])
    a = make_customer("甲公司", key="A")
    b = make_customer("乙公司", key="B")
    me = viewer_of(company.rep_user)
    outcomes = _together(lambda: customer_claim(me, a.pk), lambda: customer_claim(me, b.pk))
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    assert next(e for k, e in outcomes if k == "refused").code == services.OVER_CAPACITY
    assert Customer.objects.filter(owner=company.rep).count() == 1


def test_claim_and_reclaim_at_once(company: Company) -> None:
    """The reclaim sends an idle customer back while a rep tries to claim it: either the
    claim comes first (refused: it still has an owner) and the customer ends in the pool,
    or the reclaim comes first and the rep owns it; never two owners, never an error."""
    pool_policy(reclaim_no_followup_days=30, cooldown_days=0)
    idle = own(make_customer("闲置客户有限公司", key="X"), company.rep2, since=days_ago(400))
    me = viewer_of(company.rep_user)
    outcomes = _together(customers_reclaim, lambda: customer_claim(me, idle.pk))
    reclaim, claim = outcomes
    assert reclaim[0] == "ok", reclaim
    _assert_one_owner_each([idle])
    assert PoolEvent.objects.filter(kind=PoolEventKind.RECLAIM, customer=idle).count() == 1
    if claim[0] == "ok":
        assert idle.owner_id == company.rep.pk
    else:
        assert claim[0] == "refused" and claim[1].code == services.NOT_IN_POOL, claim
        assert idle.owner_id is None
