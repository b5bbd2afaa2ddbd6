"""Section 1 of a review: what changed in the period.

Sources, each the record of its own kind of fact:
- arrivals: `Customer.created_at` (a merged-away duplicate is no longer counted);
- owner changes other than the pool's: the audit trail (`AuditEvent`). It has one row per
  change with the precise cause (a run, by hand, a handover, an appeal, routing …), the
  owners' names and teams copied as they were, and it is append-only by database
  triggers. The ownership history (`Assignment`) would need its end and start rows paired
  by customer and moment, and does not tell a handover from a run or a reclaim from a
  return; it serves for "who owned what at a moment" (the fairness section) instead;
- claims, returns and reclaims: the pool's log (`PoolEvent`), which also keeps the
  reclaim rule and idle days (the same changes are on the audit trail too, so they are
  taken from one of the two, never both);
- appeals opened in the period, by where they stand now, and appeals decided in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fenpei.appeals.models import Appeal, AppealStatus
from fenpei.audit.models import AuditEvent, AuditKind, AuditSource
from fenpei.customers.models import Customer
from fenpei.pool.models import PoolEvent, PoolEventKind, ReclaimRule
from fenpei.reviews.scope import Scope, Window

#: rows listed per list (the counts are always complete)
CAP = 200

_POOL_SOURCES = (AuditSource.CLAIM, AuditSource.RETURN, AuditSource.RECLAIM)

#: what a change row is, in words
WHAT = {
    "assigned": gettext_lazy("Assigned from the pool"),
    "move": gettext_lazy("Moved between reps"),
    "handover": gettext_lazy("Handover"),
    "released": gettext_lazy("Taken off (to the pool)"),
    PoolEventKind.CLAIM: gettext_lazy("Claimed from the pool"),
    PoolEventKind.RETURN: gettext_lazy("Returned to the pool"),
    PoolEventKind.RECLAIM: gettext_lazy("Reclaimed to the pool"),
}


@dataclass(frozen=True, slots=True)
class Arrival:
    at: datetime
    customer_id: int
    customer_key: str
    customer_name: str
    team: str
    owner: str


@dataclass(frozen=True, slots=True)
class Change:
    at: datetime
    what: str  # a key of WHAT
    customer_id: int | None
    customer_key: str
    customer_name: str
    from_name: str  # "" = the pool
    to_name: str  # "" = the pool
    note: str

    @property
    def what_label(self) -> str:
        return str(WHAT.get(self.what, self.what))


@dataclass(frozen=True, slots=True)
class AppealRow:
    appeal_id: int
    opened_at: datetime
    customer_id: int
    customer_key: str
    customer_name: str
    rep: str
    kind: str
    status: str
    decided_at: datetime | None
    target: str
    note: str


@dataclass(frozen=True, slots=True)
class Changes:
    arrivals: int
    assigned: int
    moves: int
    handovers: int
    released: int
    claims: int
    returns: int
    reclaims: int
    appeals_opened: int
    #: appeals opened in the period by where they stand now (status → count)
    appeals_by_status: dict[str, int]
    #: appeals decided (approved or rejected) in the period, whenever opened
    appeals_decided: int
    arrival_rows: tuple[Arrival, ...]
    change_rows: tuple[Change, ...]  # newest first, at most CAP
    appeal_rows: tuple[AppealRow, ...]

    @property
    def changes_total(self) -> int:
        return (
            self.assigned
            + self.moves
            + self.handovers
            + self.released
            + self.claims
            + self.returns
            + self.reclaims
        )


def _audit_changes(scope: Scope, window: Window) -> tuple[dict[str, int], list[Change]]:
    events = (
        AuditEvent.objects.filter(
            kind=AuditKind.OWNER_CHANGE, at__gte=window.since, at__lt=window.until
        )
        .exclude(source__in=_POOL_SOURCES)
        .filter(scope.filter("team_id", "from_team_id", "to_team_id"))
    )
    handover = Q(source=AuditSource.HANDOVER)
    counts = events.aggregate(
        handovers=Count("id", filter=handover),
        assigned=Count(
            "id", filter=~handover & Q(from_rep_id__isnull=True, to_rep_id__isnull=False)
        ),
        moves=Count("id", filter=~handover & Q(from_rep_id__isnull=False, to_rep_id__isnull=False)),
        released=Count(
            "id", filter=~handover & Q(from_rep_id__isnull=False, to_rep_id__isnull=True)
        ),
    )
    rows = []
    for e in events.order_by("-at", "-id")[:CAP]:
        if e.source == AuditSource.HANDOVER:
            what = "handover"
        elif e.from_rep_id is None:
            what = "assigned"
        elif e.to_rep_id is None:
            what = "released"
        else:
            what = "move"
        note = e.get_source_display()
        rows.append(
            Change(
                e.at,
                what,
                e.customer_id,
                e.customer_key,
                e.customer_name,
                e.from_rep_name,
                e.to_rep_name,
                f"{note}: {e.reason}" if e.reason else str(note),
            )
        )
    return {k: int(v or 0) for k, v in counts.items()}, rows


def _pool_note(e: PoolEvent) -> str:
    if e.kind == PoolEventKind.RECLAIM:
        rule = ReclaimRule(e.rule).label if e.rule in ReclaimRule.values else e.rule
        if e.days is not None:
            return _("%(rule)s, idle %(days)d days") % {"rule": rule, "days": e.days}
        return str(rule)
    return e.reason


def _pool_changes(scope: Scope, window: Window) -> tuple[dict[str, int], list[Change]]:
    events = PoolEvent.objects.filter(at__gte=window.since, at__lt=window.until).filter(
        scope.filter("team_id", "rep__team_id")
    )
    counts = events.aggregate(
        claims=Count("id", filter=Q(kind=PoolEventKind.CLAIM)),
        returns=Count("id", filter=Q(kind=PoolEventKind.RETURN)),
        reclaims=Count("id", filter=Q(kind=PoolEventKind.RECLAIM)),
    )
    rows = []
    for e in events.select_related("customer", "rep").order_by("-at", "-id")[:CAP]:
        claim = e.kind == PoolEventKind.CLAIM
        rows.append(
            Change(
                e.at,
                e.kind,
                e.customer_id,
                e.customer.key,
                e.customer.name,
                "" if claim else e.rep.name,
                e.rep.name if claim else "",
                _pool_note(e),
            )
        )
    return {k: int(v or 0) for k, v in counts.items()}, rows


def _arrivals(scope: Scope, window: Window) -> tuple[int, list[Arrival]]:
    customers = Customer.objects.filter(
        created_at__gte=window.since, created_at__lt=window.until
    ).filter(scope.filter("team_id", "owner__team_id"))
    rows = [
        Arrival(
            c.created_at,
            c.pk,
            c.key,
            c.name,
            c.team.name if c.team else "",
            c.owner.name if c.owner else "",
        )
        for c in customers.select_related("team", "owner").order_by("-created_at", "-id")[:CAP]
    ]
    return customers.count(), rows


def _appeals(scope: Scope, window: Window) -> tuple[dict[str, int], int, list[AppealRow]]:
    in_scope = Appeal.objects.filter(scope.filter("team_id", "rep__team_id"))
    opened = in_scope.filter(created_at__gte=window.since, created_at__lt=window.until)
    by_status = {s: 0 for s in AppealStatus.values}
    for row in opened.values("status").annotate(n=Count("id")).order_by():
        by_status[row["status"]] = row["n"]
    decided = in_scope.filter(
        status__in=[AppealStatus.APPROVED, AppealStatus.REJECTED],
        decided_at__gte=window.since,
        decided_at__lt=window.until,
    ).count()
    rows = [
        AppealRow(
            a.pk,
            a.created_at,
            a.customer_id,
            a.customer.key,
            a.customer.name,
            a.rep.name,
            a.get_kind_display(),
            a.get_status_display(),
            a.decided_at,
            a.target.name if a.target else "",
            a.decision_note,
        )
        for a in opened.select_related("customer", "rep", "target")
        .defer("attachment_data")
        .order_by("-created_at", "-id")[:CAP]
    ]
    return by_status, decided, rows


def changes_in(scope: Scope, window: Window) -> Changes:
    audit_counts, audit_rows = _audit_changes(scope, window)
    pool_counts, pool_rows = _pool_changes(scope, window)
    arrivals, arrival_rows = _arrivals(scope, window)
    by_status, decided, appeal_rows = _appeals(scope, window)
    rows = sorted(audit_rows + pool_rows, key=lambda c: c.at, reverse=True)[:CAP]
    return Changes(
        arrivals=arrivals,
        assigned=audit_counts["assigned"],
        moves=audit_counts["moves"],
        handovers=audit_counts["handovers"],
        released=audit_counts["released"],
        claims=pool_counts["claims"],
        returns=pool_counts["returns"],
        reclaims=pool_counts["reclaims"],
        appeals_opened=sum(by_status.values()),
        appeals_by_status=by_status,
        appeals_decided=decided,
        arrival_rows=tuple(arrival_rows),
        change_rows=tuple(rows),
        appeal_rows=tuple(appeal_rows),
    )
