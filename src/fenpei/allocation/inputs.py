"""Database rows → engine input. The one place that knows both shapes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from fenpei.customers.models import Customer
from fenpei.engine import CustomerTable, Level
from fenpei.engine import Rep as EngineRep
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
    reps: Iterable[Rep], existing_load: Mapping[int, int], day: date
) -> list[EngineRep]:
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
        )
        for r in reps
    ]
