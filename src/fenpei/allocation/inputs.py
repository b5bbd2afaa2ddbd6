"""Database rows → engine input. The one place that knows both shapes."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from django.db.models import Count, Q

from fenpei.allocation.selectors import policy_current
from fenpei.customers.models import Customer
from fenpei.engine import CustomerTable, Level, Policy
from fenpei.engine import Rep as EngineRep
from fenpei.engine.model import DealTally
from fenpei.followups.models import Deal, DealResult
from fenpei.teams.models import Rep


def engine_customers(customers: Sequence[Customer], owner_keys: Mapping[int, str]) -> CustomerTable:
    """Columns of the given customers. `owner_keys` maps rep id → key for the reps in the
    run; an owner outside the run counts as no owner (it cannot be kept)."""
    return CustomerTable.from_columns(
        keys=[c.key for c in customers],
        names=[c.name for c in customers],
        region=[c.region for c in customers],
        city=[c.city for c in customers],
        industry=[c.industry for c in customers],
        products=[c.products or () for c in customers],
        potential_value=[float(c.potential_value) for c in customers],
        intent=[int(c.intent) for c in customers],
        deal_count=[c.deal_count for c in customers],
        deal_amount=[float(c.deal_amount) for c in customers],
        last_deal=[c.last_deal for c in customers],
        is_new=[c.is_new for c in customers],
        owner=[owner_keys.get(c.owner_id, "") if c.owner_id else "" for c in customers],
        locked=[c.locked for c in customers],
    )


def engine_reps(
    reps: Iterable[Rep],
    existing_load: Mapping[int, int],
    day: date,
    *,
    policy: Policy | None = None,
) -> list[EngineRep]:
    """The reps as the engine sees them on `day`. With the policy's performance term on
    (`policy`, else the active one), each carries its track record: the one extra query,
    made only then, so a policy without the term costs nothing more."""
    reps = list(reps)
    term = (policy if policy is not None else policy_current()).performance
    records = rep_track_records([r.pk for r in reps], day, term.months) if term.on else {}
    return [
        EngineRep(
            key=r.key,
            name=r.name,
            team=r.team.name if r.team is not None else "",
            regions=frozenset(r.regions or ()),
            industries=frozenset(r.industries or ()),
            products=frozenset(r.products or ()),
            level=Level(r.level),
            capacity=r.capacity,
            existing_load=existing_load.get(r.pk, 0),
            active=r.available_on(day),
            track_record=records.get(r.pk, ()),
        )
        for r in reps
    ]


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (the month's last day when shorter)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def rep_track_records(
    rep_ids: Sequence[int], day: date, months: int
) -> dict[int, tuple[DealTally, ...]]:
    """Deals the reps closed in the `months` up to `day` (after the same day `months`
    earlier, up to and including `day`), counted by the customer's industry, province and
    tier: one grouped query. The tier is the customer's as last scored, which is the tier
    the engine sees for new customers too."""
    if not rep_ids:
        return {}
    rows = (
        Deal.objects.filter(
            rep_id__in=rep_ids, closed_on__gt=months_before(day, months), closed_on__lte=day
        )
        .values_list("rep_id", "customer__industry", "customer__region", "customer__tier")
        .annotate(deals=Count("id"), wins=Count("id", filter=Q(result=DealResult.WON)))
        .order_by("rep_id", "customer__industry", "customer__region", "customer__tier")
    )
    out: dict[int, list[DealTally]] = {}
    for rep_id, industry, region, tier, deals, wins in rows:
        out.setdefault(rep_id, []).append(DealTally(industry, region, tier, deals, wins))
    return {rep_id: tuple(tallies) for rep_id, tallies in out.items()}
