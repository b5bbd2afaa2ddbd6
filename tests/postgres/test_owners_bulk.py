"""owners_set's bulk path (COPY and arrays, PostgreSQL, from BULK_OWNER_CHANGES changes)
writes exactly what the ordinary path writes: the same customers end up with the same
owners, teams and history, and every change has its audit event."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from tests.conftest import make_customer

from fenpei.allocation import services
from fenpei.allocation.models import Assignment, AssignmentSource
from fenpei.allocation.services import OwnerChange, owners_set
from fenpei.audit.models import AuditEvent
from fenpei.customers.models import Customer

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY path: PostgreSQL"),
    pytest.mark.django_db,
]


def _state(prefix: str) -> list[object]:
    """Customers, history and audit events of one scenario, keys without their prefix."""

    def bare(key: str) -> str:
        return key.removeprefix(prefix)

    customers = Customer.objects.filter(key__startswith=prefix).order_by("key")
    history = Assignment.objects.filter(customer__key__startswith=prefix)
    events = AuditEvent.objects.filter(customer_key__startswith=prefix)
    return [
        *((bare(c.key), c.owner_id, c.team_id, c.owned_since is None) for c in customers),
        *(
            (bare(a.customer.key), a.rep_id, a.source, a.reasons, a.note, a.ended_at is None)
            for a in history.select_related("customer").order_by("customer__key", "id")
        ),
        *(
            (bare(e.customer_key), e.from_rep_name, e.to_rep_name, e.source, e.reason)
            for e in events.order_by("customer_key", "id")
        ),
    ]


def _scenario(company, prefix: str) -> None:
    """Give six customers to rep, then move two to rep2, release one, keep one."""
    rows = [make_customer(f"{prefix}客户{i}号有限公司", key=f"{prefix}{i}") for i in range(6)]
    with transaction.atomic():
        first = [OwnerChange(c, company.rep, [{"kind": "manual", "note": "起"}]) for c in rows]
        owners_set(first, source=AssignmentSource.MANUAL, user_id=None, note="导入")
    fresh = {c.pk: c for c in Customer.objects.filter(pk__in=[c.pk for c in rows])}
    moved = [{"kind": "manual", "note": "换"}]
    second = [
        OwnerChange(fresh[rows[0].pk], company.rep2, moved),
        OwnerChange(fresh[rows[1].pk], company.rep2, moved),
        OwnerChange(fresh[rows[2].pk], None, []),
        OwnerChange(fresh[rows[3].pk], company.rep, []),  # unchanged: not written
    ]
    with transaction.atomic():
        changed = owners_set(
            second, source=AssignmentSource.MANUAL, user_id=None, end_reason="调整"
        )
    assert changed == 3


def test_bulk_path_writes_what_the_ordinary_path_writes(company, monkeypatch) -> None:
    _scenario(company, "A")
    monkeypatch.setattr(services, "BULK_OWNER_CHANGES", 1)  # the same, through COPY
    _scenario(company, "B")
    ordinary, bulk = _state("A"), _state("B")
    assert len(ordinary) == 6 + 8 + 9  # customers, assignments (a release adds none), events
    assert bulk == ordinary
    current = Assignment.objects.filter(ended_at__isnull=True, customer__key__startswith="B")
    assert current.count() == 5
