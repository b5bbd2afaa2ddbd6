"""The dashboards' figures: read-only, aggregated in the database, one query per metric.

Every figure is computed for the reps in a `Scope` (what the viewer may see, narrowed by
the team and rep filters) over a `Period` of local dates. "Held" figures (load, value,
tier mix, coverage, stale) describe each rep's book *at the end of the period*, read from
the ownership history (`Assignment`), so last month's dashboard shows last month's books
and this month's shows today's. Flows (speed, deals) count what happened in the period.

Queries group by rep (or day, industry, region) in the database; Python only ever loops
over those groups, except for speed's median and 90th percentile, which SQLite cannot
compute: there the database returns one row per assignment started in the period (not
per customer), already paired with its first follow-up by an index-backed subquery.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone

from fenpei.allocation.models import Assignment
from fenpei.allocation.selectors import policy_current
from fenpei.customers.models import Customer, Tier
from fenpei.dashboards.periods import Period
from fenpei.engine.fairness import Fairness, available_share, fairness, prorated
from fenpei.followups.models import Deal, DealResult, FollowUp
from fenpei.teams.access import Viewer, reps_visible_to
from fenpei.teams.models import Level, Rep, RepStatus

#: follow-up coverage looks back this many days from the end of the period
COVERAGE_DAYS = 30
#: stale when the policy's no-follow-up reclaim rule is off
STALE_DAYS_DEFAULT = 30
LEVELS: tuple[int, ...] = (Level.JUNIOR, Level.MID, Level.SENIOR)


# ------------------------------------------------------------------------- scope


@dataclass(frozen=True, slots=True)
class RepLine:
    """A rep as the dashboards show and pro-rate them."""

    id: int
    key: str
    name: str
    team_id: int | None
    team: str
    level: int
    capacity: int
    departed: bool
    joined: date
    left: date | None
    leave_from: date | None
    leave_until: date | None

    def available(self, period: Period) -> float:
        """Share of the period's days this rep could work (joined, left, leave)."""
        return available_share(
            period.start,
            period.end,
            joined=self.joined,
            left=self.left,
            leave_from=self.leave_from,
            leave_until=self.leave_until,
        )


@dataclass(frozen=True, slots=True)
class Scope:
    reps: tuple[RepLine, ...]
    #: the customers whose pool is charted (the rep filter does not narrow a pool)
    pool: Q

    @property
    def rep_ids(self) -> list[int]:
        return [r.id for r in self.reps]


def _local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


def _rep_line(
    rep: Rep, first_owned: datetime | None, default_capacity: int, period: Period
) -> RepLine:
    departed = rep.status == RepStatus.DEPARTED
    leave_from, leave_until = rep.leave_from, rep.leave_until
    if rep.status == RepStatus.ON_LEAVE and leave_from is None and leave_until is None:
        # On leave with no dates: away for now (as Rep.available_on reads it).
        leave_from = period.start
    return RepLine(
        id=rep.pk,
        key=rep.key,
        name=rep.name,
        team_id=rep.team_id,
        team=rep.team.name if rep.team is not None else "",
        level=rep.level,
        capacity=rep.capacity_or(default_capacity),
        departed=departed,
        # A rep's record may be younger than their work (reps imported with their books'
        # history): they joined by the time they first held a customer.
        joined=_local_day(
            rep.created_at if first_owned is None else min(rep.created_at, first_owned)
        ),
        # A departed rep's status change is the last edit of their record that matters;
        # there is no separate departure date.
        left=_local_day(rep.updated_at) if departed else None,
        leave_from=leave_from,
        leave_until=leave_until,
    )


def dashboard_scope(
    viewer: Viewer, period: Period, *, team_id: int | None = None, rep_id: int | None = None
) -> Scope:
    """The reps and pool a viewer's dashboard covers: an admin all, a manager their teams,
    a rep only themselves; narrowed by the team and rep filters (ids outside the viewer's
    reach narrow to nothing). Reps who left before the period are left out."""
    reps = reps_visible_to(viewer).order_by("team__name", "key")
    if team_id is not None:
        reps = reps.filter(team_id=team_id)
    if rep_id is not None:
        reps = reps.filter(pk=rep_id)
    first_owned = (
        Assignment.objects.filter(rep_id=OuterRef("pk"))
        .order_by("started_at")
        .values("started_at")[:1]
    )
    reps = reps.annotate(first_owned=Subquery(first_owned, output_field=DateTimeField()))
    default = policy_current().default_capacity
    lines = [_rep_line(r, r.first_owned, default, period) for r in reps]
    lines = [r for r in lines if r.left is None or r.left >= period.start]
    return Scope(tuple(lines), _pool_scope(viewer, team_id))


def _pool_scope(viewer: Viewer, team_id: int | None) -> Q:
    """The pool a viewer's chart counts: a team's pool when one is picked; else an admin's
    whole company, a manager's teams' pools and the unrouted one, a rep's pool by the
    policy's scope (as `teams.access.customer_filter` reads it)."""
    if not (viewer.is_admin or viewer.can_manage or viewer.rep_id is not None):
        return Q(pk__in=[])
    if team_id is not None:
        if not viewer.is_admin and team_id not in viewer.team_ids:
            return Q(pk__in=[])
        return Q(team_id=team_id)
    if viewer.is_admin or (viewer.is_rep and viewer.pool_scope == "company"):
        return Q()
    return Q(team__isnull=True) | Q(team_id__in=viewer.team_ids)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def period_end_moment(period: Period, now: datetime) -> datetime:
    """The moment "at the end of the period": the next midnight, or now if sooner."""
    return min(_day_start(period.end + timedelta(days=1)), now)


# ------------------------------------------------------------------------- books


@dataclass(frozen=True, slots=True)
class _Book:
    load: int = 0
    value: Decimal = Decimal(0)
    tiers: tuple[int, int, int] = (0, 0, 0)  # A, B, C
    covered: int = 0
    stale: int = 0


def _books(rep_ids: Sequence[int], at: datetime, stale_days: int) -> dict[int, _Book]:
    """Each rep's book at the moment `at` from the ownership history, in one GROUP BY:
    customers held, potential value, tiers, how many had a follow-up (by anyone) in the
    COVERAGE_DAYS before, and how many were stale: held for `stale_days` or more with no
    follow-up in those days (the reclaim rule's count, from the later of the two)."""
    if not rep_ids:
        return {}
    held = Q(started_at__lte=at) & (Q(ended_at__isnull=True) | Q(ended_at__gt=at))
    recent = FollowUp.objects.filter(
        customer_id=OuterRef("customer_id"),
        contact_at__gt=at - timedelta(days=COVERAGE_DAYS),
        contact_at__lte=at,
    )
    lately = FollowUp.objects.filter(
        customer_id=OuterRef("customer_id"),
        contact_at__gt=at - timedelta(days=stale_days),
        contact_at__lte=at,
    )
    stale_since = at - timedelta(days=stale_days)
    rows = (
        Assignment.objects.filter(held, rep_id__in=rep_ids)
        .annotate(recent=Exists(recent), lately=Exists(lately))
        .values("rep_id")
        .annotate(
            load=Count("pk"),
            value=Sum("customer__potential_value"),
            a=Count("pk", filter=Q(customer__tier=Tier.A)),
            b=Count("pk", filter=Q(customer__tier=Tier.B)),
            c=Count("pk", filter=Q(customer__tier=Tier.C)),
            covered=Count("pk", filter=Q(recent=True)),
            stale=Count("pk", filter=Q(lately=False, started_at__lte=stale_since)),
        )
        .order_by()
    )
    return {
        row["rep_id"]: _Book(
            load=row["load"],
            value=Decimal(row["value"] or 0),
            tiers=(row["a"], row["b"], row["c"]),
            covered=row["covered"],
            stale=row["stale"],
        )
        for row in rows
    }


# ------------------------------------------------------------------------- metrics


@dataclass(frozen=True, slots=True)
class LoadRow:
    rep: RepLine
    load: int
    capacity: int

    @property
    def share(self) -> float | None:
        """Load as a share of capacity (None when capacity is 0)."""
        return self.load / self.capacity if self.capacity else None


@dataclass(frozen=True, slots=True)
class TeamLoadRow:
    team_id: int | None
    team: str
    reps: int
    load: int
    capacity: int  # of the reps still with the company

    @property
    def share(self) -> float | None:
        return self.load / self.capacity if self.capacity else None


@dataclass(frozen=True, slots=True)
class LoadCapacity:
    reps: tuple[LoadRow, ...]
    teams: tuple[TeamLoadRow, ...]

    @property
    def load(self) -> int:
        return sum(r.load for r in self.reps)

    @property
    def capacity(self) -> int:
        return sum(t.capacity for t in self.teams)


@dataclass(frozen=True, slots=True)
class ValueRow:
    rep: RepLine
    customers: int
    value: Decimal


@dataclass(frozen=True, slots=True)
class ValueHeld:
    rows: tuple[ValueRow, ...]

    @property
    def total(self) -> Decimal:
        return sum((r.value for r in self.rows), Decimal(0))


@dataclass(frozen=True, slots=True)
class TierMixRow:
    level: int
    reps: int
    a: int
    b: int
    c: int

    @property
    def total(self) -> int:
        return self.a + self.b + self.c


@dataclass(frozen=True, slots=True)
class TierMix:
    rows: tuple[TierMixRow, ...]  # junior, mid, senior

    @property
    def tier_a(self) -> int:
        return sum(r.a for r in self.rows)

    @property
    def tier_a_senior(self) -> int:
        return sum(r.a for r in self.rows if r.level == Level.SENIOR)

    @property
    def senior_share_of_a(self) -> float | None:
        """Share of tier-A customers held by senior reps (None with no tier A)."""
        return self.tier_a_senior / self.tier_a if self.tier_a else None


@dataclass(frozen=True, slots=True)
class FairnessRow:
    rep: RepLine
    available: float  # share of the period's days
    load: int
    value: Decimal

    @property
    def load_prorated(self) -> float | None:
        return self.load / self.available if self.available > 0 else None

    @property
    def value_prorated(self) -> float | None:
        return float(self.value) / self.available if self.available > 0 else None


@dataclass(frozen=True, slots=True)
class FairnessFigures:
    rows: tuple[FairnessRow, ...]
    figures: Fairness

    def lorenz(self, which: str) -> list[tuple[float, float]]:
        """Lorenz curve of the pro-rated load ("load") or value ("value"): points (share
        of reps, share of the total), smallest first, from (0, 0) to (1, 1)."""
        values = prorated(
            [float(r.load if which == "load" else r.value) for r in self.rows],
            [r.available for r in self.rows],
        )
        return lorenz_points(values)


def lorenz_points(values: Sequence[float]) -> list[tuple[float, float]]:
    xs = sorted(values)
    total = sum(xs)
    points = [(0.0, 0.0)]
    running = 0.0
    for i, x in enumerate(xs, start=1):
        running += x
        points.append((i / len(xs), running / total if total > 0 else i / len(xs)))
    return points


@dataclass(frozen=True, slots=True)
class SpeedRow:
    rep: RepLine
    started: int  # assignments started in the period
    followed: int  # of them, followed up by the rep (any time after the start)
    median_hours: float | None
    p90_hours: float | None

    @property
    def waiting(self) -> int:
        return self.started - self.followed


@dataclass(frozen=True, slots=True)
class Speed:
    rows: tuple[SpeedRow, ...]
    started: int
    followed: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True, slots=True)
class CoverageRow:
    rep: RepLine
    held: int
    covered: int

    @property
    def share(self) -> float | None:
        return self.covered / self.held if self.held else None


@dataclass(frozen=True, slots=True)
class Coverage:
    rows: tuple[CoverageRow, ...]
    days: int

    @property
    def held(self) -> int:
        return sum(r.held for r in self.rows)

    @property
    def covered(self) -> int:
        return sum(r.covered for r in self.rows)

    @property
    def share(self) -> float | None:
        return self.covered / self.held if self.held else None


@dataclass(frozen=True, slots=True)
class ConversionRow:
    label: str  # rep name, industry or region ("" = not given)
    rep_id: int | None
    won: int
    lost: int
    won_amount: Decimal

    @property
    def rate(self) -> float | None:
        """won / (won + lost); None with no closed deal."""
        closed = self.won + self.lost
        return self.won / closed if closed else None


@dataclass(frozen=True, slots=True)
class Conversion:
    by_rep: tuple[ConversionRow, ...]
    by_industry: tuple[ConversionRow, ...]
    by_region: tuple[ConversionRow, ...]

    @property
    def total(self) -> ConversionRow:
        return ConversionRow(
            "",
            None,
            sum(r.won for r in self.by_rep),
            sum(r.lost for r in self.by_rep),
            sum((r.won_amount for r in self.by_rep), Decimal(0)),
        )


@dataclass(frozen=True, slots=True)
class StaleRow:
    rep: RepLine
    held: int
    stale: int


@dataclass(frozen=True, slots=True)
class Stale:
    rows: tuple[StaleRow, ...]
    days: int

    @property
    def stale(self) -> int:
        return sum(r.stale for r in self.rows)


@dataclass(frozen=True, slots=True)
class PoolPoint:
    day: date
    size: int


@dataclass(frozen=True, slots=True)
class PoolSeries:
    points: tuple[PoolPoint, ...]


@dataclass(frozen=True, slots=True)
class Dashboard:
    period: Period
    at: datetime  # the moment "held" figures describe
    scope: Scope
    load: LoadCapacity
    value: ValueHeld
    tiers: TierMix
    fairness: FairnessFigures
    speed: Speed
    coverage: Coverage
    conversion: Conversion
    stale: Stale
    pool: PoolSeries


def stale_days_of_policy() -> int:
    """The pool policy's no-follow-up reclaim days, or STALE_DAYS_DEFAULT when it is off."""
    days = policy_current().pool.reclaim_no_followup_days
    return days if days > 0 else STALE_DAYS_DEFAULT


def dashboard_figures(scope: Scope, period: Period, *, now: datetime | None = None) -> Dashboard:
    """Every figure of the dashboard for the scope and period."""
    now = now or timezone.now()
    at = period_end_moment(period, now)
    stale_days = stale_days_of_policy()
    books = _books(scope.rep_ids, at, stale_days)
    empty = _Book()
    held = [(r, books.get(r.id, empty)) for r in scope.reps]
    return Dashboard(
        period=period,
        at=at,
        scope=scope,
        load=_load(held),
        value=ValueHeld(tuple(ValueRow(r, b.load, b.value) for r, b in held)),
        tiers=_tier_mix(held),
        fairness=_fairness(held, period),
        speed=speed_of(scope, period, now),
        coverage=Coverage(tuple(CoverageRow(r, b.load, b.covered) for r, b in held), COVERAGE_DAYS),
        conversion=conversion_of(scope, period),
        stale=Stale(tuple(StaleRow(r, b.load, b.stale) for r, b in held), stale_days),
        pool=pool_series(scope, period, now),
    )


def _load(held: Sequence[tuple[RepLine, _Book]]) -> LoadCapacity:
    rows = tuple(LoadRow(r, b.load, r.capacity) for r, b in held)
    teams: dict[int | None, list[LoadRow]] = defaultdict(list)
    for row in rows:
        teams[row.rep.team_id].append(row)
    team_rows = tuple(
        TeamLoadRow(
            team_id,
            group[0].rep.team,
            len(group),
            sum(r.load for r in group),
            sum(r.capacity for r in group if not r.rep.departed),
        )
        for team_id, group in teams.items()
    )
    return LoadCapacity(rows, team_rows)


def _tier_mix(held: Sequence[tuple[RepLine, _Book]]) -> TierMix:
    counts = {level: [0, 0, 0, 0] for level in LEVELS}  # reps, A, B, C
    for rep, book in held:
        row = counts.setdefault(rep.level, [0, 0, 0, 0])
        row[0] += 1
        for k in range(3):
            row[k + 1] += book.tiers[k]
    return TierMix(tuple(TierMixRow(level, *row) for level, row in sorted(counts.items())))


def _fairness(held: Sequence[tuple[RepLine, _Book]], period: Period) -> FairnessFigures:
    rows = tuple(FairnessRow(r, r.available(period), b.load, b.value) for r, b in held)
    figures = fairness(
        [float(r.load) for r in rows], [float(r.value) for r in rows], [r.available for r in rows]
    )
    return FairnessFigures(rows, figures)


# ------------------------------------------------------------------------- speed


def quantile(sorted_values: Sequence[float], q: float) -> float | None:
    """The q-quantile of sorted values by linear interpolation between the two nearest
    ranks (PostgreSQL's percentile_cont, numpy's default); None for no values."""
    n = len(sorted_values)
    if n == 0:
        return None
    pos = (n - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def speed_of(scope: Scope, period: Period, now: datetime) -> Speed:
    """Hours from each assignment started in the period to the owner's first follow-up
    during it (a follow-up after the customer moved on does not count): median and 90th
    percentile per rep and overall. Assignments not yet followed up are counted apart."""
    since = _day_start(period.start)
    until = period_end_moment(period, now)
    never = timezone.make_aware(datetime(9999, 1, 1))
    first = (
        FollowUp.objects.filter(
            customer_id=OuterRef("customer_id"),
            rep_id=OuterRef("rep_id"),
            contact_at__gte=OuterRef("started_at"),
            contact_at__lt=Coalesce(
                OuterRef("ended_at"), Value(never, output_field=DateTimeField())
            ),
        )
        .order_by("contact_at")
        .values("contact_at")[:1]
    )
    rows = (
        Assignment.objects.filter(
            rep_id__in=scope.rep_ids, started_at__gte=since, started_at__lt=until
        )
        .annotate(first=Subquery(first, output_field=DateTimeField()))
        .values_list("rep_id", "started_at", "first")
        .order_by()
    )
    started: dict[int, int] = defaultdict(int)
    hours: dict[int, list[float]] = defaultdict(list)
    for rep_id, start, contact in rows.iterator(chunk_size=5000):
        started[rep_id] += 1
        if contact is not None:
            hours[rep_id].append((contact - start).total_seconds() / 3600)
    lines = []
    for rep in scope.reps:
        xs = sorted(hours[rep.id])
        lines.append(SpeedRow(rep, started[rep.id], len(xs), quantile(xs, 0.5), quantile(xs, 0.9)))
    everyone = sorted(h for xs in hours.values() for h in xs)
    return Speed(
        tuple(lines),
        sum(started.values()),
        len(everyone),
        quantile(everyone, 0.5),
        quantile(everyone, 0.9),
    )


# ------------------------------------------------------------------------- deals


def _conversion_rows(
    deals: QuerySet[Deal], key: str, names: dict[int, str] | None = None
) -> list[ConversionRow]:
    """Won, lost and amount won per value of `key` (rep ids, labelled from `names`)."""
    grouped = deals.values(key).annotate(
        won=Count("pk", filter=Q(result=DealResult.WON)),
        lost=Count("pk", filter=Q(result=DealResult.LOST)),
        won_amount=Sum("amount", filter=Q(result=DealResult.WON)),
    )
    rows = []
    for row in grouped:
        group = row[key]
        label, rep_id = (names.get(group, ""), group) if names is not None else (group or "", None)
        amount = Decimal(row["won_amount"] or 0)
        rows.append(ConversionRow(label, rep_id, row["won"], row["lost"], amount))
    return sorted(rows, key=lambda r: (-r.won_amount, -r.won, r.label))


def conversion_of(scope: Scope, period: Period) -> Conversion:
    """Deals closed in the period by the scope's reps (`Deal.rep`, who closed it): won,
    lost, conversion and amount won, by rep and by the customer's industry and region."""
    deals = Deal.objects.filter(
        rep_id__in=scope.rep_ids, closed_on__gte=period.start, closed_on__lte=period.end
    ).order_by()
    by_rep = _conversion_rows(deals, "rep_id", {r.id: r.name for r in scope.reps})
    # Reps with no deal are shown too: "no deal closed" is a figure.
    seen = {r.rep_id for r in by_rep}
    by_rep += [
        ConversionRow(r.name, r.id, 0, 0, Decimal(0)) for r in scope.reps if r.id not in seen
    ]
    return Conversion(
        tuple(by_rep),
        tuple(_conversion_rows(deals, "customer__industry")),
        tuple(_conversion_rows(deals, "customer__region")),
    )


# ------------------------------------------------------------------------- pool


def pool_series(scope: Scope, period: Period, now: datetime) -> PoolSeries:
    """The pool's size at the end of each day of the period (now, for today).

    Reconstructed backwards from today's pool, which is known exactly (customers with no
    owner). For one customer, "in the pool" = "exists and has no current assignment", so
    between the end of day d and now its pool count changes by: +1 if it was created
    since, −1 per assignment started since, +1 per assignment ended since. Summed:

        pool(d) = pool(now) − created(after d) + started(after d) − ended(after d)

    The history holds every owner change (claims, runs, manual moves, returns and
    reclaims all start or end an assignment; `PoolEvent` adds only why), so this is exact
    for the customers in scope today. A customer "arrives" at the earlier of its
    creation and its first assignment: a record created after its owner history began (a
    workbook re-imported with its past) did exist before, and must not count as −1.
    Counted by the customers' current team: a customer that moved between team pools is
    counted in its present team's history. All four counts come from one UNION ALL
    query, grouped by local day.
    """
    since = _day_start(period.start)
    customers = Customer.objects.filter(scope.pool).order_by()
    assignments = Assignment.objects.order_by()
    if scope.pool:  # an admin's whole company needs no filter
        assignments = assignments.filter(
            customer__in=Customer.objects.filter(scope.pool).values("pk")
        )

    def by_day(rows: QuerySet[Any], field: str, effect: int) -> QuerySet[Any]:
        """(day, effect on the pool, count) of the rows, by the local day of `field`."""
        grouped: QuerySet[Any] = (
            rows.annotate(day=TruncDate(field), sign=Value(effect, output_field=IntegerField()))
            .values("day", "sign")
            .annotate(n=Count("pk"))
            .values_list("day", "sign", "n")
        )
        return grouped

    now_pool = (
        customers.filter(owner__isnull=True)
        .annotate(
            day=Value(None, output_field=DateField()),
            sign=Value(0, output_field=IntegerField()),
        )
        .values("day", "sign")
        .annotate(n=Count("pk"))
        .values_list("day", "sign", "n")
    )
    first_owned = (
        Assignment.objects.filter(customer_id=OuterRef("pk"))
        .order_by("started_at")
        .values("started_at")[:1]
    )
    arrived = customers.filter(created_at__gte=since).annotate(
        arrived_at=Least(
            "created_at",
            Coalesce(Subquery(first_owned, output_field=DateTimeField()), "created_at"),
        )
    )
    # Days before the period are never read (see _backwards): the filters only spare
    # rows. An arrival is filtered on its creation, which is never earlier, so that
    # the subquery runs once per row.
    parts = [
        by_day(arrived, "arrived_at", 1),
        by_day(assignments.filter(started_at__gte=since), "started_at", -1),
        by_day(assignments.filter(ended_at__gte=since), "ended_at", 1),
    ]
    size = 0  # the pool now
    change: dict[date, int] = defaultdict(int)  # what each day added to the pool
    for day, effect, n in now_pool.union(*parts, all=True):
        if effect == 0:
            size += n
        else:
            change[day] += effect * n
    return PoolSeries(tuple(_backwards(size, change, period)))


def _backwards(size: int, change: dict[date, int], period: Period) -> list[PoolPoint]:
    """Sizes at the end of each day of the period, from `size` now and what each later
    day changed."""
    after = sum(n for day, n in change.items() if day > period.end)
    size -= after
    points = []
    day = period.end
    while day >= period.start:
        points.append(PoolPoint(day, size))
        size -= change.get(day, 0)
        day -= timedelta(days=1)
    return points[::-1]
