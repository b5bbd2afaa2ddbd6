"""Section 4 of a review: each rep's results in the period.

The same measures as the goals (`fenpei.goals.selectors.progress_of_reps`): follow-ups by
contact time and by the rep who logged them, new customers as assignments the rep started
(any source), deals by the rep who closed them (`Deal.rep`, so a later handover does not
move them) and their closing day. Conversion is won ÷ (won + lost) deals closed in the
period.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from fenpei.allocation.models import Assignment
from fenpei.followups.models import Deal, DealResult, FollowUp
from fenpei.reviews.scope import Scope, Window
from fenpei.teams.models import Rep


@dataclass(frozen=True, slots=True)
class RepResult:
    rep_id: int | None  # None: the total
    key: str
    name: str
    team: str
    followups: int
    new_customers: int
    won: int
    lost: int
    won_amount: Decimal

    @property
    def conversion(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None


@dataclass(frozen=True, slots=True)
class Results:
    reps: tuple[RepResult, ...]
    total: RepResult


def results_in(scope: Scope, window: Window) -> Results:
    reps = list(Rep.objects.filter(scope.filter("team_id")).select_related("team"))
    reps.sort(key=lambda r: (r.team.name if r.team else "", r.key))
    ids = [r.pk for r in reps]
    followups = dict(
        FollowUp.objects.filter(
            rep_id__in=ids, contact_at__gte=window.since, contact_at__lt=window.until
        )
        .values("rep_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("rep_id", "n")
    )
    taken = dict(
        Assignment.objects.filter(
            rep_id__in=ids, started_at__gte=window.since, started_at__lt=window.until
        )
        .values("rep_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("rep_id", "n")
    )
    won = Q(result=DealResult.WON)
    deals = {
        r["rep_id"]: r
        for r in Deal.objects.filter(
            rep_id__in=ids, closed_on__gte=window.start, closed_on__lte=window.end
        )
        .values("rep_id")
        .annotate(
            won=Count("id", filter=won),
            lost=Count("id", filter=Q(result=DealResult.LOST)),
            amount=Sum("amount", filter=won),
        )
        .order_by()
    }
    lines = []
    for r in reps:
        d = deals.get(r.pk, {})
        lines.append(
            RepResult(
                r.pk,
                r.key,
                r.name,
                r.team.name if r.team else "",
                int(followups.get(r.pk, 0)),
                int(taken.get(r.pk, 0)),
                int(d.get("won", 0)),
                int(d.get("lost", 0)),
                Decimal(d.get("amount") or 0),
            )
        )
    total = RepResult(
        None,
        "",
        "",
        "",
        sum(ln.followups for ln in lines),
        sum(ln.new_customers for ln in lines),
        sum(ln.won for ln in lines),
        sum(ln.lost for ln in lines),
        sum((ln.won_amount for ln in lines), Decimal(0)),
    )
    return Results(tuple(lines), total)
