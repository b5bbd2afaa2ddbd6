"""Real-time routing (实时分配): a new customer gets its owner the moment it is created.

The rep chosen is the one that maximises the published objective's *marginal* value
given every rep's current load: M + priority × fit − λ · L_r / C_r over eligible reps with
room (the same eligibility, fit and balance as a run). It is computed by the engine itself
on a one-customer problem whose reps carry their current loads as existing load, so a run
and a routing can never disagree about the rules.

Concurrency: the engine decides on loads read without locks; then only the chosen rep's
row is locked and its load counted again under the lock (see `_choose_and_lock`), so two
customers routed at once can never push a rep past capacity, and routings to different
reps do not wait for each other; the one-current-owner index guards the customer side. Duplicate checks run under a
transaction-scoped advisory lock per matching key on PostgreSQL (SQLite serialises
writers already), so two requests creating the same company at once make one record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fenpei.allocation.inputs import engine_customers, engine_reps
from fenpei.allocation.models import Assignment, AssignmentSource, Run, RunScope, RunStatus
from fenpei.allocation.selectors import policy_current, rep_loads
from fenpei.allocation.services import (
    OwnerChange,
    owners_set,
    reasons_structured,
    run_apply,
    run_create,
)
from fenpei.audit.services import OwnerMove, audit_owner_changes
from fenpei.customers.import_services import IMPORT_LOCK, import_confirm_with_new
from fenpei.customers.models import Customer, ImportBatch
from fenpei.customers.selectors import customers_visible_to
from fenpei.customers.services import EDITABLE_FIELDS, customer_derive, customers_rescore
from fenpei.engine import Policy, allocate, explain_assignments, explain_unassigned
from fenpei.teams.access import Viewer, reps_visible_to
from fenpei.teams.models import Rep, RepStatus

#: fields a create may set, besides the editable ones
CREATE_FIELDS = (*EDITABLE_FIELDS, "key", "team")


class DuplicateCustomer(Exception):  # noqa: N818 (a domain outcome, not a programming error)
    """The customer already exists: `field` says which key matched."""

    def __init__(self, existing: Customer, field: str) -> None:
        super().__init__(f"customer exists: {existing.key} (same {field})")
        self.existing = existing
        self.field = field


def duplicate_holder(existing: Customer) -> dict[str, str]:
    """Who holds a duplicate the viewer may not open: its team and owner, by name only."""
    owner = existing.owner if existing.owner_id is not None else None
    team = existing.team if existing.team_id is not None else None
    if owner is not None and owner.team_id is not None and team is None:
        team = owner.team
    return {"team": team.name if team else "", "owner": owner.name if owner else ""}


def duplicate_message(field_label: Any, holder: dict[str, str]) -> str:
    """撞单 in words: the company is taken, and by whom."""
    values = {"field": field_label, **holder}
    if holder["owner"] and holder["team"]:
        return (
            _(
                "A customer with the same %(field)s is already followed by %(owner)s of team "
                "%(team)s."
            )
            % values
        )
    if holder["owner"]:
        return _("A customer with the same %(field)s is already followed by %(owner)s.") % values
    if holder["team"]:
        return _("A customer with the same %(field)s is already in the pool of team %(team)s.") % (
            values
        )
    return _("A customer with the same %(field)s is already in the company pool.") % values


@dataclass(frozen=True, slots=True)
class Routed:
    customer: Customer
    rep: Rep | None
    reasons: list[dict[str, Any]]  # structured; fenpei.allocation.reasons words them
    routed: bool  # routing was attempted (the policy or the caller asked for it)


def _advisory_lock(*keys: str) -> None:
    """Serialise concurrent creates of the same company on PostgreSQL, and creates with
    import confirms: a confirm holds IMPORT_LOCK exclusively while it matches and writes,
    a create holds it shared, so each sees the other's companies before deciding that one
    is new. (SQLite serialises writers already: its transactions begin IMMEDIATE.)"""
    if connection.vendor != "postgresql":
        return
    ids = sorted(
        {
            int.from_bytes(hashlib.sha1(k.encode()).digest()[:8], "big", signed=True)
            for k in keys
            if k
        }
    )
    # One round trip; the import lock first, then the keys in sorted order, the same in
    # every transaction, so two creates sharing keys queue rather than deadlock.
    calls = ["pg_advisory_xact_lock_shared(%s)", *["pg_advisory_xact_lock(%s)"] * len(ids)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(calls), [IMPORT_LOCK, *ids])


def customer_find_existing(
    customer: Customer, *, key_given: bool = True
) -> tuple[Customer, str] | None:
    """An existing customer that is the same company: by key, credit code, normalised name,
    then phone (the import's matching order). A key derived from the name or code is not
    evidence of its own, so it is only compared when the caller gave one."""
    checks: list[tuple[str, str, str]] = []
    if key_given:
        checks.append(("key", "key", customer.key))
    if customer.credit_code:
        checks.append(("credit_code", "credit_code", customer.credit_code))
    if customer.name_key:
        checks.append(("name", "name_key", customer.name_key))
    if len(customer.phone_key) >= 7:
        checks.append(("phone", "phone_key", customer.phone_key))
    if not checks:
        return None
    # One query for all keys; the first check in order that matches names the field.
    either = Q()
    for _field, column, value in checks:
        either |= Q(**{column: value})
    found = list(Customer.objects.filter(either).exclude(pk=customer.pk).order_by("pk")[:20])
    for field, column, value in checks:
        for existing in found:
            if getattr(existing, column) == value:
                return existing, field
    return None


def _build(viewer: Viewer, fields: dict[str, Any]) -> Customer:
    unknown = set(fields) - set(CREATE_FIELDS)
    if unknown:
        raise ValidationError(
            {
                name: _("This field cannot be set when creating a customer.")
                for name in sorted(unknown)
            }
        )
    values = dict(fields)
    team = values.pop("team", None)
    customer = Customer(**values)
    if team not in (None, ""):
        team_id = int(team.pk if hasattr(team, "pk") else team)
        if not (viewer.is_admin or team_id in viewer.team_ids):
            raise ValidationError({"team": _("No such team among yours.")})
        customer.team_id = team_id
    elif len(viewer.team_ids) == 1:
        customer.team_id = next(iter(viewer.team_ids))
    customer.name = str(customer.name or "").strip()
    # A team among the viewer's own was read from the database a moment ago: skip the
    # existence query full_clean would make for it (routing is latency-bound).
    known_team = customer.team_id is not None and customer.team_id in viewer.team_ids
    customer.full_clean(
        exclude=["key", "name_key", *(["team"] if known_team else [])],
        validate_unique=False,
        validate_constraints=False,
    )
    customer_derive(customer)
    return customer


@transaction.atomic
def customer_create(viewer: Viewer, fields: dict[str, Any], *, route: bool | None = None) -> Routed:
    """Create a customer. A manager's (or another system's) new customer gets an owner at
    once when the policy says so (or `route` is given); a rep's new customer is the rep's
    own lead (自拓客户) and becomes theirs, within their capacity. Raises ValidationError,
    PermissionDenied or DuplicateCustomer (撞单: the company is on file already)."""
    if not (viewer.can_manage or (viewer.is_rep and viewer.rep_id is not None)):
        raise PermissionDenied
    customer = _build(viewer, fields)
    _advisory_lock(customer.key, customer.credit_code, customer.name_key, customer.phone_key)
    existing = customer_find_existing(customer, key_given=bool(fields.get("key")))
    if existing is not None:
        raise DuplicateCustomer(*existing)
    policy = policy_current()
    customers_rescore([customer], policy, timezone.localdate())
    if not viewer.can_manage:
        return _own_lead(viewer, customer, policy)
    if route is None:
        route = policy.route_new_customers
    if not route:
        customer.save()
        return Routed(customer, None, [], routed=False)
    reps = _candidate_reps(viewer, customer)
    rep, reasons = _choose_and_lock(customer, reps, policy)
    if rep is None:
        customer.save()
        return Routed(customer, None, reasons, routed=True)
    _insert_owned(viewer, customer, rep, reasons, AssignmentSource.ROUTE, audit_source="route")
    return Routed(customer, rep, reasons, routed=True)


def _insert_owned(
    viewer: Viewer,
    customer: Customer,
    rep: Rep,
    reasons: list[dict[str, Any]],
    source: str,
    *,
    audit_source: str,
) -> None:
    """Write a new customer with its owner, its first assignment and the audit event.
    A new row has no owner to end: this replaces owners_set's end-then-update (two
    statements fewer while the rep is locked)."""
    now = timezone.now()
    customer.owner = rep
    customer.owned_since = now
    if rep.team_id is not None:
        customer.team = rep.team
    customer.save()
    Assignment.objects.create(
        customer=customer,
        rep=rep,
        source=source,
        reasons=reasons,
        started_by_id=viewer.user_id,
        started_at=now,
    )
    move = OwnerMove(customer.pk, customer.key, customer.name, None, None, rep.pk)
    audit_owner_changes([move], source=audit_source, actor_id=viewer.user_id, at=now)


def _own_lead(viewer: Viewer, customer: Customer, policy: Policy) -> Routed:
    """A rep adds a company they found themselves: it is theirs if they have room."""
    assert viewer.rep_id is not None
    rep = (
        Rep.objects.select_for_update(of=("self",), no_key=True)
        .select_related("team")
        .get(pk=viewer.rep_id)
    )
    if rep.status == RepStatus.DEPARTED:
        raise PermissionDenied
    capacity = rep.capacity_or(policy.default_capacity)
    if _load_of(rep.pk) >= capacity:
        raise ValidationError(
            _(
                "You already hold %(capacity)s customers, your capacity: return one to the "
                "pool or ask your manager before adding another."
            )
            % {"capacity": capacity},
            code="over_capacity",
        )
    reasons = [{"kind": "own_lead"}]
    _insert_owned(viewer, customer, rep, reasons, AssignmentSource.MANUAL, audit_source="own_lead")
    return Routed(customer, rep, reasons, routed=False)


@transaction.atomic
def customer_route(viewer: Viewer, customer_id: int) -> Routed:
    """Route an existing customer of the pool now (a manager's "assign the best rep")."""
    if not viewer.can_manage:
        raise PermissionDenied
    visible = customers_visible_to(viewer).filter(pk=customer_id).values("pk")
    customer = Customer.objects.select_for_update().filter(pk__in=visible).first()
    if customer is None:
        raise Customer.DoesNotExist
    if customer.owner_id is not None:
        raise ValidationError(_("This customer already has an owner."))
    rep, reasons = _choose_and_lock(customer, _candidate_reps(viewer, customer), policy_current())
    if rep is not None:
        owners_set(
            [OwnerChange(customer, rep, reasons)],
            source=AssignmentSource.ROUTE,
            user_id=viewer.user_id,
        )
    return Routed(customer, rep, reasons, routed=True)


def _candidate_reps(viewer: Viewer, customer: Customer) -> list[Rep]:
    """The reps who may take the customer (not locked: see `_choose_and_lock`)."""
    visible = reps_visible_to(viewer).exclude(status=RepStatus.DEPARTED)
    if customer.team_id is not None:
        visible = visible.filter(team_id=customer.team_id)
    return list(visible.order_by("pk"))


def _load_of(rep_id: int) -> int:
    return Customer.objects.filter(owner_id=rep_id).count()


def _choose_and_lock(
    customer: Customer, reps: list[Rep], policy: Policy
) -> tuple[Rep | None, list[dict[str, Any]]]:
    """The engine's choice among `reps` given their loads, returned with that one rep's row
    locked and its capacity checked under the lock.

    Why not lock every candidate first: that serialised every routing of a team behind
    one set of locks (~30 ms each, 33 req/s whatever the number of workers). Instead the
    loads are read without locks, the engine decides, and only the chosen rep is locked
    and its load counted again — a new statement after the lock, so it sees every
    assignment committed meanwhile. If a concurrent request took the last slot, the rep's
    true load goes back into the engine and it decides again; each retry fills one rep
    up to capacity in the engine's view. A rep whose row another request holds is about to
    receive that request's customer: they count one higher while the engine decides
    again (SKIP LOCKED), so a burst of creates spreads over the reps the objective
    prefers instead of queueing behind one. The capacity invariant holds because every writer (runs, manual assignment, claims,
    routing) counts a rep's load only while holding that rep's lock."""
    if not reps:
        return None, [{"code": "no_rep_in_region", "region": customer.region}]
    return _choose_and_lock_with_loads(customer, reps, rep_loads([r.pk for r in reps]), policy)


def _choose_and_lock_with_loads(
    customer: Customer, reps: list[Rep], loads: dict[int, int], policy: Policy
) -> tuple[Rep | None, list[dict[str, Any]]]:
    loads = dict(loads)
    busy: set[int] = set()
    held: list[int] = []  # reps locked so far (found full): their locks last to commit
    # Each round either returns, or raises one rep's load in the engine's view (busy: +1;
    # full or out of reach: to capacity), so it ends within 2 × len(reps) + 1 rounds.
    for _round in range(2 * len(reps) + 1):
        rep, reasons = customer_best_rep(customer, reps, loads, policy)
        if rep is None:
            return None, reasons
        wait = rep.pk in busy
        if wait and held and max(held) > rep.pk:
            # Waiting here would wait for a lower pk while holding a higher one, against
            # the pk order every writer keeps: a deadlock with a service locking both.
            # Count this busy rep as out of reach instead (rare: it needs a full rep
            # found first, then a busy better one).
            loads[rep.pk] = rep.capacity_or(policy.default_capacity)
            continue
        locked = _rep_lock(rep.pk, wait=wait)
        if locked is None:
            # Another request holds this rep: it is giving them a customer right now, so
            # their load is about to be one higher. Decide again with that load; if this
            # rep is still the best, wait for it (second pass: wait=True).
            busy.add(rep.pk)
            loads[rep.pk] = loads.get(rep.pk, 0) + 1
            continue
        held.append(locked.pk)
        capacity = locked.capacity_or(policy.default_capacity)
        load = _load_of(locked.pk)
        if load < capacity and locked.status != RepStatus.DEPARTED:
            return locked, reasons
        loads[rep.pk] = max(load, capacity)
    return None, [{"code": "no_rep_in_region", "region": customer.region}]


def _rep_lock(rep_id: int, *, wait: bool) -> Rep | None:
    """The rep's row, locked; None when another transaction holds it and `wait` is off
    (SKIP LOCKED: no error, so no savepoint round trips). SQLite has no row locks: its
    one writer at a time already gives the same guarantee."""
    rows = Rep.objects.select_for_update(of=("self",), skip_locked=not wait, no_key=True)
    return rows.select_related("team").filter(pk=rep_id).first()


def customer_best_rep(
    customer: Customer, reps: list[Rep], loads: dict[int, int], policy: Policy
) -> tuple[Rep | None, list[dict[str, Any]]]:
    """The engine on a one-customer problem with every rep's current load: the rep that
    adds most to the objective (None when nobody may take it), with the reasons. Routing,
    appeals' suggestions and every other one-customer decision go through here."""
    today = timezone.localdate()
    table = engine_customers([customer], {r.pk: r.key for r in reps})
    problem, allocation = allocate(table, engine_reps(reps, loads, today), policy, as_of=today)
    j = int(allocation.rep[0])
    if j < 0:
        return None, [reasons_structured(explain_unassigned(problem, allocation, 0))]
    reasons = explain_assignments(problem, allocation, np.array([0]))[0]
    return reps[j], [reasons_structured(r) for r in reasons]


def import_confirm_routed(viewer: Viewer, batch_id: int) -> tuple[ImportBatch, Run | None]:
    """Confirm an import and, when the policy routes imports, give the new customers that
    came without an owner their reps at once: one exact allocation over all of them with
    everyone's current load (better than routing them one by one), applied immediately.
    A batch too big for the request is left as a run in preview, computed in the
    background, for the manager to apply."""
    batch, unowned = import_confirm_with_new(viewer, batch_id)
    if not unowned or not policy_current().route_imported_customers:
        return batch, None
    run = run_create(viewer, scope=RunScope.SELECTION, customer_ids=unowned)
    if run.status == RunStatus.PREVIEW:
        run_apply(viewer, run.pk)
        run.refresh_from_db()
    return batch, run
