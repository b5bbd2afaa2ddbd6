"""Runs and ownership changes, on the real database."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from fenpei.allocation.models import Assignment, AssignmentSource, RunItem, RunStatus
from fenpei.allocation.services import (
    customers_assign,
    customers_release,
    run_apply,
    run_create,
    run_discard,
)
from fenpei.customers.models import Customer
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db


def test_manager_run_previews_then_applies_atomically(company, customers):
    manager = viewer_of(company.manager)
    run = run_create(manager, scope="unassigned")
    assert run.status == RunStatus.PREVIEW
    # The manager sees 华东's pool and unrouted customers: all six are unowned, no team.
    assert run.summary["customers"] == 6
    items = {
        it.customer.name: it
        for it in RunItem.objects.filter(run=run).select_related("customer", "rep")
    }
    assert items["上海华通科技有限公司"].rep == company.rep  # industry + senior for tier A
    assert items["杭州百货零售有限公司"].rep == company.rep2  # only rep2 covers 浙江
    assert items["广州南方电子有限公司"].rep is None  # no 华东 rep covers 广东
    assert items["广州南方电子有限公司"].reasons[0]["code"] == "no_rep_in_region"
    assert not Customer.objects.filter(owner__isnull=False).exists()  # preview writes no owner

    changed = run_apply(manager, run.pk)
    assert changed == 4
    run.refresh_from_db()
    assert run.status == RunStatus.APPLIED
    owned = Customer.objects.get(name="上海华通科技有限公司")
    assert owned.owner == company.rep and owned.team == company.east
    current = Assignment.objects.get(customer=owned, ended_at__isnull=True)
    assert current.source == AssignmentSource.RUN and current.run == run
    assert current.reasons[0]["kind"] == "eligible"


def test_apply_refuses_when_a_customer_changed_since_preview(company, customers):
    manager = viewer_of(company.manager)
    run = run_create(manager, scope="unassigned")
    moved = customers[0]
    customers_assign(manager, [moved.pk], company.rep2.pk, note="客户指定")
    with pytest.raises(ValidationError, match="负责人发生了变化"):
        run_apply(manager, run.pk)
    # Nothing of the run was written: only the manual assignment exists.
    assert Assignment.objects.count() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEW


def test_database_refuses_two_current_owners(company, customers):
    customer = customers[0]
    now = timezone.now()
    Assignment.objects.create(customer=customer, rep=company.rep, source="manual", started_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            customer=customer, rep=company.rep2, source="manual", started_at=now
        )


def test_release_returns_to_pool_and_keeps_history(company, customers):
    manager = viewer_of(company.manager)
    customers_assign(manager, [customers[0].pk], company.rep.pk)
    assert customers_release(manager, [customers[0].pk], note="长期未跟进") == 1
    c = Customer.objects.get(pk=customers[0].pk)
    assert c.owner is None and c.team == company.east
    history = Assignment.objects.get(customer=c)
    assert history.ended_at is not None and history.end_reason == "长期未跟进"


def test_rep_cannot_assign_or_run(company, customers):
    rep = viewer_of(company.rep_user)
    with pytest.raises(PermissionDenied):
        customers_assign(rep, [customers[0].pk], company.rep.pk)
    with pytest.raises(PermissionDenied):
        run_create(rep, scope="unassigned")


def test_manager_cannot_assign_to_another_teams_rep(company, customers):
    manager = viewer_of(company.manager)
    with pytest.raises(ValidationError):
        customers_assign(manager, [customers[0].pk], company.other_rep.pk)
    assert not Assignment.objects.exists()


def test_discarded_run_cannot_be_applied(company, customers):
    manager = viewer_of(company.manager)
    run = run_create(manager, scope="unassigned")
    run_discard(manager, run.pk)
    with pytest.raises(ValidationError):
        run_apply(manager, run.pk)
    assert not Assignment.objects.exists()
