"""Reads of customers, always through the viewer's access filter."""

from __future__ import annotations

from django.db.models import QuerySet

from fenpei.customers.models import Customer
from fenpei.teams.access import Viewer, customer_filter


def customers_visible_to(viewer: Viewer) -> QuerySet[Customer]:
    return Customer.objects.filter(customer_filter(viewer)).select_related("owner", "team")


def customer_get(viewer: Viewer, pk: int) -> Customer:
    """One customer the viewer may see; Customer.DoesNotExist (→ 404) otherwise."""
    return customers_visible_to(viewer).get(pk=pk)
