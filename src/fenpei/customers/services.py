"""Writes of customers that are not ownership changes (those live in allocation.services)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from fenpei.customers.models import Customer
from fenpei.engine import CustomerTable, Policy
from fenpei.engine.duplicates import normalise_name, phone_key
from fenpei.engine.model import TIERS
from fenpei.engine.scoring import priority_of, priority_parts, tier_of
from fenpei.teams.access import Viewer


def name_initials(name: str) -> str:
    """Pinyin initials of the Chinese characters, other letters and digits as written:
    华通科技 → htkj, so a rep can type "htkj" to find it."""
    parts = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(p for p in parts if p.isalnum()).lower()


def customer_key_for(name: str, credit_code: str = "") -> str:
    """A stable customer no. for a row that came without one: the same company always gets
    the same number, so importing the sheet twice cannot create it twice."""
    basis = credit_code or normalise_name(name)
    return "FP" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:10].upper()


def customer_derive(customer: Customer) -> None:
    """Fill the search and matching keys from the name (in memory; the caller saves)."""
    customer.name = customer.name.strip()
    customer.name_key = normalise_name(customer.name)
    customer.initials = name_initials(customer.name)[:200]
    customer.phone_key = phone_key(customer.phone)[:30]
    if not customer.key:
        customer.key = customer_key_for(customer.name, customer.credit_code)


def customers_rescore(customers: Sequence[Customer], policy: Policy, as_of: date) -> None:
    """Recompute the cached priority and tier (in memory; the caller saves)."""
    if not customers:
        return
    table = CustomerTable.from_columns(
        keys=[c.key for c in customers],
        names=[c.name for c in customers],
        potential_value=[float(c.potential_value) for c in customers],
        intent=[int(c.intent) for c in customers],
        deal_count=[c.deal_count for c in customers],
        deal_amount=[float(c.deal_amount) for c in customers],
        last_deal=[c.last_deal for c in customers],
        is_new=[c.is_new for c in customers],
    )
    priority = priority_of(priority_parts(table, policy, as_of))
    tier = tier_of(priority, policy)
    for c, p, t in zip(customers, priority.tolist(), tier.tolist(), strict=True):
        c.priority = float(p)
        c.tier = TIERS[int(t)]


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
