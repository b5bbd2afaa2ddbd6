"""Shared setup of the pool tests: a policy with given pool rules, owned customers with a
given history."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from fenpei.allocation.models import AssignmentSource, PolicyVersion
from fenpei.allocation.services import OwnerChange, owners_set
from fenpei.customers.models import Customer
from fenpei.engine.policy import Policy, PoolRules, policy_to_toml
from fenpei.teams.models import Rep

TODAY = date(2026, 3, 16)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


NOW = at(TODAY)


def pool_policy(**rules: Any) -> PolicyVersion:
    """Make a policy with these pool rules the active one."""
    number = (
        PolicyVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    PolicyVersion.objects.update(is_active=False)
    toml = policy_to_toml(Policy(pool=PoolRules(**rules)))
    return PolicyVersion.objects.create(number=number, toml=toml, is_active=True)


def own(
    customer: Customer,
    rep: Rep,
    *,
    since: date,
    followup: date | None = None,
    deal: date | None = None,
    **fields: Any,
) -> Customer:
    """Give the customer to the rep as of `since`, with its last follow-up and deal."""
    owners_set([OwnerChange(customer, rep, [])], source=AssignmentSource.MANUAL, user_id=None)
    Customer.objects.filter(pk=customer.pk).update(
        owned_since=at(since, 9),
        last_followup_at=at(followup, 15) if followup else None,
        last_deal=deal,
        **fields,
    )
    customer.refresh_from_db()
    return customer


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)
