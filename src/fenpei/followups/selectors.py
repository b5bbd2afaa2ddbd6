"""Reads of follow-ups, deals and next steps, always through the viewer's access filters.

A follow-up or deal is visible exactly when its customer is: a rep sees the log of their
own customers and of the pool they may claim from (what a former owner did is what they
need before claiming), a manager their teams', an admin all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from fenpei.customers.models import Customer
from fenpei.customers.selectors import customers_visible_to
from fenpei.followups.models import Deal, FollowUp
from fenpei.teams.access import Viewer

#: how far ahead "upcoming" next steps reach on 我的待跟进
UPCOMING_DAYS = 14


def followups_visible_to(viewer: Viewer) -> QuerySet[FollowUp]:
    visible = customers_visible_to(viewer).values("pk")
    return FollowUp.objects.filter(customer_id__in=visible).select_related(
        "customer", "author", "rep"
    )


def deals_visible_to(viewer: Viewer) -> QuerySet[Deal]:
    visible = customers_visible_to(viewer).values("pk")
    return Deal.objects.filter(customer_id__in=visible).select_related("customer", "author", "rep")


def followups_of_customer(viewer: Viewer, customer: Customer) -> QuerySet[FollowUp]:
    """The customer's follow-ups, newest contact first (none if the viewer may not see it)."""
    return followups_visible_to(viewer).filter(customer_id=customer.pk)


def deals_of_customer(viewer: Viewer, customer: Customer) -> QuerySet[Deal]:
    """The customer's deals, newest first (none if the viewer may not see it)."""
    return deals_visible_to(viewer).filter(customer_id=customer.pk)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a customer's timeline: a follow-up or a deal."""

    at: datetime
    followup: FollowUp | None = None
    deal: Deal | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def timeline_of_customer(
    viewer: Viewer, customer: Customer, limit: int = 100
) -> list[TimelineEntry]:
    """Follow-ups and deals together, newest first. A deal has a date, not a time: it sorts
    at the start of its day, below the contacts of that day that led to it."""
    entries = [
        TimelineEntry(f.contact_at, followup=f)
        for f in followups_of_customer(viewer, customer)[:limit]
    ]
    entries += [
        TimelineEntry(_day_start(d.closed_on), deal=d)
        for d in deals_of_customer(viewer, customer)[:limit]
    ]
    entries.sort(key=lambda e: (e.at, e.deal is None), reverse=True)
    return entries[:limit]


# -------------------------------------------------------------------- next steps


def _with_next_step(viewer: Viewer, rep_id: int | None) -> QuerySet[Customer]:
    # Only owned customers: a pool customer's next step has nobody to do it.
    customers = customers_visible_to(viewer).filter(
        owner__isnull=False, next_step_due__isnull=False
    )
    if rep_id is not None:
        customers = customers.filter(owner_id=rep_id)
    return customers


def followups_overdue(viewer: Viewer, today: date, rep_id: int | None = None) -> QuerySet[Customer]:
    """Customers whose next step was due before `today`, the longest overdue first: a rep
    their own, a manager their teams' (optionally one rep's), an admin all."""
    return (
        _with_next_step(viewer, rep_id)
        .filter(next_step_due__lt=today)
        .order_by("next_step_due", "key")
    )


def followups_upcoming(
    viewer: Viewer, today: date, rep_id: int | None = None, days: int = UPCOMING_DAYS
) -> QuerySet[Customer]:
    """Customers whose next step is due from `today` to `days` ahead, soonest first."""
    return (
        _with_next_step(viewer, rep_id)
        .filter(next_step_due__gte=today, next_step_due__lte=today + timedelta(days=days))
        .order_by("next_step_due", "key")
    )
