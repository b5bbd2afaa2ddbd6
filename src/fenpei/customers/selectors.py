"""Reads of customers, always through the viewer's access filter.

The allocation table (客户分配表) is `customers_filtered(viewer, CustomerFilters)`: the
filters arrive as GET parameters and are parsed leniently (a bad value is ignored, never
an error), so a hand-edited or stale URL still shows a table.

Every read here is shaped for a table of a million customers on PostgreSQL (issue 5;
benchmarks/table_page.py): sorts and searches that an index answers and stop after a
page, filter choices by index probes, rep loads only on demand. Counting and paging are
in customers/paging.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, F, Func, Q, QuerySet, TextField, Value
from django.db.models.expressions import OrderBy, RawSQL
from django.db.models.functions import Replace, Upper

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
    # isdigit() alone takes "²", which int() refuses
    if value is None or not (value.strip().isdigit() and value.isascii()):
        return None
    number = int(value)
    return number if 0 < number < 2**63 else None


def _text(value: str | None, limit: int) -> str:
    """A free-text filter. Without NUL characters: PostgreSQL refuses them in a query
    (a DataError, a 500) and no name contains one."""
    return (value or "").replace("\x00", "").strip()[:limit]


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
            region=_text(params.get("region"), 20),
            industry=_text(params.get("industry"), 50),
            tier=_choice(params.get("tier"), Tier.values),
            stage=_choice(params.get("stage"), Stage.values),
            unassigned=(params.get("unassigned") or "").lower() in _TRUE,
            q=_text(params.get("q"), 100),
            sort=sort if sort.lstrip("-") in SORT_FIELDS else DEFAULT_SORT,
        )

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")


class Bigrams(Func):
    """`fenpei_bigrams(text)`: every two-character piece of a text (PostgreSQL only; the
    function and its GIN indexes on names and initials come with migration 0004).

    Chinese names are searched by their 2-character 字号 (华通), and pg_trgm finds no
    trigram in a 2-character pattern, so its index cannot help there; bigrams can. A name
    containing the search text contains all of the text's bigrams, so `@>` on them is a
    safe pre-filter; the LIKE next to it still decides."""

    function = "fenpei_bigrams"
    output_field = ArrayField(TextField())


def _on_postgresql(customers: QuerySet[Customer]) -> bool:
    return connections[customers.db].vendor == "postgresql"


def _search(customers: QuerySet[Customer], q: str) -> QuerySet[Customer]:
    """One box for name, pinyin initials, phone, credit code and customer no."""
    match = Q(name__icontains=q) | Q(key__iexact=q) | Q(credit_code=q.upper())
    # The same OR with an indexable condition per branch, which each row matching the
    # search also meets (PostgreSQL only; None when a branch has no index).
    indexed: Q | None = None
    if _on_postgresql(customers) and len(q) >= 2:
        customers = customers.alias(
            name_bigrams=Bigrams(Upper("name")), initials_bigrams=Bigrams("initials")
        )
        indexed = (
            Q(name_bigrams__contains=Bigrams(Upper(Value(q))))
            | Q(key__iexact=q)
            | Q(credit_code=q.upper())
        )
    if _INITIALS_LIKE.fullmatch(q):
        match |= Q(initials__contains=q.lower())
        if indexed is not None:
            indexed |= Q(initials_bigrams__contains=Bigrams(Value(q.lower())))
    if _PHONE_LIKE.fullmatch(q):
        digits = re.sub(r"\D", "", q)
        if len(digits) >= 3:
            # Phones are stored as typed ("021-6234 5678"): compare digits only.
            bare: Any = F("phone")
            for sep in ("-", " ", "+", "(", ")"):
                bare = Replace(bare, Value(sep), Value(""))
            customers = customers.annotate(phone_digits=bare)
            match |= Q(phone_digits__contains=digits)
            indexed = None  # no index on the phone digits: PostgreSQL reads the rows
    if indexed is not None:
        # Two conditions, not one: PostgreSQL combines the indexes of `indexed` (BitmapOr)
        # and then checks only `match` on the rows found; bigrams inside `match` would be
        # computed again row by row, which costs more than the LIKE itself.
        customers = customers.filter(indexed)
    return customers.filter(match)


#: sort fields that can be NULL (the owner of a pool customer)
_NULLABLE_SORTS = frozenset({"owner__name"})


def _ordering(filters: CustomerFilters) -> list[OrderBy | str]:
    ordering: list[OrderBy | str] = []
    for name in SORT_FIELDS[filters.sort_key]:
        expr = F(name)
        # Unowned rows last whichever way: the same on SQLite and PostgreSQL. Only where a
        # NULL can occur: PostgreSQL walks an index only in its own NULLS order, and
        # "priority DESC NULLS LAST" on the (priority DESC) index meant sorting every
        # visible row for each page (0.8 s at 1M customers instead of 2 ms).
        nulls_last = True if name in _NULLABLE_SORTS else None
        ordering.append(
            expr.desc(nulls_last=nulls_last)
            if filters.descending
            else expr.asc(nulls_last=nulls_last)
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


#: what a row of the table page shows (customers/_table.html)
TABLE_COLUMNS = (
    "key",
    "name",
    "region",
    "city",
    "industry",
    "potential_value",
    "intent",
    "priority",
    "tier",
    "stage",
    "locked",
    "owner__name",
    "team__name",
)


def customers_table(viewer: Viewer, filters: CustomerFilters) -> QuerySet[Customer]:
    """`customers_filtered` with only the columns the table page shows: a page builds 150
    model instances (customer, owner, team), and the other columns (products JSON,
    contact, the derived keys, the rep's lists …) need not be sent, decoded or set."""
    return customers_filtered(viewer, filters).only(*TABLE_COLUMNS)


@dataclass(frozen=True, slots=True)
class TableChoices:
    """What the filter bar offers: only the viewer's own reps, teams and data."""

    reps: list[Rep]
    teams: list[Team]
    regions: list[str]
    industries: list[str]


#: more distinct values than a dropdown can usefully offer; the filter still takes any
CHOICES_MAX = 500


def _distinct(customers: QuerySet[Customer], name: str) -> list[str]:
    """The column's non-empty values among `customers`, sorted.

    On PostgreSQL a loose index scan: a recursive query asks "the first value after the
    last one found" once per value, each answered from the column's index after a few
    rows (a visible row comes soon), where a DISTINCT read every visible row (~0.45 s
    per column at 1M customers). Elsewhere (SQLite, small tables) a plain DISTINCT.
    """
    column = customers.order_by(name).values_list(name, flat=True)
    if not _on_postgresql(customers):
        return list(column.exclude(**{name: ""}).distinct()[:CHOICES_MAX])
    try:
        first, first_params = column.filter(**{f"{name}__gt": ""})[:1].query.sql_with_params()
    except EmptyResultSet:  # a viewer who sees nothing
        return []
    step = column.filter(**{f"{name}__gt": RawSQL("found.value", ())})[:1]
    after, after_params = step.query.sql_with_params()
    sql = (
        f"WITH RECURSIVE found(value) AS ((SELECT * FROM ({first}) AS first) "
        f"UNION ALL SELECT ({after}) FROM found WHERE found.value IS NOT NULL) "
        f"SELECT value FROM found WHERE value IS NOT NULL LIMIT {CHOICES_MAX:d}"
    )
    with connections[customers.db].cursor() as cursor:
        cursor.execute(sql, (*first_params, *after_params))
        return [row[0] for row in cursor.fetchall()]


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


def reps_assignable(viewer: Viewer) -> list[Rep]:
    """Reps the viewer may give customers to (not departed), by team and rep no."""
    reps = reps_visible_to(viewer).exclude(status=RepStatus.DEPARTED)
    return list(reps.order_by("team__name", "key"))


def reps_assignable_loads(viewer: Viewer) -> list[RepLoad]:
    """`reps_assignable` with load and capacity. The loads are counted on the customers'
    owner index for these reps only (a join of reps to every customer, grouped, took
    0.9 s at 1M customers); the table asks for them only when the bulk bar is used."""
    reps = reps_assignable(viewer)
    owned = Customer.objects.filter(owner_id__in=[r.pk for r in reps]).order_by()
    loads = dict(owned.values_list("owner_id").annotate(n=Count("*")).values_list("owner_id", "n"))
    fallback = default_capacity()
    return [RepLoad(r, loads.get(r.pk, 0), r.capacity_or(fallback)) for r in reps]


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
    capacity = rep.capacity_or(default_capacity())
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
