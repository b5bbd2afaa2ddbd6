"""Routing under row locks, on the database the suite runs on.

While another transaction holds the row of the rep the engine would choose, that rep is
receiving a customer: routing counts them one higher (SKIP LOCKED on PostgreSQL) and,
when that tips the balance, gives the customer to the next best rep instead of queueing;
when it does not, routing waits for the lock. SQLite has no row locks (one writer at a
time); its side of the same logic is in tests/app/test_routing.py.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone
from tests.conftest import make_customer

from fenpei.allocation import routing
from fenpei.allocation.selectors import policy_current
from fenpei.customers.import_services import IMPORT_LOCK
from fenpei.customers.models import Customer
from fenpei.customers.services import customer_derive, customers_rescore
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Rep

PLAIN = {"name": "上海某某商贸有限公司", "region": "上海", "industry": "零售"}


def _customer(company) -> Customer:
    customer = Customer(**PLAIN, team=company.east)
    customer_derive(customer)
    customers_rescore([customer], policy_current(), timezone.localdate())
    return customer


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_locked_best_rep_counts_one_higher(company) -> None:
    Rep.objects.filter(team=company.east).update(capacity=2)
    reps = list(Rep.objects.filter(team=company.east).select_related("team").order_by("pk"))
    policy = policy_current()
    customer = _customer(company)
    first, _ = routing.customer_best_rep(customer, reps, {r.pk: 0 for r in reps}, policy)
    assert first is not None
    other = next(r for r in reps if r.pk != first.pk)
    # Precondition: one more customer for `first` makes `other` the better choice.
    tipped, _ = routing.customer_best_rep(customer, reps, {first.pk: 1, other.pk: 0}, policy)
    assert tipped == other

    holder = _holder()
    try:
        holder.execute("SELECT 1 FROM teams_rep WHERE id = %s FOR UPDATE", [first.pk])
        routed = routing.customer_create(viewer_of(company.manager), PLAIN, route=True)
    finally:
        holder.rollback()
        holder.close()
    assert routed.rep == other


def _holder(*, autocommit: bool = False) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or None,
        dbname=settings["NAME"],
        autocommit=autocommit,
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_busy_rep_still_best_is_waited_for(company) -> None:
    """When the busy rep stays the best even one higher, routing waits for its lock
    rather than settling for a worse rep."""
    Rep.objects.filter(team=company.east).update(capacity=100)
    reps = list(Rep.objects.filter(team=company.east).select_related("team").order_by("pk"))
    policy = policy_current()
    customer = _customer(company)
    best, _ = routing.customer_best_rep(customer, reps, {r.pk: 0 for r in reps}, policy)
    assert best is not None
    still, _ = routing.customer_best_rep(customer, reps, {best.pk: 1}, policy)
    assert still == best  # precondition: one more of 100 does not tip it
    holder = _holder()
    result: list[object] = []

    def route() -> None:
        try:
            result.append(routing.customer_create(viewer_of(company.manager), PLAIN, route=True))
        finally:
            connection.close()

    try:
        holder.execute("SELECT 1 FROM teams_rep WHERE id = %s FOR UPDATE", [best.pk])
        worker = threading.Thread(target=route)
        worker.start()
        # Synchronise on the database's own state: release once the router is queued on
        # the lock (pg_stat_activity shows its backend waiting on a Lock event).
        # Autocommit: inside one transaction pg_stat_activity is a frozen snapshot.
        deadline = time.monotonic() + 30
        with _holder(autocommit=True) as watcher:
            while worker.is_alive() and time.monotonic() < deadline:
                waiting = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                ).fetchone()
                if waiting and waiting[0]:
                    break
            else:
                pytest.fail("the router never queued on the busy rep's lock")
        holder.rollback()
        worker.join(timeout=30)
    finally:
        holder.close()
    assert not worker.is_alive()
    assert len(result) == 1 and result[0].rep == best  # type: ignore[attr-defined]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_create_during_an_import_confirm_sees_the_imported_company(company) -> None:
    """A confirm holds the import lock while it writes; a create waits for it, then finds
    the company the import wrote and answers 409 instead of making a second record."""
    holder = _holder()
    outcome: list[BaseException | object] = []

    def create() -> None:
        try:
            outcome.append(routing.customer_create(viewer_of(company.manager), PLAIN))
        except routing.DuplicateCustomer as exc:
            outcome.append(exc)
        finally:
            connection.close()

    try:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        worker = threading.Thread(target=create)
        worker.start()
        deadline = time.monotonic() + 30
        with _holder(autocommit=True) as watcher:
            while worker.is_alive() and time.monotonic() < deadline:
                waiting = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND wait_event = 'advisory' AND datname = current_database()"
                ).fetchone()
                if waiting and waiting[0]:
                    break
            else:
                pytest.fail("the create never waited for the import lock")
        # The "import" writes the same company, then commits (releasing its lock).
        imported = _customer(company)
        imported.key = "IMPORTED-1"
        holder.execute(
            "INSERT INTO customers_customer (key, name, name_key, initials, credit_code, "
            "industry, region, city, address, potential_value, intent, products, contact, "
            "phone, phone_key, email, deal_count, deal_amount, stage, locked, team_id, "
            "priority, tier, created_at, updated_at, next_step) VALUES (%s, %s, %s, '', '', "
            "'', '上海', '', '', 0, 0, '[]', '', '', '', '', 0, 0, 'lead', false, %s, 0, 'C', "
            "now(), now(), '')",
            [imported.key, imported.name, imported.name_key, company.east.pk],
        )
        holder.commit()
        worker.join(timeout=30)
    finally:
        holder.close()
    assert len(outcome) == 1 and isinstance(outcome[0], routing.DuplicateCustomer)
    assert Customer.objects.filter(name_key=imported.name_key).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_routing_never_waits_for_a_lower_rep_while_holding_a_higher_one(company) -> None:
    """Found full after its lock was taken, a rep stays locked to the commit; waiting then
    for a busy rep of lower pk would break the pk order every writer keeps (two routings
    did deadlock so). Such a rep counts as out of reach instead: no wait, no deadlock."""

    Rep.objects.filter(pk=company.rep2.pk).update(capacity=1)
    make_customer("已满客户有限公司", team=company.east, owner=company.rep2)  # rep2 is full
    reps = list(Rep.objects.filter(team=company.east).select_related("team").order_by("pk"))
    assert [r.pk for r in reps] == sorted([company.rep.pk, company.rep2.pk])
    low, high = reps
    policy = policy_current()
    customer = Customer(
        name="上海小店零售有限公司", region="上海", industry="零售", team=company.east
    )
    customer_derive(customer)
    customers_rescore([customer], policy, timezone.localdate())
    # Preconditions: on stale loads the engine picks the higher rep, then the lower one.
    assert routing.customer_best_rep(customer, reps, {}, policy)[0] == high
    assert routing.customer_best_rep(customer, reps, {high.pk: 1}, policy)[0] == low
    assert routing.customer_best_rep(customer, reps, {high.pk: 1, low.pk: 1}, policy)[0] == low

    holder = _holder()
    try:
        holder.execute("SELECT 1 FROM teams_rep WHERE id = %s FOR UPDATE", [low.pk])
        with transaction.atomic():
            with connection.cursor() as cursor:  # a wait would fail here, not hang
                cursor.execute("SET LOCAL lock_timeout = '5s'")
            rep, reasons = routing._choose_and_lock_with_loads(customer, reps, {}, policy)
    finally:
        holder.rollback()
        holder.close()
    assert rep is None and reasons
