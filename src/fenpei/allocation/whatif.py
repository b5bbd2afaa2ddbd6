"""What-if (模拟): a draft policy against the active one, on the database's customers.

Two comparisons, each computed under both policies with the engine itself:

* current data: the book a team run would take (customers owned by the teams' reps, the
  teams' pools and the unrouted pool; lost customers aside, locked ones stay) re-allocated
  from today's state, incumbents and existing loads counted as a run counts them;
* arrivals: the customers created in the last N months replayed in arrival order, each
  routed as real-time routing would have routed it (`fenpei.engine.whatif.replay_arrivals`).
  The book at the window's start is reconstructed as today's loads minus those arrivals
  that reps own today; reps are today's (departed ones aside), each unavailable on the
  days of their leave; customers are scored with today's data.

Nothing is written. Both run during the request, bounded: the current book is refused
above `MAX_CURRENT_CUSTOMERS` (the manager is asked to choose one team) and only the
latest `MAX_ARRIVALS` arrivals are replayed (the page says how many were left out).
Measured: the whole page for the admin on the 2,000-customer demo (1,905 in the book,
2,006 arrivals, both policies) in 0.3–1.5 s; the engine's part at 20,000 customers × 40
reps is 0.1 s per solve and 0.3 s per replay, so reading the rows dominates.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock
from decimal import Decimal

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fenpei.allocation.inputs import engine_customers, engine_reps, months_before
from fenpei.allocation.models import PolicyVersion
from fenpei.allocation.policy_services import policy_version_create
from fenpei.allocation.selectors import policy_current, rep_loads
from fenpei.customers.models import Customer, Stage
from fenpei.customers.selectors import customers_visible_to
from fenpei.engine import (
    Policy,
    PolicyError,
    allocate,
    build_problem,
    explain_unassigned,
    policy_from_toml,
)
from fenpei.engine.whatif import Comparison, Outcome, RepSide, compare, replay_arrivals
from fenpei.teams.access import Viewer, reps_visible_to, teams_visible_to
from fenpei.teams.models import Rep, RepStatus, Team

#: the current-data comparison is refused above this many customers (two exact solves
#: of that size take longer than a request should)
MAX_CURRENT_CUSTOMERS = 20_000
#: only the latest arrivals are replayed beyond this many
MAX_ARRIVALS = 10_000
MAX_MONTHS = 24
DEFAULT_MONTHS = 3
#: customers listed whose rep differs between the two policies
DIFFER_SHOWN = 100

REASON_LABELS = {
    "no_rep_in_region": gettext_lazy("no rep covers the region"),
    "rule_no_rep": gettext_lazy("a routing rule allows no rep who covers the region"),
    "all_unavailable": gettext_lazy("every rep covering it is unavailable or full"),
    "capacity_used": gettext_lazy("the eligible reps are full"),
    "not_worth_balance": gettext_lazy("the balance cost exceeds the customer's value"),
    "locked_owner_unavailable": gettext_lazy("locked, but its owner is unavailable or full"),
    "duplicate": gettext_lazy("same customer as another record"),
}


@dataclass(frozen=True, slots=True)
class LoadRow:
    key: str
    name: str
    team: str
    capacity: int  # under the active policy (its default capacity for reps with none)
    draft_capacity: int
    start: int | None  # arrivals: the reconstructed load at the window's start
    before: int  # today
    active: int
    draft: int


@dataclass(frozen=True, slots=True)
class DifferRow:
    customer_id: int
    key: str
    name: str
    today: str
    active: str
    draft: str


@dataclass(frozen=True, slots=True)
class WhatIf:
    kind: str  # "current" or "arrivals"
    comparison: Comparison
    loads: list[LoadRow]
    differ: list[DifferRow]  # the first DIFFER_SHOWN
    customers: int
    seconds: float
    since: date | None = None  # arrivals: the window's first day
    left_out: int = 0  # arrivals beyond MAX_ARRIVALS, not replayed


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


def draft_parse(text: str) -> Policy:
    """The draft as the engine's policy; ValidationError with the policy's message."""
    try:
        return policy_from_toml(text)
    except PolicyError as exc:
        raise ValidationError(str(exc), code="policy") from exc


def whatif_teams(viewer: Viewer, team_id: int | None) -> list[Team]:
    """The teams compared: the one chosen, else every team the viewer manages."""
    if not viewer.can_manage:
        raise PermissionDenied
    teams = teams_visible_to(viewer).order_by("name", "pk")
    if team_id is not None:
        teams = teams.filter(pk=team_id)
        if not teams.exists():
            raise ValidationError(_("No such team among yours."))
    return list(teams)


def _team_customers(viewer: Viewer, team_ids: Sequence[int]) -> QuerySet[Customer]:
    """What a team run takes (services._scope_customers, RunScope.TEAM), for several teams:
    their customers, their reps' and the unrouted pool."""
    return customers_visible_to(viewer).filter(
        Q(team_id__in=team_ids)
        | Q(owner__team_id__in=team_ids)
        | Q(owner__isnull=True, team__isnull=True)
    )


def _team_reps(viewer: Viewer, team_ids: Sequence[int]) -> list[Rep]:
    reps = reps_visible_to(viewer).exclude(status=RepStatus.DEPARTED)
    return list(reps.filter(team_id__in=team_ids).select_related("team").order_by("key"))


def _values_held(rep_ids: Sequence[int]) -> dict[int, float]:
    rows = (
        Customer.objects.filter(owner_id__in=list(rep_ids))
        .values("owner_id")
        .annotate(v=Sum("potential_value"))
    )
    return {row["owner_id"]: float(row["v"] or Decimal(0)) for row in rows}


def _owner_index(customers: Sequence[Customer], reps: Sequence[Rep]) -> np.ndarray:
    index = {r.pk: j for j, r in enumerate(reps)}
    return np.array([index.get(c.owner_id or 0, -1) for c in customers], dtype=np.int32)


def _load_rows(
    reps: Sequence[Rep],
    capacity: tuple[Sequence[int], Sequence[int]],
    cmp: Comparison,
    start: Sequence[int] | None,
) -> list[LoadRow]:
    return [
        LoadRow(
            key=r.key,
            name=r.name,
            team=r.team.name if r.team is not None else "",
            capacity=int(capacity[0][j]),
            draft_capacity=int(capacity[1][j]),
            start=int(start[j]) if start is not None else None,
            before=cmp.before.loads[j],
            active=cmp.active.loads[j],
            draft=cmp.draft.loads[j],
        )
        for j, r in enumerate(reps)
    ]


def _differ_rows(
    customers: Sequence[Customer],
    reps: Sequence[Rep],
    cmp: Comparison,
    active: Outcome,
    draft: Outcome,
) -> list[DifferRow]:
    pool = _("pool")
    names = {r.pk: r.name for r in reps}

    def rep_name(j: int) -> str:
        return reps[j].name if j >= 0 else pool

    rows = []
    for i in cmp.differ[:DIFFER_SHOWN]:
        c = customers[i]
        today = names.get(c.owner_id or 0, pool) if c.owner_id else pool
        rows.append(
            DifferRow(
                c.pk,
                c.key,
                c.name,
                today,
                rep_name(int(active.rep[i])),
                rep_name(int(draft.rep[i])),
            )
        )
    return rows


# ------------------------------------------------------------------ current data


def whatif_current(viewer: Viewer, draft: Policy, team_id: int | None = None) -> WhatIf:
    """Re-allocate the teams' current book under the active policy and under the draft."""
    started = time.monotonic()
    team_ids = [t.pk for t in whatif_teams(viewer, team_id)]
    book = _team_customers(viewer, team_ids).exclude(stage=Stage.LOST)
    size = book.count()
    if size > MAX_CURRENT_CUSTOMERS:
        raise ValidationError(
            _(
                "%(count)s customers are too many to compare during a request (at most "
                "%(max)s): choose one team."
            )
            % {"count": size, "max": MAX_CURRENT_CUSTOMERS}
        )
    customers = list(book.order_by("pk"))
    reps = _team_reps(viewer, team_ids)
    today = timezone.localdate()
    loads_now = rep_loads([r.pk for r in reps])
    values_now = _values_held([r.pk for r in reps])
    rep_index = {r.pk: j for j, r in enumerate(reps)}
    in_book: dict[int, int] = {}
    in_book_value: dict[int, float] = {}
    for c in customers:
        if c.owner_id in rep_index:
            in_book[c.owner_id] = in_book.get(c.owner_id, 0) + 1
            in_book_value[c.owner_id] = in_book_value.get(c.owner_id, 0.0) + float(
                c.potential_value
            )
    existing = {r.pk: loads_now.get(r.pk, 0) - in_book.get(r.pk, 0) for r in reps}
    table = engine_customers(customers, {r.pk: r.key for r in reps})

    def outcome(policy: Policy) -> tuple[Outcome, list[int]]:
        # per policy: a draft that turns the performance term on needs the track records
        engine_rep_list = engine_reps(reps, existing, today, policy=policy)
        problem, allocation = allocate(table, engine_rep_list, policy, as_of=today)
        codes = [
            ""
            if int(allocation.rep[i]) >= 0
            else explain_unassigned(problem, allocation, i)["code"]
            for i in range(len(customers))
        ]
        result = Outcome(allocation.rep, allocation.tier, tuple(codes), allocation.objective)
        return result, [int(x) for x in allocation.capacity]

    active, capacity = outcome(policy_current())
    drafted, draft_capacity = outcome(draft)
    sides = [
        RepSide(
            key=r.key,
            name=r.name,
            level=int(r.level),
            capacity=int(capacity[j]),
            base_load=existing[r.pk],
            base_value=values_now.get(r.pk, 0.0) - in_book_value.get(r.pk, 0.0),
            available=1.0 if r.available_on(today) else 0.0,
        )
        for j, r in enumerate(reps)
    ]
    return _whatif(
        "current",
        _Sides(customers, reps, sides, table.potential_value),
        (active, drafted),
        (capacity, draft_capacity),
        started=started,
    )


# ------------------------------------------------------------------ arrivals replay


def whatif_arrivals(
    viewer: Viewer, draft: Policy, team_id: int | None = None, months: int = DEFAULT_MONTHS
) -> WhatIf:
    """Replay the teams' arrivals of the last `months` months under both policies."""
    started = time.monotonic()
    months = min(max(int(months), 1), MAX_MONTHS)
    team_ids = [t.pk for t in whatif_teams(viewer, team_id)]
    today = timezone.localdate()
    since = months_before(today, months)
    since_at = timezone.make_aware(datetime.combine(since, clock.min))
    window = _team_customers(viewer, team_ids).filter(created_at__gte=since_at)
    total = window.count()
    latest = window.order_by("-created_at", "-pk")[:MAX_ARRIVALS]
    customers = sorted(latest, key=lambda c: (c.created_at, c.pk))
    reps = _team_reps(viewer, team_ids)
    loads_now = rep_loads([r.pk for r in reps])
    values_now = _values_held([r.pk for r in reps])
    rep_index = {r.pk: j for j, r in enumerate(reps)}
    arrived = np.zeros(len(reps), dtype=np.int64)
    arrived_value = np.zeros(len(reps), dtype=np.float64)
    for c in customers:
        j = rep_index.get(c.owner_id or 0)
        if j is not None:
            arrived[j] += 1
            arrived_value[j] += float(c.potential_value)
    start = [max(loads_now.get(r.pk, 0) - int(arrived[j]), 0) for j, r in enumerate(reps)]
    for c in customers:  # as they arrived: nobody's yet, nothing locked
        c.locked = False
    table = engine_customers(customers, {})
    start_of = dict(zip([r.pk for r in reps], start, strict=True))
    available = _availability(reps, [timezone.localtime(c.created_at).date() for c in customers])

    def outcome(policy: Policy) -> tuple[Outcome, list[int]]:
        # everyone active in the problem: leave is applied per arrival day by `available`
        engine_rep_list = [
            dataclasses.replace(r, active=True)
            for r in engine_reps(reps, start_of, today, policy=policy)
        ]
        problem = build_problem(table, engine_rep_list, policy, as_of=today)
        return replay_arrivals(problem, available), [int(x) for x in problem.capacity]

    active, capacity = outcome(policy_current())
    drafted, draft_capacity = outcome(draft)
    days = (today - since).days + 1
    sides = [
        RepSide(
            key=r.key,
            name=r.name,
            level=int(r.level),
            capacity=int(capacity[j]),
            base_load=start[j],
            base_value=max(values_now.get(r.pk, 0.0) - float(arrived_value[j]), 0.0),
            available=_available_share(r, since, days),
        )
        for j, r in enumerate(reps)
    ]
    return _whatif(
        "arrivals",
        _Sides(customers, reps, sides, table.potential_value),
        (active, drafted),
        (capacity, draft_capacity),
        started=started,
        start=start,
        since=since,
        left_out=total - len(customers),
    )


@dataclass(frozen=True, slots=True)
class _Sides:
    """What both comparisons compare: the customers, the reps and their starting books."""

    customers: list[Customer]
    reps: list[Rep]
    sides: list[RepSide]
    value: np.ndarray


def _whatif(
    kind: str,
    what: _Sides,
    outcomes: tuple[Outcome, Outcome],
    capacities: tuple[list[int], list[int]],
    *,
    started: float,
    start: list[int] | None = None,
    since: date | None = None,
    left_out: int = 0,
) -> WhatIf:
    """The active and the draft outcome side by side, as the page shows them."""
    active, drafted = outcomes
    cmp = compare(
        owner=_owner_index(what.customers, what.reps),
        before_tier=active.tier,
        active=active,
        draft=drafted,
        value=what.value,
        reps=what.sides,
    )
    return WhatIf(
        kind=kind,
        comparison=cmp,
        loads=_load_rows(what.reps, capacities, cmp, start),
        differ=_differ_rows(what.customers, what.reps, cmp, active, drafted),
        customers=len(what.customers),
        seconds=round(time.monotonic() - started, 2),
        since=since,
        left_out=left_out,
    )


def _availability(reps: Sequence[Rep], days: Sequence[date]) -> np.ndarray:
    """available[i, r]: rep r could take customers on the day customer i arrived."""
    out = np.ones((len(days), len(reps)), dtype=np.bool_)
    if not any(r.status != RepStatus.ACTIVE for r in reps):
        return out
    memo: dict[date, np.ndarray] = {}
    for i, day in enumerate(days):
        if day not in memo:
            memo[day] = np.array([r.available_on(day) for r in reps], dtype=np.bool_)
        out[i] = memo[day]
    return out


def _available_share(rep: Rep, since: date, days: int) -> float:
    """Share of the window's days the rep could take customers (fairness pro-rating)."""
    if rep.status == RepStatus.ACTIVE:
        return 1.0
    on = sum(1 for k in range(days) if rep.available_on(date.fromordinal(since.toordinal() + k)))
    return on / days if days > 0 else 0.0


# ------------------------------------------------------------------ activating the draft


def whatif_activate(viewer: Viewer, toml_text: str, note: str = "") -> PolicyVersion:
    """Save the draft as the new active policy, through the policy service (a new version,
    audited; ValidationError when it is invalid or equal to the active one)."""
    return policy_version_create(viewer, toml_text, note or _("activated from what-if"))
