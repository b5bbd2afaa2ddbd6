"""The rules the database itself enforces, tried against the database the suite runs on.

`.ci/run` runs the suite on SQLite and on PostgreSQL, so each partial unique index is
proven on both: the services rely on them to refuse a race's second writer. Each
violation runs in its own savepoint, as PostgreSQL aborts the whole transaction on an
error otherwise.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from tests.conftest import Company, make_customer

from fenpei.allocation.models import Assignment, AssignmentSource, PolicyVersion
from fenpei.customers.models import Customer

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_current_timezone())


def _assign(customer: Customer, company: Company, *, ended: bool = False) -> Assignment:
    return Assignment.objects.create(
        customer=customer,
        rep=company.rep,
        source=AssignmentSource.MANUAL,
        started_at=NOW,
        ended_at=NOW if ended else None,
    )


def test_one_current_owner(company: Company) -> None:
    customer = make_customer("上海华通科技有限公司", key="K1")
    _assign(customer, company, ended=True)
    _assign(customer, company, ended=True)  # any number of past owners
    _assign(customer, company)
    with pytest.raises(IntegrityError), transaction.atomic():
        _assign(customer, company)
    assert Assignment.objects.filter(customer=customer, ended_at__isnull=True).count() == 1


def test_one_active_policy(db: None) -> None:
    PolicyVersion.objects.update(is_active=False)  # version 1 comes with the migrations
    PolicyVersion.objects.create(number=101, toml="", is_active=False)
    PolicyVersion.objects.create(number=102, toml="", is_active=False)
    PolicyVersion.objects.create(number=103, toml="", is_active=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.create(number=104, toml="", is_active=True)
    assert PolicyVersion.objects.filter(is_active=True).count() == 1


def test_credit_code_unique_when_given(db: None) -> None:
    make_customer("甲公司", key="K1", credit_code="")
    make_customer("乙公司", key="K2", credit_code="")  # no code: any number of them
    make_customer("丙公司", key="K3", credit_code="91310000MA1FL8XQ3X")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_customer("丙公司（重复）", key="K4", credit_code="91310000MA1FL8XQ3X")
    assert Customer.objects.count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's catalogue")
def test_the_partial_indexes_are_partial_on_postgresql(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s) "
            "ORDER BY indexname",
            [["customer_credit_code_unique", "one_active_policy", "one_current_owner"]],
        )
        found = dict(cursor.fetchall())
    assert sorted(found) == [
        "customer_credit_code_unique",
        "one_active_policy",
        "one_current_owner",
    ]
    for name, definition in found.items():
        assert definition.startswith("CREATE UNIQUE INDEX"), name
        assert " WHERE " in definition, name  # partial: only the rows the rule is about
