"""Real-time routing (实时分配): a new customer gets its owner the moment it is created.

The rep chosen is the one that maximises the published objective's *marginal* value
given every rep's current load: M + priority × fit − λ · L_r / C_r over eligible reps with
room (the same eligibility, fit and balance as a run). It is computed by the engine itself
on a one-customer problem whose reps carry their current loads as existing load, so a run
and a routing can never disagree about the rules.

Concurrency: the candidate reps' rows are locked (in primary-key order, the order every
service locks reps in) and their loads counted again under the lock before the engine
decides, so two customers routed at once can never push a rep past capacity; the
one-current-owner index guards the customer side. Duplicate checks run under a
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
from fenpei.allocation.models import AssignmentSource, Run, RunScope, RunStatus
from fenpei.allocation.selectors import policy_current, rep_loads
from fenpei.allocation.services import (
    OwnerChange,
    owners_set,
    reasons_structured,
    run_apply,
    run_create,
)
from fenpei.customers.import_services import import_confirm_with_new
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


@dataclass(frozen=True, slots=True)
class Routed:
    customer: Customer
    rep: Rep | None
    reasons: list[dict[str, Any]]  # structured; fenpei.allocation.reasons words them
    routed: bool  # routing was attempted (the policy or the caller asked for it)


def _advisory_lock(*keys: str) -> None:
    """Serialise concurrent creates of the same company on PostgreSQL."""
    if connection.vendor != "postgresql":
        return
    ids = sorted(
        {
            int.from_bytes(hashlib.sha1(k.encode()).digest()[:8], "big", signed=True)
            for k in keys
            if k
        }
    )
    with connection.cursor() as cursor:
        for lock_id in ids:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


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
    customer.full_clean(
        exclude=["key", "name_key"], validate_unique=False, validate_constraints=False
    )
    customer_derive(customer)
    return customer


@transaction.atomic
def customer_create(viewer: Viewer, fields: dict[str, Any], *, route: bool | None = None) -> Routed:
    """Create a customer and, when the policy says so (or `route` is given), give it an
    owner at once. Raises ValidationError, PermissionDenied or DuplicateCustomer."""
    if not viewer.can_manage:
        raise PermissionDenied
    customer = _build(viewer, fields)
    _advisory_lock(customer.key, customer.credit_code, customer.name_key, customer.phone_key)
    existing = customer_find_existing(customer, key_given=bool(fields.get("key")))
    if existing is not None:
        raise DuplicateCustomer(*existing)
    policy = policy_current()
    customers_rescore([customer], policy, timezone.localdate())
    customer.save()
    if route is None:
        route = policy.route_new_customers
    if not route:
        return Routed(customer, None, [], routed=False)
    rep, reasons = _route(viewer, customer, policy)
    return Routed(customer, rep, reasons, routed=True)


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
    rep, reasons = _route(viewer, customer, policy_current())
    return Routed(customer, rep, reasons, routed=True)


def _candidate_reps(viewer: Viewer, customer: Customer) -> list[Rep]:
    """The reps who may take the customer, locked in pk order: the loads the engine then
    counts are the loads the assignment lands on, so no other routing can take a slot in
    between (and every service locks reps in this same order)."""
    visible = reps_visible_to(viewer).exclude(status=RepStatus.DEPARTED)
    if customer.team_id is not None:
        visible = visible.filter(team_id=customer.team_id)
    reps = Rep.objects.select_for_update(of=("self",)).select_related("team")
    return list(reps.filter(pk__in=visible.values("pk")).order_by("pk"))


def _decide(
    customer: Customer, reps: list[Rep], policy: Policy
) -> tuple[Rep | None, list[dict[str, Any]]]:
    """The engine on a one-customer problem with every rep's current load."""
    today = timezone.localdate()
    loads = rep_loads([r.pk for r in reps])
    table = engine_customers([customer], {r.pk: r.key for r in reps})
    problem, allocation = allocate(table, engine_reps(reps, loads, today), policy, as_of=today)
    j = int(allocation.rep[0])
    if j < 0:
        return None, [reasons_structured(explain_unassigned(problem, allocation, 0))]
    reasons = explain_assignments(problem, allocation, np.array([0]))[0]
    return reps[j], [reasons_structured(r) for r in reasons]


def _route(
    viewer: Viewer, customer: Customer, policy: Policy
) -> tuple[Rep | None, list[dict[str, Any]]]:
    reps = _candidate_reps(viewer, customer)
    if not reps:
        return None, [{"code": "no_rep_in_region", "region": customer.region}]
    rep, reasons = _decide(customer, reps, policy)
    if rep is not None:
        owners_set(
            [OwnerChange(customer, rep, reasons)],
            source=AssignmentSource.ROUTE,
            user_id=viewer.user_id,
        )
    return rep, reasons


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
