"""Writes of customers that are not ownership changes (those live in allocation.services)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fenpei.customers.models import Customer
from fenpei.customers.pinyin import name_initials
from fenpei.engine import CustomerTable, Policy
from fenpei.engine.duplicates import normalise_name, phone_key
from fenpei.engine.model import TIERS
from fenpei.engine.scoring import priority_of, priority_parts, tier_of
from fenpei.teams.access import Viewer


def customer_key_for(name: str, credit_code: str = "", name_key: str | None = None) -> str:
    """A stable customer no. for a row that came without one: the same company always gets
    the same number, so importing the sheet twice cannot create it twice. (`name_key`:
    the normalised name, when the caller has it already.)"""
    basis = credit_code or (name_key if name_key is not None else normalise_name(name))
    return "FP" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:10].upper()


def customer_derive(customer: Customer) -> None:
    """Fill the search and matching keys from the name (in memory; the caller saves)."""
    customer.name = customer.name.strip()
    customer.name_key = normalise_name(customer.name)
    customer.initials = name_initials(customer.name)[:200]
    customer.phone_key = phone_key(customer.phone)[:30]
    if not customer.key:
        customer.key = customer_key_for(customer.name, customer.credit_code)


def customers_score(
    columns: Mapping[str, Sequence[Any]], policy: Policy, as_of: date
) -> tuple[list[float], list[str]]:
    """Priority and tier of customers given as columns (Customer field → one value per
    customer: key, name, potential_value, intent, deal_count, deal_amount, last_deal,
    is_new), for writes of many customers that hold no model objects."""
    table = CustomerTable.from_columns(
        keys=list(columns["key"]),
        names=list(columns["name"]),
        potential_value=[float(v) for v in columns["potential_value"]],
        intent=[int(v) for v in columns["intent"]],
        deal_count=[int(v) for v in columns["deal_count"]],
        deal_amount=[float(v) for v in columns["deal_amount"]],
        last_deal=list(columns["last_deal"]),
        is_new=list(columns["is_new"]),
    )
    priority = priority_of(priority_parts(table, policy, as_of))
    tier = tier_of(priority, policy)
    return [float(p) for p in priority.tolist()], [TIERS[int(t)] for t in tier.tolist()]


#: the Customer fields priority and tier are computed from
SCORED_FIELDS = (
    "key",
    "name",
    "potential_value",
    "intent",
    "deal_count",
    "deal_amount",
    "last_deal",
    "is_new",
)


def customers_rescore(customers: Sequence[Customer], policy: Policy, as_of: date) -> None:
    """Recompute the cached priority and tier (in memory; the caller saves)."""
    if not customers:
        return
    columns = {name: [getattr(c, name) for c in customers] for name in SCORED_FIELDS}
    priorities, tiers = customers_score(columns, policy, as_of)
    for c, p, t in zip(customers, priorities, tiers, strict=True):
        c.priority = p
        c.tier = t


#: fields a manager may edit on the customer page
EDITABLE_FIELDS = (
    "name",
    "credit_code",
    "industry",
    "region",
    "city",
    "address",
    "potential_value",
    "intent",
    "products",
    "contact",
    "phone",
    "email",
    "deal_count",
    "deal_amount",
    "last_deal",
    "is_new",
    "stage",
    "locked",
)


@transaction.atomic
def customer_update(
    viewer: Viewer, customer: Customer, policy: Policy, as_of: date, **fields: Any
) -> Customer:
    if not viewer.can_manage:
        raise PermissionDenied
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(customer, name, value)
    customer_derive(customer)
    if customer.credit_code:
        clash = Customer.objects.filter(credit_code=customer.credit_code).exclude(pk=customer.pk)
        if clash.exists():
            raise ValidationError(
                {"credit_code": _("Another customer already has this credit code.")},
                code="duplicate",
            )
    customers_rescore([customer], policy, as_of)
    customer.full_clean()
    customer.save()
    return customer
