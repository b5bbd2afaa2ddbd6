"""Reads of customers, always through the viewer's access filter.

The allocation table (客户分配表) is `customers_filtered(viewer, CustomerFilters)`: the
filters arrive as GET parameters and are parsed leniently (a bad value is ignored, never
an error), so a hand-edited or stale URL still shows a table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.expressions import OrderBy
from django.db.models.functions import Replace

from fenpei.allocation.models import Assignment
from fenpei.allocation.selectors import default_capacity
from fenpei.customers.models import Customer, Stage, Tier
from fenpei.teams.access import Viewer, customer_filter, reps_visible_to, teams_visible_to
from fenpei.teams.models import Rep, RepStatus, Team


def customers_visible_to(viewer: Viewer) -> QuerySet[Customer]:
    return Customer.objects.filter(customer_filter(viewer)).select_related("owner", "team")


def customer_get(viewer: Viewer, pk: int) -> Customer:
    """One customer the viewer may see; Customer.DoesNotExist (→ 404) otherwise."""
    return customers_visible_to(viewer).get(pk=pk)


# ------------------------------------------------------------------ table filters

#: sort key in the URL → model fields; the key is always the last tiebreak
SORT_FIELDS: dict[str, tuple[str, ...]] = {
    "key": ("key",),
    "name": ("name",),
    "priority": ("priority",),
    "value": ("potential_value",),
    "region": ("region", "city"),
    "owner": ("owner__name",),
    "updated": ("updated_at",),
}
DEFAULT_SORT = "-priority"
_TRUE = frozenset({"1", "on", "true", "yes"})
_PHONE_LIKE = re.compile(r"[\d\s\-+()]{3,}")
_INITIALS_LIKE = re.compile(r"[A-Za-z0-9]+")


def _int_or_none(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    number = int(value)
    return number if 0 < number < 2**63 else None


def _choice(value: str | None, allowed: Iterable[str]) -> str:
    value = (value or "").strip()
    return value if value in allowed else ""


@dataclass(frozen=True, slots=True)
class CustomerFilters:
    """The table's filters as parsed from GET parameters."""

    owner: int | None = None  # rep id
    pool: bool = False  # owner=pool: customers without an owner
    team: int | None = None
    region: str = ""  # province
    industry: str = ""
    tier: str = ""
    stage: str = ""
    unassigned: bool = False
    q: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CustomerFilters:
        owner = (params.get("owner") or "").strip()
        sort = (params.get("sort") or "").strip()
        return cls(
            owner=_int_or_none(owner),
            pool=owner == "pool",
            team=_int_or_none(params.get("team")),
            region=(params.get("region") or "").strip()[:20],
            industry=(params.get("industry") or "").strip()[:50],
            tier=_choice(params.get("tier"), Tier.values),
            stage=_choice(params.get("stage"), Stage.values),
            unassigned=(params.get("unassigned") or "").lower() in _TRUE,
            q=(params.get("q") or "").strip()[:100],
            sort=sort if sort.lstrip("-") in SORT_FIELDS else DEFAULT_SORT,
        )

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")


def _search(customers: QuerySet[Customer], q: str) -> QuerySet[Customer]:
    """One box for name, pinyin initials, phone, credit code and customer no."""
    match = Q(name__icontains=q) | Q(key__iexact=q) | Q(credit_code=q.upper())
    if _INITIALS_LIKE.fullmatch(q):
        match |= Q(initials__contains=q.lower())
    if _PHONE_LIKE.fullmatch(q):
        digits = re.sub(r"\D", "", q)
        if len(digits) >= 3:
            # Phones are stored as typed ("021-6234 5678"): compare digits only.
            bare: Any = F("phone")
            for sep in ("-", " ", "+", "(", ")"):
                bare = Replace(bare, Value(sep), Value(""))
            customers = customers.annotate(phone_digits=bare)
            match |= Q(phone_digits__contains=digits)
    return customers.filter(match)


def _ordering(filters: CustomerFilters) -> list[OrderBy | str]:
    ordering: list[OrderBy | str] = []
    for name in SORT_FIELDS[filters.sort_key]:
        expr = F(name)
        # Unowned rows last whichever way: the same on SQLite and PostgreSQL.
        ordering.append(
            expr.desc(nulls_last=True) if filters.descending else expr.asc(nulls_last=True)
        )
    if filters.sort_key != "key":
        ordering.append("key")
    return ordering


def customers_filtered(viewer: Viewer, filters: CustomerFilters) -> QuerySet[Customer]:
    """The allocation table: the viewer's customers, filtered, searched and sorted."""
    customers = customers_visible_to(viewer)
    if filters.owner is not None:
        customers = customers.filter(owner_id=filters.owner)
    if filters.pool or filters.unassigned:
        customers = customers.filter(owner__isnull=True)
    if filters.team is not None:
        customers = customers.filter(team_id=filters.team)
    if filters.region:
        customers = customers.filter(region=filters.region)
    if filters.industry:
        customers = customers.filter(industry=filters.industry)
    if filters.tier:
        customers = customers.filter(tier=filters.tier)
    if filters.stage:
        customers = customers.filter(stage=filters.stage)
    if filters.q:
        customers = _search(customers, filters.q)
    return customers.order_by(*_ordering(filters))


@dataclass(frozen=True, slots=True)
class TableChoices:
    """What the filter bar offers: only the viewer's own reps, teams and data."""

    reps: list[Rep]
    teams: list[Team]
    regions: list[str]
    industries: list[str]


def _distinct(customers: QuerySet[Customer], name: str) -> list[str]:
    values = customers.exclude(**{name: ""}).order_by(name).values_list(name, flat=True)
    return list(values.distinct())


def table_choices(viewer: Viewer) -> TableChoices:
    visible = Customer.objects.filter(customer_filter(viewer))
    return TableChoices(
        reps=list(reps_visible_to(viewer).order_by("key")),
        teams=list(teams_visible_to(viewer).order_by("name", "pk")),
        regions=_distinct(visible, "region"),
        industries=_distinct(visible, "industry"),
    )


# ------------------------------------------------------------------ reps and loads


@dataclass(frozen=True, slots=True)
class RepLoad:
    rep: Rep
    load: int  # customers owned now
    capacity: int

    @property
    def full(self) -> bool:
        return self.load >= self.capacity

    @property
    def percent(self) -> int:
        if self.capacity <= 0:
            return 100
        return min(round(100 * self.load / self.capacity), 100)


def reps_assignable(viewer: Viewer) -> list[RepLoad]:
    """Reps the viewer may give customers to (not departed), with load and capacity."""
    reps = (
        reps_visible_to(viewer)
        .exclude(status=RepStatus.DEPARTED)
        .annotate(n=Count("customers"))
        .order_by("team__name", "key")
    )
    fallback = default_capacity()
    return [RepLoad(r, r.n, r.capacity if r.capacity is not None else fallback) for r in reps]


# ------------------------------------------------------------------ own customers


def current_reasons(customer_ids: Iterable[int] | QuerySet[Any]) -> dict[int, list[Any]]:
    """Reasons of the current assignment of each customer that has one, in one query."""
    ids = customer_ids if isinstance(customer_ids, QuerySet) else list(customer_ids)
    rows = Assignment.objects.filter(ended_at__isnull=True, customer_id__in=ids).values_list(
        "customer_id", "reasons"
    )
    return {customer_id: reasons or [] for customer_id, reasons in rows}


@dataclass(frozen=True, slots=True)
class MyCustomers:
    rep: Rep
    customers: list[Customer]
    reasons: dict[int, list[Any]]  # customer id → structured reasons of its assignment
    tiers: dict[str, int] = field(default_factory=dict)
    load: RepLoad | None = None


def my_customers(viewer: Viewer) -> MyCustomers:
    """The viewer's own customers (as a rep); Rep.DoesNotExist (→ 404) without a rep record.

    Owning a customer is what makes it the viewer's: the same rows `customer_filter`
    grants a rep, and a manager who also sells sees the customers they own."""
    if viewer.rep_id is None:
        raise Rep.DoesNotExist
    rep = Rep.objects.select_related("team").get(pk=viewer.rep_id)
    owned = Customer.objects.filter(owner_id=rep.pk).select_related("team")
    customers = list(owned.order_by("-priority", "key"))
    tiers = {t: 0 for t in Tier.values}
    for c in customers:
        tiers[c.tier] = tiers.get(c.tier, 0) + 1
    capacity = rep.capacity if rep.capacity is not None else default_capacity()
    return MyCustomers(
        rep=rep,
        customers=customers,
        reasons=current_reasons([c.pk for c in customers]),
        tiers=tiers,
        load=RepLoad(rep, len(customers), capacity),
    )


# ------------------------------------------------------------------------ export


@dataclass(slots=True)
class ExportRows:
    """The table's rows as columns (plain lists), for the spreadsheet writer."""

    key: list[str] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    city: list[str] = field(default_factory=list)
    industry: list[str] = field(default_factory=list)
    potential_value: list[float] = field(default_factory=list)
    intent: list[int] = field(default_factory=list)
    priority: list[float] = field(default_factory=list)
    tier: list[str] = field(default_factory=list)
    owner: list[str] = field(default_factory=list)
    owner_key: list[str] = field(default_factory=list)
    team: list[str] = field(default_factory=list)
    stage: list[str] = field(default_factory=list)
    contact: list[str] = field(default_factory=list)
    phone: list[str] = field(default_factory=list)
    reasons: list[list[Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.key)


EXPORT_FIELDS = (
    "pk",
    "key",
    "name",
    "region",
    "city",
    "industry",
    "potential_value",
    "intent",
    "priority",
    "tier",
    "owner__name",
    "owner__key",
    "team__name",
    "stage",
    "contact",
    "phone",
)


def customer_export_rows(viewer: Viewer, filters: CustomerFilters) -> ExportRows:
    """Every row of the filtered table (all pages), in two queries whatever the size."""
    customers = customers_filtered(viewer, filters)
    reasons = current_reasons(customers.order_by().values("pk"))
    out = ExportRows()
    for row in customers.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000):
        pk, key, name, region, city, industry, value, intent, priority, tier = row[:10]
        owner, owner_key, team, stage, contact, phone = row[10:]
        out.key.append(key)
        out.name.append(name)
        out.region.append(region)
        out.city.append(city)
        out.industry.append(industry)
        out.potential_value.append(float(value if value is not None else Decimal(0)))
        out.intent.append(intent)
        out.priority.append(round(float(priority), 2))
        out.tier.append(tier)
        out.owner.append(owner or "")
        out.owner_key.append(owner_key or "")
        out.team.append(team or "")
        out.stage.append(stage)
        out.contact.append(contact)
        out.phone.append(phone)
        out.reasons.append(reasons.get(pk, []))
    return out
