"""Reads of the pool (公海): what a viewer may claim, today's claims left, and which owned
customers are due to go back (reclaim plan and warnings).

The reclaim rules count days from the later of the last follow-up (or deal) and the day
the owner got the customer, in local dates: a customer handed over yesterday is never
reclaimed today, whatever its history with the previous owner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from fenpei.customers.models import Customer, Stage
from fenpei.customers.selectors import CustomerFilters, customers_filtered, customers_visible_to
from fenpei.engine.policy import PoolRules
from fenpei.pool.models import PoolEvent, PoolEventKind, ReclaimRule
from fenpei.teams.access import Viewer


def pool_customers(viewer: Viewer, filters: CustomerFilters | None = None) -> QuerySet[Customer]:
    """The pool as the viewer sees it: unowned customers within their access (a rep: their
    pool by the policy's scope; a manager: their teams' and the unrouted pool)."""
    filters = filters or CustomerFilters()
    return customers_filtered(viewer, filters).filter(owner__isnull=True)


def claims_today(rep_id: int, day: date) -> int:
    return PoolEvent.objects.filter(rep_id=rep_id, kind=PoolEventKind.CLAIM, day=day).count()


def claims_left(rep_id: int, rules: PoolRules, day: date) -> int:
    return max(rules.claims_per_day - claims_today(rep_id, day), 0)


def claim_last(customer_id: int) -> PoolEvent | None:
    """The latest claim of a customer (who won it, from which pool, when)."""
    return (
        PoolEvent.objects.filter(customer_id=customer_id, kind=PoolEventKind.CLAIM)
        .select_related("rep")
        .order_by("-at", "-id")
        .first()
    )


def pool_events_of_customer(customer_id: int) -> QuerySet[PoolEvent]:
    return PoolEvent.objects.filter(customer_id=customer_id).select_related("rep", "user", "team")


# ------------------------------------------------------------------------- reclaim


@dataclass(frozen=True, slots=True)
class ReclaimDue:
    """An owned customer and the day a reclaim rule sends it back to the pool."""

    customer: Customer
    rule: str  # ReclaimRule
    since: date  # the day the count started (last follow-up / deal, or owned since)
    due: date  # the first day it is reclaimed
    limit: int  # the rule's days

    def days_left(self, today: date) -> int:
        return max((self.due - today).days, 0)


def _local_day(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment is not None else None


def _later(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return max(known) if known else None


def reclaim_due(customer: Customer, rules: PoolRules) -> ReclaimDue | None:
    """The earliest reclaim of an owned customer under the rules, or None (exempt: won,
    locked, no owner, both rules off, or nothing to count from)."""
    if customer.owner_id is None or customer.locked or customer.stage == Stage.WON:
        return None
    owned = _local_day(customer.owned_since)
    found: list[ReclaimDue] = []
    for rule, limit, last in (
        (
            ReclaimRule.NO_FOLLOWUP,
            rules.reclaim_no_followup_days,
            _local_day(customer.last_followup_at),
        ),
        (ReclaimRule.NO_DEAL, rules.reclaim_no_deal_days, customer.last_deal),
    ):
        since = _later(last, owned)
        if limit <= 0 or since is None:
            continue
        found.append(ReclaimDue(customer, rule, since, since + timedelta(days=limit), limit))
    return min(found, key=lambda d: (d.due, d.rule)) if found else None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _candidates(customers: QuerySet[Customer], rules: PoolRules, until: date) -> QuerySet[Customer]:
    """Customers that may be due on or before `until`: the rules as a filter the database
    can use, checked exactly in Python afterwards (`reclaim_due`)."""
    customers = customers.filter(owner__isnull=False, locked=False).exclude(stage=Stage.WON)
    either = Q(pk__in=[])
    if rules.reclaim_no_followup_days > 0:
        last_day = until - timedelta(days=rules.reclaim_no_followup_days)
        before = _day_start(last_day + timedelta(days=1))
        either |= Q(owned_since__lt=before) & (
            Q(last_followup_at__isnull=True) | Q(last_followup_at__lt=before)
        )
    if rules.reclaim_no_deal_days > 0:
        last_day = until - timedelta(days=rules.reclaim_no_deal_days)
        before = _day_start(last_day + timedelta(days=1))
        either |= Q(owned_since__lt=before) & (
            Q(last_deal__isnull=True) | Q(last_deal__lte=last_day)
        )
    return customers.filter(either)


def reclaim_plan(
    rules: PoolRules,
    today: date,
    *,
    customers: QuerySet[Customer] | None = None,
    horizon_days: int = 0,
) -> list[ReclaimDue]:
    """Owned customers due back in the pool by `today + horizon_days`, soonest first."""
    until = today + timedelta(days=horizon_days)
    base = customers if customers is not None else Customer.objects.all()
    rows = _candidates(base, rules, until).select_related("owner", "team").order_by("pk")
    plan = [
        d for c in rows.iterator(chunk_size=2000) if (d := reclaim_due(c, rules)) and d.due <= until
    ]
    return sorted(plan, key=lambda d: (d.due, d.customer.pk))


def reclaim_warnings(viewer: Viewer, rules: PoolRules, today: date) -> list[ReclaimDue]:
    """The viewer's customers that go back to the pool within `warn_days`:
    a rep's own, a manager's teams'. Empty when warnings are off (warn_days = 0)."""
    if rules.warn_days <= 0:
        return []
    visible = customers_visible_to(viewer)
    if not viewer.can_manage:
        visible = visible.filter(owner_id=viewer.rep_id)
    # Already due (the daily sweep has not run yet today) counts too: "today".
    return reclaim_plan(rules, today, customers=visible, horizon_days=rules.warn_days)


def due_ids(plan: Iterable[ReclaimDue]) -> list[int]:
    return sorted({d.customer.pk for d in plan})
