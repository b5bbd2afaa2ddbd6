"""Conflicts and duplicates (撞单 / 重复客户): records that are one real company, and merging them.

Two records are linked when they share a credit code, a normalised name (`name_key`) or a
phone (`phone_key`, at least 7 digits); records linked through any chain form one group.
Creating, importing and claiming already refuse a second record for a company on file;
what is left to find are older records, and companies two reps are chasing (撞单).

A manager sees the groups that hold at least one customer they may see. Members in other
teams' lists are shown as the routing 409 shows them: team and owner by name, never the
record itself, and they cannot be merged from here (their manager can).

Merging keeps the record the manager chooses and folds the duplicates into it, in one
transaction with the customer rows locked in primary-key order:
- ownership: the kept record's owner stays the owner; a duplicate's current assignment
  ends ("merged"), then its whole assignment history moves to the kept record (ending it
  first is what keeps the one-current-owner index satisfied);
- every other row pointing at a duplicate (follow-ups, deals, earlier merges, whatever
  app adds one) is repointed, found through `Customer._meta.related_objects`;
- the kept record's blank fields are filled from the duplicates, deal history is added
  up (count and amount summed, the latest last deal), and priority is scored again;
- each duplicate leaves a `CustomerMerge` row with every field as it was, then is deleted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from fenpei.allocation.models import Assignment
from fenpei.allocation.selectors import policy_current
from fenpei.audit.services import audit_merge
from fenpei.customers.models import Customer, CustomerMerge, Intent, Stage
from fenpei.customers.selectors import customers_visible_to
from fenpei.customers.services import customer_derive, customers_rescore
from fenpei.teams.access import Viewer

#: fewer digits than this is an extension or a typo, not a company's number
PHONE_KEY_MIN_DIGITS = 7

#: signal kinds, strongest first
SIGNALS = ("credit_code", "name", "phone")


# ------------------------------------------------------------------------ selectors


@dataclass(frozen=True, slots=True)
class HiddenMember:
    """A member in another team's list: who holds it, nothing more."""

    team: str
    owner: str


@dataclass(slots=True)
class DuplicateGroup:
    customers: list[Customer]  # the ones the viewer may see, pk order
    hidden: list[HiddenMember] = field(default_factory=list)
    #: (kind, value) shared inside the group; kind is one of SIGNALS
    signals: list[tuple[str, str]] = field(default_factory=list)

    @property
    def owners(self) -> list[str]:
        """Distinct current owners, by name."""
        names = [c.owner.name for c in self.customers if c.owner is not None]
        names += [h.owner for h in self.hidden if h.owner]
        return sorted(set(names))

    @property
    def conflict(self) -> bool:
        """撞单: two or more reps own records of this one company."""
        return len(self.owners) > 1

    @property
    def mergeable(self) -> bool:
        return len(self.customers) > 1


def _repeated(rows: QuerySet[Customer], column: str) -> QuerySet[Customer, dict[str, Any]]:
    """Values of `column` held by more than one customer (as a subquery)."""
    values: QuerySet[Customer, dict[str, Any]] = (
        rows.exclude(**{column: ""})
        .values(column)
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values(column)
    )
    return values


class _Components:
    """Union-find over customer ids."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _holder(c: Customer) -> HiddenMember:
    team = c.team or (c.owner.team if c.owner is not None else None)
    return HiddenMember(team.name if team else "", c.owner.name if c.owner else "")


def duplicate_groups(viewer: Viewer) -> list[DuplicateGroup]:
    """Groups of records that are one company, each with at least one customer the viewer
    may see: 撞单 (different owners) first, then the biggest, then the oldest."""
    every = Customer.objects.all()
    phones = every.annotate(digits=Length("phone_key")).filter(digits__gte=PHONE_KEY_MIN_DIGITS)
    linked = (
        every.filter(
            Q(credit_code__in=_repeated(every, "credit_code"))
            | Q(name_key__in=_repeated(every, "name_key"))
            | Q(phone_key__in=_repeated(phones, "phone_key"))
        )
        .select_related("owner", "owner__team", "team")
        .order_by("pk")
    )
    rows = {c.pk: c for c in linked}
    if not rows:
        return []
    # By the ids already fetched, in chunks: a subquery would run the group-bys again.
    ids = list(rows)
    mine = customers_visible_to(viewer)
    visible: set[int] = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        visible.update(mine.filter(pk__in=chunk).values_list("pk", flat=True))
    components = _Components()
    shared: dict[tuple[str, str], list[int]] = {}
    for c in rows.values():
        keys = [("credit_code", c.credit_code), ("name", c.name_key)]
        if len(c.phone_key) >= PHONE_KEY_MIN_DIGITS:
            keys.append(("phone", c.phone_key))
        for key in keys:
            if key[1]:
                shared.setdefault(key, []).append(c.pk)
    for members in shared.values():
        for pk in members[1:]:
            components.union(members[0], pk)
    groups: dict[int, DuplicateGroup] = {}
    for pk, c in rows.items():
        root = components.find(pk)
        group = groups.setdefault(root, DuplicateGroup(customers=[]))
        if pk in visible:
            group.customers.append(c)
        else:
            group.hidden.append(_holder(c))
    for (kind, value), members in shared.items():
        if len(members) > 1:
            groups[components.find(members[0])].signals.append((kind, value))
    out = [g for g in groups.values() if g.customers and len(g.customers) + len(g.hidden) > 1]
    for g in out:
        g.signals.sort(key=lambda s: (SIGNALS.index(s[0]), s[1]))
    out.sort(key=lambda g: (not g.conflict, -(len(g.customers) + len(g.hidden)), g.customers[0].pk))
    return out


def merges_of(customer: Customer) -> QuerySet[CustomerMerge]:
    """The records merged into `customer`, newest first."""
    return customer.merges.select_related("merged_by")


# ------------------------------------------------------------------------- services

_TEXT_FILLED = ("credit_code", "industry", "region", "city", "address", "contact", "phone", "email")
_STAGE_RANK = {Stage.LEAD: 0, Stage.LOST: 1, Stage.FOLLOWING: 2, Stage.WON: 3}


def _snapshot(c: Customer) -> dict[str, Any]:
    data: dict[str, Any] = {f.attname: f.value_from_object(c) for f in c._meta.concrete_fields}
    data["owner_name"] = c.owner.name if c.owner is not None else ""
    data["team_name"] = c.team.name if c.team is not None else ""
    loaded: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return loaded


def _fields_fill(kept: Customer, duplicates: Sequence[Customer]) -> None:
    """Blank fields of the kept record from the duplicates (first one that has it);
    deal history added up; the furthest stage."""
    for name in _TEXT_FILLED:
        if not getattr(kept, name):
            setattr(
                kept, name, next((getattr(d, name) for d in duplicates if getattr(d, name)), "")
            )
    products = list(kept.products or [])
    for d in duplicates:
        products += [p for p in d.products or [] if p not in products]
    kept.products = products
    if not kept.potential_value:
        kept.potential_value = max(d.potential_value for d in duplicates)
    if kept.intent == Intent.UNKNOWN:
        kept.intent = max(d.intent for d in duplicates)
    if kept.is_new is None:
        kept.is_new = next((d.is_new for d in duplicates if d.is_new is not None), None)
    if kept.team_id is None:
        kept.team_id = next((d.team_id for d in duplicates if d.team_id is not None), None)
    if not kept.next_step:
        source = next((d for d in duplicates if d.next_step), None)
        if source is not None:
            kept.next_step, kept.next_step_due = source.next_step, source.next_step_due
    followed = [t for t in (kept.last_followup_at, *(d.last_followup_at for d in duplicates)) if t]
    kept.last_followup_at = max(followed) if followed else None
    kept.deal_count += sum(d.deal_count for d in duplicates)
    kept.deal_amount += sum(d.deal_amount for d in duplicates)
    deals = [day for day in (kept.last_deal, *(d.last_deal for d in duplicates)) if day]
    kept.last_deal = max(deals) if deals else None
    furthest = max((kept, *duplicates), key=lambda c: _STAGE_RANK.get(Stage(c.stage), 0))
    if _STAGE_RANK.get(Stage(furthest.stage), 0) > _STAGE_RANK.get(Stage(kept.stage), 0):
        kept.stage = furthest.stage


def _repoint(rows: QuerySet[Any], column: str, kept: Customer) -> None:
    """Move rows to the kept record; a row that would break a unique rule there (the kept
    record has its twin already) stays and goes with the duplicate."""
    try:
        with transaction.atomic():
            rows.update(**{column: kept})
    except IntegrityError:
        for row in rows:
            try:
                with transaction.atomic():
                    type(row)._base_manager.filter(pk=row.pk).update(**{column: kept})
            except IntegrityError:
                continue


def _relations_move(duplicate_ids: Sequence[int], kept: Customer) -> None:
    """Every row of any app that points at a duplicate now points at the kept record."""
    for rel in Customer._meta.related_objects:
        model: type[models.Model] = rel.related_model  # type: ignore[assignment]
        if rel.many_to_many:
            accessor = rel.get_accessor_name()
            assert accessor is not None
            for d in Customer.objects.filter(pk__in=duplicate_ids):
                getattr(kept, accessor).add(*getattr(d, accessor).all())
            continue
        column = rel.field.name
        rows = model._base_manager.filter(**{f"{column}__in": list(duplicate_ids)})
        if rel.one_to_one and model._base_manager.filter(**{column: kept}).exists():
            continue  # the kept record has its own; the duplicate's is in its snapshot
        _repoint(rows, column, kept)


@transaction.atomic
def customers_merge(
    viewer: Viewer, survivor_id: int, duplicate_ids: Iterable[int], reason: str = ""
) -> Customer:
    """Fold the duplicates into the survivor (see the module docstring). Managers only, and
    only customers they may see: Customer.DoesNotExist (→ 404) for any other id."""
    if not viewer.can_manage:
        raise PermissionDenied
    duplicates_wanted = sorted({int(i) for i in duplicate_ids} - {survivor_id})
    if not duplicates_wanted:
        raise ValidationError(_("Choose at least one duplicate to merge into the kept record."))
    ids = sorted({survivor_id, *duplicates_wanted})
    visible = customers_visible_to(viewer).filter(pk__in=ids).values("pk")
    rows = {
        c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=visible).order_by("pk")
    }
    if len(rows) != len(ids):
        raise Customer.DoesNotExist
    kept = rows[survivor_id]
    duplicates = [rows[pk] for pk in duplicates_wanted]
    snapshots = [_snapshot(d) for d in duplicates]
    _fields_fill(kept, duplicates)

    now = timezone.now()
    Assignment.objects.filter(customer_id__in=duplicates_wanted, ended_at__isnull=True).update(
        ended_at=now, ended_by_id=viewer.user_id, end_reason=_("merged")
    )
    audit_merge(viewer.user_id, kept, duplicates, reason, now)
    _relations_move(duplicates_wanted, kept)
    CustomerMerge.objects.bulk_create(
        CustomerMerge(
            survivor=kept,
            duplicate_key=d.key,
            duplicate_name=d.name,
            snapshot=snapshot,
            reason=reason.strip()[:200],
            merged_by_id=viewer.user_id,
        )
        for d, snapshot in zip(duplicates, snapshots, strict=True)
    )
    # Deleted before the kept record is saved: it may take over a duplicate's credit code,
    # which is unique.
    Customer.objects.filter(pk__in=duplicates_wanted).delete()
    customer_derive(kept)
    customers_rescore([kept], policy_current(), timezone.localdate())
    kept.updated_at = now
    kept.save()
    return kept
