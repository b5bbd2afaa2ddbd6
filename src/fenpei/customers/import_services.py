"""Importing customers (and reps) from a spreadsheet (导入): upload → preview → confirm.

The upload keeps the file in an `ImportBatch`; the preview and the confirm both read it
again and compute the same plan (`import_plan`), so what is confirmed is what was
previewed, worded in the language of whoever is looking. Only the confirm writes.

Matching an incoming row to a stored customer, in this order: 客户编号 (`key`), the
unified social credit code, the normalised company name (`name_key`). Rows of the same
file that match each other are one customer (a later row's non-empty cells win). A stored
customer the viewer may not see is never touched (nor duplicated): it is listed as
belonging to another team. Only columns the sheet has, and cells that were read, update a
stored customer: an empty or bad cell never blanks what is known.

现负责人 gives an owner only to a customer without one; a different owner in the sheet
than in the database, or two rows naming different reps, is a conflict (撞单) the manager
sees on the result page, and nothing changes.

Sized for 100,000-row books (issue 5): the plan works column by column and finds stored
customers with one query (PostgreSQL: each signal's values as one array), the new
customers go to the database by COPY (PostgreSQL), and two confirms take turns, so that
two books sharing a company cannot both create it.
"""

from __future__ import annotations

import gc
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Field, Model, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from fenpei.allocation.models import Assignment, AssignmentSource
from fenpei.allocation.selectors import policy_current
from fenpei.allocation.services import OwnerChange, owners_set
from fenpei.audit.services import OwnerMove, audit_import, audit_owner_changes
from fenpei.customers.import_selectors import import_get
from fenpei.customers.models import Customer, ImportBatch, ImportStatus, Intent
from fenpei.customers.pinyin import names_initials
from fenpei.customers.selectors import customers_visible_to
from fenpei.customers.services import (
    SCORED_FIELDS,
    customer_derive,
    customer_key_for,
    customers_rescore,
    customers_score,
)
from fenpei.db_rows import rows_insert
from fenpei.engine import Policy
from fenpei.engine.duplicates import normalise_names, phone_keys
from fenpei.tables.errors import CellError, InputError
from fenpei.tables.read import CustomerRows, RepRows, read_customer_rows, resolve_owner
from fenpei.tables.xlsx import cell_errors_xlsx
from fenpei.teams.access import Viewer, reps_visible_to, teams_visible_to
from fenpei.teams.models import Level, Rep, RepStatus, Team

R = TypeVar("R")
V = TypeVar("V")

#: what the upload accepts (the reader also tells a real workbook from text by its bytes)
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".tsv")
MAX_BYTES = 20 * 1024 * 1024
#: rows written per statement
BATCH = 500
#: bad cells shown on the preview page (the error report has all of them)
PREVIEW_ERRORS = 50
#: customers shown as a sample on the preview page, per kind
SAMPLE = 20
#: entries kept in a batch's summary lists (conflicts, merged rows, other teams')
LISTED = 200
#: the largest amount a DecimalField(max_digits=16, decimal_places=2) holds
MAX_AMOUNT = 10**14 - 1

# Sheet column (field of the reader) → Customer field, for the plain columns.
_CUSTOMER_COLUMNS = {
    "name": "name",
    "credit_code": "credit_code",
    "industry": "industry",
    "address": "address",
    "potential_value": "potential_value",
    "intent": "intent",
    "products": "products",
    "contact": "contact",
    "phone": "phone",
    "email": "email",
    "deal_amount": "deal_amount",
    "deal_count": "deal_count",
    "last_deal": "last_deal",
    "customer_type": "is_new",
}
_REP_COLUMNS = ("name", "regions", "industries", "products", "level", "capacity", "active")

FIELD_LABELS = {
    "customers": {
        "name": gettext_lazy("customer name"),
        "key": gettext_lazy("customer no."),
        "industry": gettext_lazy("industry"),
        "region": gettext_lazy("region"),
        "city": gettext_lazy("city"),
        "address": gettext_lazy("address"),
        "potential_value": gettext_lazy("potential value"),
        "intent": gettext_lazy("intent"),
        "products": gettext_lazy("product needs"),
        "contact": gettext_lazy("contact"),
        "phone": gettext_lazy("phone"),
        "email": gettext_lazy("email"),
        "deal_amount": gettext_lazy("deal amount"),
        "deal_count": gettext_lazy("deals"),
        "last_deal": gettext_lazy("last deal"),
        "customer_type": gettext_lazy("new or existing customer"),
        "is_new": gettext_lazy("new or existing customer"),
        "owner": gettext_lazy("current owner"),
        "credit_code": gettext_lazy("unified social credit code"),
        "locked": gettext_lazy("locked to owner"),
    },
    "reps": {
        "name": gettext_lazy("rep name"),
        "key": gettext_lazy("employee no."),
        "team": gettext_lazy("team"),
        "regions": gettext_lazy("territory"),
        "industries": gettext_lazy("industries"),
        "products": gettext_lazy("products"),
        "level": gettext_lazy("level"),
        "capacity": gettext_lazy("capacity"),
        "active": gettext_lazy("status"),
        "status": gettext_lazy("status"),
        "existing_load": gettext_lazy("current customers (not imported)"),
    },
}


def field_label(field_name: str, kind: str = "customers") -> str:
    return str(FIELD_LABELS[kind].get(field_name, field_name))


def reader_lang() -> str:
    """The reader words its cell errors in Chinese or English: the request's language."""
    return "zh" if (get_language() or "zh-hans").startswith("zh") else "en"


@contextmanager
def _no_cycle_collector() -> Iterator[None]:
    """A 100,000-row import makes millions of small lists, dicts and objects, none of
    them in reference cycles; left on, the cycle collector would walk them over and over
    (a third of the plan's time). Reference counting still frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# ----------------------------------------------------------------------- reading


def _read(batch: ImportBatch, lang: str) -> CustomerRows:
    """Read the stored file. The reader wants a path with the right suffix; the temporary
    path is replaced by the uploaded file's name in any message."""
    suffix = Path(batch.file_name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="fenpei-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(bytes(batch.data))
        try:
            rows = read_customer_rows(
                path,
                sheet=batch.sheet or None,
                with_reps=bool(batch.summary.get("with_reps", True)),
                lang=lang,
            )
        except InputError as exc:
            temporary = re.compile(f"{re.escape(str(path))}|{re.escape(path.name)}")
            message = temporary.sub(lambda _m: batch.file_name, str(exc))
            raise ValidationError(
                _("This file could not be read as a customer list: %(problem)s")
                % {"problem": message},
                code="unreadable",
            ) from None
    if rows.sheet == path.name:  # a CSV file: its one "sheet" is named after the file
        rows.sheet = batch.file_name
        rows.errors = [
            replace(e, sheet=batch.file_name) if e.sheet == path.name else e for e in rows.errors
        ]
    return rows


# ---------------------------------------------------------------------- the plan


@dataclass(slots=True)
class Incoming:
    """One customer of the file: one row, or several rows that are the same customer."""

    rows: list[int]
    keys: list[str]  # 客户编号 as written, in row order
    codes: list[str]
    name_keys: list[str]
    values: dict[str, Any]  # Customer field → value, only for the cells that were read
    owners: list[tuple[int, str, str | None]]  # (row, text, rep key or None), filled cells
    locked: bool | None = None  # the last filled 锁定 cell
    merged_by: set[str] = field(default_factory=set)  # "key", "credit_code", "name"
    existing: Customer | None = None
    action: str = "new"  # new, updated, unchanged, other_team
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field → (old, new)
    owner_key: str = ""  # the rep to give it, when it gets one
    owner_name: str = ""
    conflict: str = ""  # "owner" (differs from the stored one) or "sheet" (rows differ)

    @property
    def name(self) -> str:
        return str(self.values.get("name", ""))

    @property
    def key(self) -> str:
        if self.existing is not None:
            return self.existing.key
        return self.keys[0] if self.keys else ""

    def absorb(self, other: Incoming, signal: str) -> None:
        """Take in a later row (or group) of the same customer: its cells win."""
        self.rows += other.rows
        self.keys += [k for k in other.keys if k not in self.keys]
        self.codes += [c for c in other.codes if c not in self.codes]
        self.name_keys += [n for n in other.name_keys if n not in self.name_keys]
        self.values.update(other.values)
        self.owners += other.owners
        if other.locked is not None:
            self.locked = other.locked
        self.merged_by |= other.merged_by | {signal}


@dataclass(slots=True)
class RepAction:
    row: int
    key: str
    name: str
    action: str  # new, updated, unchanged, skipped
    values: dict[str, Any]
    team: str = ""  # team name to set ("" keeps the team)
    note: str = ""
    existing: Rep | None = None


@dataclass(slots=True)
class ImportPlan:
    rows: CustomerRows
    customers: list[Incoming]
    reps: list[RepAction]
    new_teams: list[str]
    errors: list[CellError]
    as_of: date

    def count(self, action: str) -> int:
        return sum(1 for c in self.customers if c.action == action)

    @property
    def conflicts(self) -> list[Incoming]:
        return [c for c in self.customers if c.conflict]

    @property
    def merged(self) -> list[Incoming]:
        return [c for c in self.customers if len(c.rows) > 1]

    def summary(self) -> dict[str, Any]:
        rows = self.rows
        bad_rows = {e.row for e in self.errors if e.sheet == rows.sheet}
        reps = rows.reps
        return {
            "sheet": rows.sheet,
            "rep_sheet": reps.sheet if reps is not None else "",
            "mapping": [{"field": f, "header": h} for f, h in rows.columns.items()],
            "ignored": rows.ignored,
            "rep_mapping": (
                [{"field": f, "header": h} for f, h in reps.columns.items()] if reps else []
            ),
            "rep_ignored": reps.ignored if reps is not None else [],
            "rows": len(rows.rows) + rows.skipped_rows,
            "good_rows": len(set(rows.rows) - bad_rows),
            "skipped_rows": rows.skipped_rows,
            "bad_cells": len(self.errors),
            "customers": len(self.customers),
            "new": self.count("new"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "other_team": self.count("other_team"),
            "merged_rows": sum(len(c.rows) for c in self.merged),
            "merged_customers": len(self.merged),
            "owners_given": sum(1 for c in self.customers if c.owner_key),
            "conflicts": len(self.conflicts),
            "reps_new": sum(1 for r in self.reps if r.action == "new"),
            "reps_updated": sum(1 for r in self.reps if r.action == "updated"),
            "reps_unchanged": sum(1 for r in self.reps if r.action == "unchanged"),
            "reps_skipped": sum(1 for r in self.reps if r.action == "skipped"),
            "teams_new": self.new_teams,
            "conflict_list": [_conflict_entry(c) for c in self.conflicts[:LISTED]],
            "merged_list": [
                {"rows": c.rows, "name": c.name, "by": sorted(c.merged_by)}
                for c in self.merged[:LISTED]
            ],
            "other_team_list": [
                {"rows": c.rows, "name": c.name} for c in self.customers if c.action == "other_team"
            ][:LISTED],
            "skipped_reps": [
                {"row": r.row, "key": r.key, "name": r.name, "note": r.note}
                for r in self.reps
                if r.action == "skipped"
            ][:LISTED],
        }


def _conflict_entry(c: Incoming) -> dict[str, Any]:
    current = c.existing.owner if c.existing is not None else None
    return {
        "rows": c.rows,
        "name": c.name,
        "key": c.key,
        "kind": c.conflict,
        "current": f"{current.name} ({current.key})" if current is not None else "",
        "sheet": sorted({text for (_row, text, _key) in c.owners}),
    }


def _chunks(values: Sequence[V], size: int = BATCH) -> Iterator[list[V]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def _where_in(queryset: QuerySet[Any, R], name: str, values: Iterable[Any]) -> list[R]:
    """`name__in=values`, for many values. PostgreSQL gets them as one array parameter
    (`= ANY(%s)`), one query whatever their number; other databases cap the parameters
    of a query, so they get a chunk at a time."""
    wanted = sorted(set(values) - {""})
    if not wanted:
        return []
    if connection.vendor == "postgresql":
        meta = queryset.model._meta
        field = meta.pk if name == "pk" else meta.get_field(name)
        assert field is not None
        quote = connection.ops.quote_name
        column = f"{quote(meta.db_table)}.{quote(cast('Field[Any, Any]', field).column)}"
        return list(queryset.extra(where=[f"{column} = ANY(%s)"], params=[wanted]))
    out: list[R] = []
    for chunk in _chunks(wanted):
        out += list(queryset.filter(**{f"{name}__in": chunk}))
    return out


def _max_length(model: type[Model], name: str) -> int | None:
    length = model._meta.get_field(name).max_length  # type: ignore[union-attr]
    return int(length) if length else None


def _fit(model: type[Model], name: str, value: Any) -> Any:
    """Text cut to the column's size: a long cell must not fail the whole import."""
    if isinstance(value, str):
        limit = _max_length(model, name)
        if limit is not None:
            return value[:limit]
    return value


def _amount(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _rows_values(rows: CustomerRows, errors: list[CellError]) -> list[dict[str, Any]]:
    """Per row, the Customer fields it has a value for (a column at a time: the same
    work per cell as a row at a time, without looking up each column's rules per cell)."""
    filled = rows.filled
    source: dict[str, Sequence[Any]] = {
        "name": rows.names,
        "credit_code": rows.credit_codes,
        "industry": rows.industry,
        "address": rows.address,
        "potential_value": rows.potential_value,
        "intent": rows.intent,
        "products": rows.products,
        "contact": rows.contacts,
        "phone": rows.phones,
        "email": rows.emails,
        "deal_amount": rows.deal_amount,
        "deal_count": rows.deal_count,
        "last_deal": rows.last_deal,
        "customer_type": rows.is_new,
    }
    out: list[dict[str, Any]] = [{} for _ in rows.rows]
    for column, model_field in _CUSTOMER_COLUMNS.items():
        values = source[column]
        present = filled.get(column) if column != "name" else None
        if column != "name" and present is None:
            continue
        limit = _max_length(Customer, model_field)
        amount = model_field in ("potential_value", "deal_amount")
        for i, cell in enumerate(values):
            if present is not None and not present[i]:
                continue
            value = cell
            if amount:
                if cell > MAX_AMOUNT:
                    errors.append(
                        CellError.of(
                            rows.sheet,
                            rows.rows[i],
                            rows.columns.get(column, column),
                            cell,
                            _("amount too large to store"),
                        )
                    )
                    continue
                value = _amount(cell)
            elif limit is not None and isinstance(cell, str):
                value = cell[:limit]  # a long cell must not fail the whole import
            out[i][model_field] = value
    region_limit = _max_length(Customer, "region")
    city_limit = _max_length(Customer, "city")
    for i, region in enumerate(rows.region):
        if region:  # a place column named a province
            out[i]["region"] = region[:region_limit]
            out[i]["city"] = rows.city[i][:city_limit]
    return out


def _incoming(rows: CustomerRows, errors: list[CellError]) -> list[Incoming]:
    name_keys = normalise_names(rows.names)
    values = _rows_values(rows, errors)
    owner_filled = rows.filled.get("owner")
    lock_filled = rows.filled.get("locked")
    out = []
    for i, row in enumerate(rows.rows):
        owner_text = rows.owner_text[i] if owner_filled and owner_filled[i] else ""
        out.append(
            Incoming(
                rows=[row],
                keys=[rows.keys[i]] if rows.keys[i] else [],
                codes=[rows.credit_codes[i]] if rows.credit_codes[i] else [],
                name_keys=[name_keys[i]] if name_keys[i] else [],
                values=values[i],
                owners=[(row, owner_text, None)] if owner_text else [],
                locked=rows.locked[i] if lock_filled and lock_filled[i] else None,
            )
        )
    return out


class _Links:
    """Union-find over row positions; the earliest row of a group is its root, so groups
    keep the order of their first row."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.why: dict[int, str] = {}
        self.seen: dict[tuple[str, str], int] = {}

    def root(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def link(self, i: int, signal: str, value: str) -> None:
        first = self.seen.setdefault((signal, value), i)
        if first == i:
            return
        a, b = self.root(first), self.root(i)
        if a != b:
            self.parent[max(a, b)] = min(a, b)
        self.why.setdefault(i, signal)


def _merge_rows(incoming: list[Incoming]) -> list[Incoming]:
    """Rows that share a 客户编号, a credit code or a normalised name are one customer.

    Linked by any chain of these (row 1 and 2 share a code, 2 and 3 a name: all three).
    Groups keep the order of their first row; a later row's cells win.
    """
    links = _Links(len(incoming))
    for i, item in enumerate(incoming):
        for value in item.keys:
            links.link(i, "key", value)
        for value in item.codes:
            links.link(i, "credit_code", value)
        for value in item.name_keys:
            links.link(i, "name", value)
    groups: dict[int, Incoming] = {}
    for i, item in enumerate(incoming):
        r = links.root(i)
        if r not in groups:
            groups[r] = item
        else:
            groups[r].absorb(item, links.why.get(i, "name"))
    return list(groups.values())


#: the matching signals, strongest first: Customer column, Incoming attribute
_SIGNALS = (("key", "keys"), ("credit_code", "codes"), ("name_key", "name_keys"))


def _candidates(items: list[Incoming]) -> list[tuple[int, str, str, str]]:
    """(id, 客户编号, credit code, normalised name) of every stored customer sharing any
    of them with an incoming customer, by id. On PostgreSQL one query, each signal's
    values as one array (a 100,000-row sheet: three arrays, not 600 queries)."""
    wanted = {
        column: sorted({v for item in items for v in getattr(item, attribute)} - {""})
        for column, attribute in _SIGNALS
    }
    asked = [column for column, values in wanted.items() if values]
    if not asked:
        return []
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        where = " OR ".join(f"{quote(column)} = ANY(%s)" for column in asked)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, key, credit_code, name_key FROM {quote(Customer._meta.db_table)} "
                f"WHERE {where}",
                [wanted[column] for column in asked],
            )
            rows = cast("list[tuple[int, str, str, str]]", cursor.fetchall())
    else:
        found: dict[int, tuple[int, str, str, str]] = {}
        light = Customer.objects.values_list("pk", "key", "credit_code", "name_key")
        for column in asked:
            found.update((row[0], row) for row in _where_in(light, column, wanted[column]))
        rows = list(found.values())
    return sorted(rows)


def _stored_matches(items: list[Incoming], stored: QuerySet[Customer]) -> dict[int, Customer]:
    """Item position → the stored customer it is: by 客户编号, else credit code, else
    normalised name (the oldest record of a name). Only the customers matched are
    loaded (and, with a locking `stored`, locked)."""
    by_value: dict[str, dict[str, int]] = {column: {} for column, _attribute in _SIGNALS}
    for row in _candidates(items):
        for (column, _attribute), value in zip(_SIGNALS, row[1:], strict=True):
            if value:
                by_value[column].setdefault(value, row[0])
    chosen: dict[int, int] = {}
    for position, item in enumerate(items):
        for column, attribute in _SIGNALS:
            ids = by_value[column]
            pk = next((ids[v] for v in getattr(item, attribute) if v in ids), None)
            if pk is not None:
                chosen[position] = pk
                break
    loaded = {c.pk: c for c in _where_in(stored, "pk", chosen.values())}
    # (a customer deleted since the first query is no match)
    return {position: loaded[pk] for position, pk in chosen.items() if pk in loaded}


def _match(viewer: Viewer, items: list[Incoming], *, lock: bool) -> tuple[list[Incoming], set[int]]:
    """Find each incoming customer's stored record; merge items that find the same one.
    Returns the items and the ids of the matched customers the viewer may see."""
    stored = Customer.objects.select_related("owner").order_by("pk")
    if lock:
        stored = stored.select_for_update(of=("self",))
    found = _stored_matches(items, stored)
    out: dict[int, Incoming] = {}
    unmatched: list[Incoming] = []
    for position, item in enumerate(items):
        match = found.get(position)
        if match is None:
            unmatched.append(item)
        elif match.pk in out:
            out[match.pk].absorb(item, "match")
        else:
            item.existing = match
            out[match.pk] = item
    visible = set(_where_in(customers_visible_to(viewer).values_list("pk", flat=True), "pk", out))
    return sorted([*out.values(), *unmatched], key=lambda i: i.rows[0]), visible


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, list) and isinstance(new, list):
        return sorted(old) == sorted(new)
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return Decimal(str(old or 0)) == Decimal(str(new or 0))
    return bool(old == new)


def _changes(item: Incoming, rows: CustomerRows, errors: list[CellError]) -> None:
    """What an import would change on the stored customer (fields the sheet has)."""
    customer = item.existing
    assert customer is not None
    values = dict(item.values)
    # A province alone keeps the stored city, when the province is the same.
    if values.get("region") == customer.region and not values.get("city"):
        values.pop("city", None)
    code = values.get("credit_code")
    if code and customer.credit_code and code != customer.credit_code:
        # A name or 客户编号 match does not make a legal identifier wrong: keep it.
        values.pop("credit_code")
        errors.append(
            CellError.of(
                rows.sheet,
                item.rows[-1],
                rows.columns.get("credit_code", "credit_code"),
                code,
                _("the stored customer %(key)s has another credit code; not changed")
                % {"key": customer.key},
            )
        )
    item.changes = {
        name: (getattr(customer, name), value)
        for name, value in values.items()
        if not _same(getattr(customer, name), value)
    }


def _credit_code_clashes(
    plan_items: list[Incoming], rows: CustomerRows, errors: list[CellError]
) -> None:
    """A code that an update would give a customer while another stored customer holds
    it: the database allows each code once, so the code is left as it is."""
    wanted = {
        item.changes["credit_code"][1]: item
        for item in plan_items
        if item.action == "updated" and "credit_code" in item.changes
    }
    if not wanted:
        return
    holders = {
        c.credit_code: c for c in _where_in(Customer.objects.all(), "credit_code", list(wanted))
    }
    for code, item in wanted.items():
        holder = holders.get(code)
        if holder is not None and item.existing is not None and holder.pk != item.existing.pk:
            del item.changes["credit_code"]
            if not item.changes:
                item.action = "unchanged"
            errors.append(
                CellError.of(
                    rows.sheet,
                    item.rows[-1],
                    rows.columns.get("credit_code", "credit_code"),
                    code,
                    _("another stored customer (%(key)s) has this credit code; not changed")
                    % {"key": holder.key},
                )
            )


# ------------------------------------------------------------------------- reps


def _rep_values(reps: RepRows, i: int) -> dict[str, Any]:
    filled = reps.filled
    out: dict[str, Any] = {}
    source: dict[str, Any] = {
        "name": reps.names,
        "regions": reps.regions,
        "industries": reps.industries,
        "products": reps.products,
        "level": reps.level,
        "capacity": reps.capacity,
        "active": reps.status,
    }
    for column in _REP_COLUMNS:
        if column != "name" and not (column in filled and filled[column][i]):
            continue
        model_field = "status" if column == "active" else column
        out[model_field] = _fit(Rep, model_field, source[column][i])
    if "level" in out:
        out["level"] = int(Level(out["level"]))
    return out


def _plan_reps(
    viewer: Viewer, reps: RepRows | None, team: Team | None, *, lock: bool
) -> tuple[list[RepAction], list[str]]:
    """What importing the rep sheet would do. A manager imports only into teams they
    manage (a team the sheet names that does not exist yet becomes theirs); a rep of
    another team is left alone."""
    if reps is None:
        return [], []
    stored = Rep.objects.select_related("team")
    if lock:
        stored = stored.select_for_update(of=("self",))
    existing = {r.key: r for r in _where_in(stored, "key", reps.keys)}
    visible_reps = set(
        reps_visible_to(viewer)
        .filter(pk__in=[r.pk for r in existing.values()])
        .values_list("pk", flat=True)
    )
    teams = {t.name: t for t in _where_in(Team.objects.all(), "name", reps.teams)}
    if team is not None:
        teams[team.name] = team
    my_teams = set(teams_visible_to(viewer).values_list("name", flat=True))
    team_filled = reps.filled.get("team")
    actions: list[RepAction] = []
    new_teams: list[str] = []
    for i, key in enumerate(reps.keys):
        values = _rep_values(reps, i)
        team_name = reps.teams[i] if team_filled and team_filled[i] else ""
        team_name = str(_fit(Team, "name", team_name))
        action = RepAction(reps.rows[i], key, reps.names[i], "new", values, team_name)
        rep = existing.get(key)
        if rep is not None and rep.pk not in visible_reps:
            action.action, action.note = "skipped", _("a rep of another team")
        elif team_name and team_name in teams and team_name not in my_teams:
            action.action = "skipped"
            action.note = _("team %(team)s is not one of yours") % {"team": team_name}
        elif rep is None and not team_name and team is None and not viewer.is_admin:
            action.action, action.note = "skipped", _("no team given")
        elif rep is not None:
            action.existing = rep
            changed = {n: v for n, v in values.items() if not _same(getattr(rep, n), v)}
            moves = bool(team_name) and (rep.team is None or rep.team.name != team_name)
            action.values = changed
            action.action = "updated" if changed or moves else "unchanged"
            if not moves:
                action.team = ""
        elif not team_name and team is not None:
            action.team = team.name
        pending = action.action != "skipped" and action.team and action.team not in teams
        if pending and action.team not in new_teams:
            new_teams.append(action.team)
        actions.append(action)
    return actions, new_teams


# ----------------------------------------------------------------------- owners


def _owner_lookup(
    viewer: Viewer, planned: list[RepAction]
) -> tuple[set[str], dict[str, str | None], dict[str, Rep]]:
    """Rep keys and names a 现负责人 cell may name: the viewer's reps and the reps this
    import brings. A name the sheet's rep list uses wins over a stored rep's."""
    stored = {r.key: r for r in reps_visible_to(viewer)}
    keys = set(stored)
    by_name: dict[str, str | None] = {}
    for action in planned:
        if action.action == "skipped":
            continue
        keys.add(action.key)
        by_name[action.name] = None if action.name in by_name else action.key
    from_sheet = set(by_name)
    for rep in stored.values():
        if rep.name in from_sheet:
            continue
        by_name[rep.name] = None if rep.name in by_name else rep.key
    return keys, by_name, stored


def _plan_owners(
    viewer: Viewer,
    items: list[Incoming],
    planned: list[RepAction],
    rows: CustomerRows,
    errors: list[CellError],
) -> None:
    keys, by_name, stored = _owner_lookup(viewer, planned)
    names = {key: rep.name for key, rep in stored.items()}
    names.update((a.key, a.name) for a in planned if a.action != "skipped")
    departed = {k for k, r in stored.items() if r.status == RepStatus.DEPARTED}
    for action in planned:
        if action.action == "skipped":
            continue
        status = action.values.get("status")
        if status == RepStatus.DEPARTED:
            departed.add(action.key)
        elif status is not None:
            departed.discard(action.key)
    header = rows.columns.get("owner", "owner")
    for item in items:
        if item.action == "other_team":
            continue
        resolved: list[tuple[int, str, str | None]] = []
        for row, text, _key in item.owners:
            key = resolve_owner(text, keys, by_name)
            if key is None:
                message = (
                    _("several of your reps have this name; write the employee no.")
                    if text in by_name
                    else _("not one of your reps; no owner given")
                )
                errors.append(CellError.of(rows.sheet, row, header, text, message))
            elif key in departed:
                errors.append(
                    CellError.of(
                        rows.sheet, row, header, text, _("this rep has left; no owner given")
                    )
                )
                key = None
            resolved.append((row, text, key))
        item.owners = resolved
        wanted = {k for (_row, _text, k) in resolved if k}
        current = item.existing.owner if item.existing is not None else None
        if len(wanted) > 1:
            item.conflict = "sheet"
        elif wanted:
            key = wanted.pop()
            if current is None:
                item.owner_key, item.owner_name = key, names.get(key, "")
            elif current.key != key:
                item.conflict = "owner"
        _plan_lock(item, current is not None or bool(item.owner_key), rows, errors)


def _plan_lock(item: Incoming, owned: bool, rows: CustomerRows, errors: list[CellError]) -> None:
    if item.locked is None:
        return
    if item.locked and not owned:
        errors.append(
            CellError.of(
                rows.sheet,
                item.rows[-1],
                rows.columns.get("locked", "locked"),
                "是",
                _("a locked customer needs an owner; lock ignored"),
            )
        )
        return
    current = item.existing.locked if item.existing is not None else False
    if item.existing is None:
        item.values["locked"] = item.locked
    elif current != item.locked:
        item.changes["locked"] = (current, item.locked)
        if item.action == "unchanged":
            item.action = "updated"


# -------------------------------------------------------------------------- plan


def import_plan(
    viewer: Viewer, batch: ImportBatch, *, lang: str | None = None, lock: bool = False
) -> ImportPlan:
    """What confirming `batch` would do now. Reads only (with `lock`, it locks the
    stored customers and reps it would write, for the confirm's transaction)."""
    with _no_cycle_collector():
        return _plan(viewer, batch, lang=lang, lock=lock)


def _plan(viewer: Viewer, batch: ImportBatch, *, lang: str | None, lock: bool) -> ImportPlan:
    rows = _read(batch, lang or reader_lang())
    errors = list(rows.errors)
    items = _merge_rows(_incoming(rows, errors))
    items, visible = _match(viewer, items, lock=lock)
    for item in items:
        if item.existing is None:
            item.action = "new"
        elif item.existing.pk not in visible:
            item.action = "other_team"
        else:
            _changes(item, rows, errors)
            item.action = "updated" if item.changes else "unchanged"
    _credit_code_clashes(items, rows, errors)
    reps, new_teams = _plan_reps(viewer, rows.reps, batch.team, lock=lock)
    if rows.reps is not None:
        errors += rows.reps.errors
    _plan_owners(viewer, items, reps, rows, errors)
    errors = _sorted_errors(errors, rows)
    return ImportPlan(rows, items, reps, new_teams, errors, timezone.localdate())


def _sorted_errors(errors: list[CellError], rows: CustomerRows) -> list[CellError]:
    """The customer sheet first, then the rep sheet; by row, then column as in the sheet."""
    order = {header: i for i, header in enumerate(rows.columns.values())}
    rep_sheet = rows.reps.sheet if rows.reps is not None else None
    return sorted(
        set(errors),
        key=lambda e: (e.sheet == rep_sheet, e.row, order.get(e.column, len(order)), e.message),
    )


# ------------------------------------------------------------------------ upload


def _require_manager(viewer: Viewer) -> None:
    if not viewer.can_manage:
        raise PermissionDenied


def _upload_team(viewer: Viewer, team_id: int | None) -> Team | None:
    if team_id is None:
        if viewer.is_admin:
            return None
        if len(viewer.team_ids) == 1:
            return Team.objects.get(pk=next(iter(viewer.team_ids)))
        raise ValidationError(_("Choose the team the new customers go to."), code="team")
    team = teams_visible_to(viewer).filter(pk=team_id).first()
    if team is None:
        raise ValidationError(_("No such team among yours."), code="team")
    return team


def import_upload(
    viewer: Viewer,
    *,
    file_name: str,
    data: bytes,
    sheet: str = "",
    team_id: int | None = None,
    with_reps: bool = True,
) -> ImportBatch:
    """Keep an uploaded file as an import in preview, once it reads as a customer list.
    A file that does not read creates nothing."""
    _require_manager(viewer)
    name = Path(file_name).name[:200] or "upload"
    if Path(name).suffix.lower() not in SUFFIXES:
        raise ValidationError(
            _("Upload an Excel workbook (.xlsx, .xls) or a CSV file."), code="file_type"
        )
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
            code="too_big",
        )
    team = _upload_team(viewer, team_id)
    batch = ImportBatch(
        file_name=name,
        data=data,
        sheet=sheet.strip()[:100],
        team=team,
        created_by_id=viewer.user_id,
        summary={"with_reps": with_reps},
    )
    plan = import_plan(viewer, batch)  # raises ValidationError for an unreadable file
    batch.summary = {**plan.summary(), "with_reps": with_reps}
    batch.errors = [e.as_dict() for e in plan.errors]
    batch.save()
    return batch


# ----------------------------------------------------------------------- confirm


def _write_teams(viewer: Viewer, names: list[str]) -> dict[str, Team]:
    manager_id = None if viewer.is_admin else viewer.user_id
    for name in names:
        Team.objects.get_or_create(name=name, defaults={"manager_id": manager_id})
    return {t.name: t for t in _where_in(Team.objects.all(), "name", names)}


def _write_reps(viewer: Viewer, plan: ImportPlan) -> None:
    teams = _write_teams(
        viewer, sorted({a.team for a in plan.reps if a.team and a.action != "skipped"})
    )
    now = timezone.now()
    new: list[Rep] = []
    changed: list[Rep] = []
    fields: set[str] = set()
    for action in plan.reps:
        team = teams.get(action.team) if action.team else None
        if action.action == "new":
            rep = Rep(key=_fit(Rep, "key", action.key), **action.values)
            rep.team = team
            new.append(rep)
        elif action.action == "updated" and action.existing is not None:
            rep = action.existing
            for name, value in action.values.items():
                setattr(rep, name, value)
                fields.add(name)
            if team is not None:
                rep.team = team
                fields.add("team")
            rep.updated_at = now
            changed.append(rep)
    Rep.objects.bulk_create(new, batch_size=BATCH)
    if changed:
        Rep.objects.bulk_update(changed, sorted(fields | {"updated_at"}), batch_size=BATCH)


def _update_rows(model: type[Model], objects: Sequence[Model], fields: Sequence[str]) -> None:
    """UPDATE each object's `fields`, one statement run for all rows (executemany).

    What `bulk_update` does, for many rows: it builds a CASE WHEN per cell, about a
    millisecond a row; this costs tens of microseconds. Values go through each field's
    own conversion for the database, as a save would."""
    if not objects:
        return
    meta = model._meta
    columns = [cast("Field[Any, Any]", meta.get_field(name)) for name in fields]
    assert meta.pk is not None
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in columns)
    where = quote(meta.pk.column)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {where} = %s"
    params = [
        [f.get_db_prep_save(getattr(o, f.attname), connection) for f in columns] + [o.pk]
        for o in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _import_reason(batch: ImportBatch) -> list[dict[str, Any]]:
    return [{"kind": "import", "batch": batch.pk}]


def _field_defaults(model: type[Model], now: datetime) -> dict[str, Any]:
    """attname → the value a new row gets when nothing else is said."""
    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        value = now if auto else f.get_default()
        # a choice's plain value: a database adapter may write an enum member by its name
        out[f.attname] = value.value if isinstance(value, Enum) else value
    return out


@dataclass(slots=True)
class _NewCustomers:
    """The customers a confirm creates, in the plan's order."""

    items: list[Incoming]
    names: list[str]  # stripped, as saved
    name_keys: list[str]
    keys: list[str]  # customer no., unique
    owners: list[Rep | None]


def _new_customers(plan: ImportPlan, reps: dict[str, Rep]) -> _NewCustomers:
    items = [item for item in plan.customers if item.action == "new"]
    names = [str(item.values["name"]).strip() for item in items]
    name_keys = normalise_names(names)
    limit = _max_length(Customer, "key")
    keys = [
        item.key[:limit]
        if item.key
        else customer_key_for(name, item.values.get("credit_code", ""), name_key)
        for item, name, name_key in zip(items, names, name_keys, strict=True)
    ]
    # The plan looked every 客户编号 of the sheet up and found none of these: only a
    # number derived from the name or cut to the column's size may be taken already.
    unknown = [key for item, key in zip(items, keys, strict=True) if key != item.key]
    _unique_keys(keys, unknown)
    owners = [reps.get(item.owner_key) for item in items]
    return _NewCustomers(items, names, name_keys, keys, owners)


def _unique_keys(keys: list[str], unknown: list[str]) -> None:
    """A number already taken, by a stored customer (one renamed since it got its derived
    number) or by another new one, gets the row's position added, rather than failing
    the whole import."""
    taken = set(_where_in(Customer.objects.values_list("key", flat=True), "key", unknown))
    for position, key in enumerate(keys):
        if key in taken:
            keys[position] = f"{key[:40]}-{position + 1}"
        taken.add(keys[position])


def _new_customer_rows(
    new: _NewCustomers, team_id: int | None, policy: Policy, as_of: date, now: datetime
) -> Iterator[dict[str, Any]]:
    """The new customers as rows to insert: the sheet's values, the owner it gives, the
    search keys derived from the name, priority and tier. Computed for many customers at
    once (a Customer object each would cost more than writing it), a slice at a time,
    so that the first rows are written while the next are computed. (It must not query:
    the connection is busy with the COPY it feeds.)"""
    defaults = _field_defaults(Customer, now)
    size = 5000
    for start in range(0, len(new.items), size):
        part = slice(start, start + size)
        rows: list[dict[str, Any]] = []
        for item, name, name_key, key, owner in zip(
            new.items[part],
            new.names[part],
            new.name_keys[part],
            new.keys[part],
            new.owners[part],
            strict=True,
        ):
            row = {**defaults, **item.values, "key": key, "name": name, "name_key": name_key}
            row["team_id"] = team_id
            if owner is not None:
                row["owner_id"], row["owned_since"] = owner.pk, now
                if owner.team_id is not None:  # as an owner change does: the rep's team
                    row["team_id"] = owner.team_id
            rows.append(row)
        initials = names_initials(new.names[part])
        phones = phone_keys([row["phone"] for row in rows])
        scored = {name: [row[name] for row in rows] for name in SCORED_FIELDS}
        priorities, tiers = customers_score(scored, policy, as_of)
        for row, letters, phone, priority, tier in zip(
            rows, initials, phones, priorities, tiers, strict=True
        ):
            row["initials"], row["phone_key"] = letters[:200], phone[:30]
            row["priority"], row["tier"] = priority, tier
        yield from rows


def _ids_by_key(keys: Sequence[str]) -> dict[str, int]:
    """Customer no. → id, for customers just inserted (the number is unique)."""
    return dict(_where_in(Customer.objects.values_list("key", "pk"), "key", keys))


def _write_customers(
    viewer: Viewer, plan: ImportPlan, batch: ImportBatch, reps: dict[str, Rep]
) -> tuple[int, list[int]]:
    """Create the new customers (with the owner the sheet gives them) and update the
    changed ones. Returns how many new customers got an owner, and the ids of the new
    customers left without one (real-time routing may give them one next)."""
    now = timezone.now()
    new = _new_customers(plan, reps)
    policy = policy_current()
    rows_insert(Customer, _new_customer_rows(new, batch.team_id, policy, plan.as_of, now))
    ids = _ids_by_key(new.keys)
    # A new customer has no ownership history to end: its first assignment is written
    # here with it (going through `owners_set` would update every row a second time).
    assignment = {
        **_field_defaults(Assignment, now),
        "source": AssignmentSource.IMPORT.value,
        "reasons": _import_reason(batch),
        "note": batch.file_name[:200],
        "started_by_id": viewer.user_id,
        "started_at": now,
    }
    owned = [(key, owner) for key, owner in zip(new.keys, new.owners, strict=True) if owner]
    rows_insert(
        Assignment,
        ({**assignment, "customer_id": ids[key], "rep_id": owner.pk} for key, owner in owned),
    )
    audit_owner_changes(
        [
            OwnerMove(ids[key], key, name, batch.team_id, None, owner.pk)
            for key, name, owner in zip(new.keys, new.names, new.owners, strict=True)
            if owner
        ],
        source="import",
        actor_id=viewer.user_id,
        reason=batch.file_name,
        batch_id=batch.pk,
        at=now,
        writer=rows_insert,  # COPY on PostgreSQL, as the customers themselves
    )
    updated: list[Customer] = []
    fields: set[str] = set()
    for item in plan.customers:
        if item.action == "updated" and item.existing is not None:
            customer = item.existing
            for name, (_old, value) in item.changes.items():
                setattr(customer, name, value)
                fields.add(name)
            if "name" in item.changes:
                customer_derive(customer)  # new matching and search keys
            customer.updated_at = now
            updated.append(customer)
    customers_rescore(updated, policy, plan.as_of)
    if "name" in fields:
        fields |= {"name_key", "initials"}
    _update_rows(Customer, updated, sorted(fields | {"priority", "tier", "updated_at"}))
    unowned = [ids[key] for key, owner in zip(new.keys, new.owners, strict=True) if not owner]
    return len(owned), unowned


def _give_owners(viewer: Viewer, plan: ImportPlan, batch: ImportBatch, reps: dict[str, Rep]) -> int:
    """Owners for stored customers that had none, through the one ownership-change path
    (it ends any assignment left open)."""
    changes = [
        OwnerChange(item.existing, reps[item.owner_key], _import_reason(batch))
        for item in plan.customers
        if item.action != "new"
        and item.existing is not None
        and item.existing.pk is not None
        and item.owner_key in reps
    ]
    if not changes:
        return 0
    return owners_set(
        changes,
        source=AssignmentSource.IMPORT,
        user_id=viewer.user_id,
        note=batch.file_name,
        end_reason=_("owner from import #%(batch)d") % {"batch": batch.pk},
    )


def _owner_reps(plan: ImportPlan) -> dict[str, Rep]:
    keys = [item.owner_key for item in plan.customers if item.owner_key]
    return {r.key: r for r in _where_in(Rep.objects.all(), "key", keys)}


def import_confirm(viewer: Viewer, batch_id: int) -> ImportBatch:
    """Write the import: all of it or, when anything fails, nothing."""
    return import_confirm_with_new(viewer, batch_id)[0]


#: the PostgreSQL advisory lock confirms take (any constant; this one spells "Fenpei" + 1)
IMPORT_LOCK = 0x46656E706569_0001


def _imports_one_at_a_time() -> None:
    """Two confirms at once must not both find a company missing and both create it
    (two managers importing books that share customers). Each takes this lock, held to
    the end of its transaction, before it plans: the second plans once the first has
    committed, and matches the customers it created. SQLite needs nothing: the app's
    transactions begin IMMEDIATE, so a second writer waits at BEGIN."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


@transaction.atomic
def import_confirm_with_new(viewer: Viewer, batch_id: int) -> tuple[ImportBatch, list[int]]:
    """`import_confirm`, also returning the ids of new customers left without an owner
    (for real-time routing, which lives in fenpei.allocation.routing)."""
    _require_manager(viewer)
    _imports_one_at_a_time()
    batch = ImportBatch.objects.select_for_update().get(pk=import_get(viewer, batch_id).pk)
    if batch.status != ImportStatus.PREVIEW:
        raise ValidationError(_("This import was already confirmed or discarded."), code="done")
    plan = import_plan(viewer, batch, lock=True)
    if plan.rows.reps is not None and batch.summary.get("with_reps", True):
        _write_reps(viewer, plan)
    reps = _owner_reps(plan)  # after the rep sheet is written: its new reps too
    with _no_cycle_collector():
        given_new, unowned_new = _write_customers(viewer, plan, batch, reps)
    given = given_new + _give_owners(viewer, plan, batch, reps)
    batch.summary = {
        **plan.summary(),
        "with_reps": batch.summary.get("with_reps", True),
        "owners_given": given,
    }
    batch.errors = [e.as_dict() for e in plan.errors]
    batch.status = ImportStatus.CONFIRMED
    batch.confirmed_at = timezone.now()
    batch.save(update_fields=["summary", "errors", "status", "confirmed_at"])
    audit_import(viewer.user_id, batch)
    return batch, unowned_new


@transaction.atomic
def import_discard(viewer: Viewer, batch_id: int) -> ImportBatch:
    _require_manager(viewer)
    batch = ImportBatch.objects.select_for_update().get(pk=import_get(viewer, batch_id).pk)
    if batch.status != ImportStatus.PREVIEW:
        raise ValidationError(_("Only an import in preview can be discarded."), code="done")
    batch.status = ImportStatus.DISCARDED
    batch.save(update_fields=["status"])
    return batch


# ------------------------------------------------------------------ what is shown


def shown(name: str, value: Any) -> str:
    """A Customer field's value as the preview shows it."""
    if value is None or (isinstance(value, str | list) and not value):
        return "—"
    if name == "intent":
        return str(Intent(value).label)
    if name == "is_new":
        return _("new") if value else _("existing")
    if name == "locked":
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "、".join(map(str, value))
    if isinstance(value, Decimal):
        return f"{value:,.0f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def import_errors(viewer: Viewer, batch: ImportBatch) -> list[CellError]:
    """Every bad cell, worded in the viewer's language while the import is in preview;
    as recorded when it was confirmed afterwards."""
    if batch.status == ImportStatus.PREVIEW:
        return import_plan(viewer, batch).errors
    return [CellError(**e) for e in batch.errors]


def import_error_report(viewer: Viewer, batch: ImportBatch) -> bytes:
    """The bad cells as an .xlsx workbook, headers in the viewer's language."""
    _require_manager(viewer)
    errors = import_errors(viewer, batch)
    headers = [_("Sheet"), _("Row"), _("Column"), _("Value"), _("Problem")]
    rows = [[e.sheet, e.row, e.column, e.value, e.message] for e in errors]
    return cell_errors_xlsx(_("Data problems"), headers, rows)


@dataclass(frozen=True, slots=True)
class SampleRow:
    """A customer or rep of the preview: what it is and what would change."""

    name: str
    key: str
    rows: str  # the sheet rows it comes from: "5" or "5, 25"
    cells: list[str]  # the columns the preview shows for its kind
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, old, new)
    note: str = ""


def _row_list(rows: Sequence[int]) -> str:
    return ", ".join(map(str, rows))


def _new_cells(item: Incoming) -> list[str]:
    """Region, industry, potential value, intent, owner of a new customer."""
    values = item.values
    place = " ".join(dict.fromkeys(v for v in (values.get("region"), values.get("city")) if v))
    owner = f"{item.owner_name} ({item.owner_key})" if item.owner_key else ""
    if item.conflict:
        owner = _("conflict (撞单)")
    return [
        place or "—",
        values.get("industry") or "—",
        shown("potential_value", values.get("potential_value")),
        shown("intent", values.get("intent", Intent.UNKNOWN)),
        owner or "—",
    ]


def _rep_cells(action: RepAction) -> list[str]:
    """Team, status, level, capacity, territory of a rep as the import leaves it."""

    def value(name: str, default: Any) -> Any:
        if name in action.values:
            return action.values[name]
        return getattr(action.existing, name) if action.existing is not None else default

    team = action.team or (str(action.existing.team or "") if action.existing is not None else "")
    return [
        team or "—",
        _rep_shown("status", value("status", RepStatus.ACTIVE)),
        _rep_shown("level", value("level", Level.MID)),
        _rep_shown("capacity", value("capacity", None)),
        _rep_shown("regions", value("regions", [])),
    ]


def import_samples(plan: ImportPlan, limit: int = SAMPLE) -> dict[str, list[SampleRow]]:
    """A sample of the new and the updated customers, and the reps, for the preview."""
    new = [
        SampleRow(item.name, item.key, _row_list(item.rows), _new_cells(item))
        for item in plan.customers
        if item.action == "new"
    ][:limit]
    updated = [
        SampleRow(
            item.name,
            item.key,
            _row_list(item.rows),
            [],
            [(field_label(n), shown(n, old), shown(n, v)) for n, (old, v) in item.changes.items()],
        )
        for item in plan.customers
        if item.action == "updated"
    ][:limit]
    reps = [
        SampleRow(
            action.name,
            action.key,
            str(action.row),
            _rep_cells(action),
            note=action.note or str(REP_ACTIONS.get(action.action, action.action)),
        )
        for action in plan.reps
        if action.action != "unchanged"
    ][: limit * 5]
    return {"new": new, "updated": updated, "reps": reps}


REP_ACTIONS = {
    "new": gettext_lazy("new rep"),
    "updated": gettext_lazy("updated"),
    "unchanged": gettext_lazy("unchanged"),
    "skipped": gettext_lazy("skipped"),
}


def _rep_shown(name: str, value: Any) -> str:
    if name == "level":
        return str(Level(value).label)
    if name == "status":
        return str(RepStatus(value).label)
    if value is None:
        return "—"
    if isinstance(value, list):
        return "、".join(map(str, value)) or "—"
    return str(value)


def mapping_rows(summary: dict[str, Any], kind: str = "customers") -> list[tuple[str, str]]:
    """(header as written, what it was read as) for each column the sheet has."""
    entries = summary.get("mapping" if kind == "customers" else "rep_mapping", [])
    return [(m["header"], field_label(m["field"], kind)) for m in entries]


MERGE_SIGNALS = {
    "key": gettext_lazy("same customer no."),
    "credit_code": gettext_lazy("same credit code"),
    "name": gettext_lazy("same company name"),
    "match": gettext_lazy("same stored customer"),
}
CONFLICT_KINDS = {
    "owner": gettext_lazy("the sheet names another owner than the current one"),
    "sheet": gettext_lazy("rows of the sheet name different owners"),
}


def merged_rows(summary: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(rows, customer name, why they are one customer) for the rows merged."""
    return [
        (
            _row_list(m["rows"]),
            m["name"],
            "、".join(str(MERGE_SIGNALS.get(b, b)) for b in m["by"]),
        )
        for m in summary.get("merged_list", [])
    ]


def conflict_rows(summary: dict[str, Any]) -> list[dict[str, str]]:
    """The conflicts (撞单) of an import, worded for the page."""
    return [
        {
            "rows": _row_list(c["rows"]),
            "name": c["name"],
            "key": c["key"],
            "current": c["current"] or "—",
            "sheet": "、".join(c["sheet"]),
            "why": str(CONFLICT_KINDS.get(c["kind"], c["kind"])),
        }
        for c in summary.get("conflict_list", [])
    ]
