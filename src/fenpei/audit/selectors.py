"""Reading the audit trail: what a viewer may see, filtered.

Admins see every event. A manager sees the events that touch their teams (the customer's
or batch's team, the old or the new owner's team) and every policy change (the policy is
the whole company's). Reps and outsiders see no global trail; anyone who may see a
customer sees that customer's trail on its page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from fenpei.audit.models import AuditEvent, AuditKind, AuditSource
from fenpei.customers.models import Customer
from fenpei.teams.access import Viewer


def events_visible_to(viewer: Viewer) -> QuerySet[AuditEvent]:
    if viewer.is_admin:
        return AuditEvent.objects.all()
    if not viewer.can_manage:
        return AuditEvent.objects.none()
    teams = list(viewer.team_ids)
    return AuditEvent.objects.filter(
        Q(team_id__in=teams)
        | Q(from_team_id__in=teams)
        | Q(to_team_id__in=teams)
        | Q(kind=AuditKind.POLICY_CHANGE)
    )


@dataclass(frozen=True, slots=True)
class AuditFilters:
    kind: str = ""
    source: str = ""
    rep: int | None = None
    since: date | None = None
    until: date | None = None
    q: str = ""

    @classmethod
    def of(cls, params: Any) -> AuditFilters:
        """From a query string (invalid values are ignored, as the table's filters are)."""

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(params.get(name, "") or "")
            except ValueError:
                return None

        rep = params.get("rep", "") or ""
        kind = params.get("kind", "") or ""
        source = params.get("source", "") or ""
        return cls(
            kind=kind if kind in AuditKind.values else "",
            source=source if source in AuditSource.values else "",
            # an id fits 18 digits; a longer number overflows the database's integer
            rep=int(rep) if rep.isascii() and rep.isdigit() and len(rep) <= 18 else None,
            since=day("since"),
            until=day("until"),
            # PostgreSQL refuses NUL in a query (a 500); no name contains one
            q=(params.get("q", "") or "").replace("\x00", "").strip()[:100],
        )

    def query(self) -> dict[str, str]:
        out = {
            "kind": self.kind,
            "source": self.source,
            "rep": str(self.rep) if self.rep is not None else "",
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "q": self.q,
        }
        return {k: v for k, v in out.items() if v}


def _day_start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def events_filtered(viewer: Viewer, filters: AuditFilters) -> QuerySet[AuditEvent]:
    events = events_visible_to(viewer)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.source:
        events = events.filter(source=filters.source)
    if filters.rep is not None:
        events = events.filter(Q(from_rep_id=filters.rep) | Q(to_rep_id=filters.rep))
    if filters.since:
        events = events.filter(at__gte=_day_start(filters.since))
    if filters.until:
        events = events.filter(at__lt=_day_start(filters.until + timedelta(days=1)))
    if filters.q:
        events = events.filter(
            Q(customer_name__icontains=filters.q) | Q(customer_key__icontains=filters.q)
        )
    return events.order_by("-at", "-id")


def events_of_customer(customer: Customer) -> QuerySet[AuditEvent]:
    """A customer's trail, with the trails of the records merged into it (kept by number:
    a merged record is deleted, its events keep its number)."""
    merged = list(customer.merges.values_list("duplicate_key", flat=True))
    which = Q(customer_id=customer.pk)
    if merged:
        which |= Q(customer__isnull=True, customer_key__in=merged)
    return AuditEvent.objects.filter(which).order_by("-at", "-id")
