"""Reads for allocation: the active policy, runs, ownership history."""

from __future__ import annotations

import functools

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet

from fenpei.allocation.models import Assignment, PolicyVersion, Run, RunItem
from fenpei.engine import DEFAULT_POLICY_TOML, Policy, policy_from_toml
from fenpei.teams.access import Viewer
from fenpei.teams.models import Rep


def policy_active() -> PolicyVersion:
    """The active policy version; version 1 (the built-in default) on a new database."""
    active = PolicyVersion.objects.filter(is_active=True).first()
    if active is not None:
        return active
    try:
        with transaction.atomic():
            return PolicyVersion.objects.create(
                number=1, toml=DEFAULT_POLICY_TOML, note="default", is_active=True
            )
    except IntegrityError:  # another request created it first
        return PolicyVersion.objects.get(is_active=True)


def policy_current() -> Policy:
    """The active policy as the engine's data (parsed once per version)."""
    return policy_engine(policy_active())


def default_capacity() -> int:
    """Capacity of a rep whose own is empty: the active policy's default."""
    return policy_current().default_capacity


def policy_engine(version: PolicyVersion) -> Policy:
    return _policy_parsed(version.toml)


@functools.lru_cache(maxsize=16)
def _policy_parsed(toml: str) -> Policy:
    # Versions never change once written, and Policy is frozen: parse each text once
    # (real-time routing asks for the active policy on every new customer).
    return policy_from_toml(toml)


def runs_visible_to(viewer: Viewer) -> QuerySet[Run]:
    runs = Run.objects.select_related("policy", "team", "created_by", "decided_by")
    if viewer.is_admin:
        return runs
    if viewer.is_manager:
        return runs.filter(Q(team_id__in=viewer.team_ids) | Q(created_by_id=viewer.user_id))
    return runs.none()


def run_get(viewer: Viewer, pk: int) -> Run:
    return runs_visible_to(viewer).get(pk=pk)


def run_items(run: Run, show: str = "all") -> QuerySet[RunItem]:
    """Items of a run's preview. show: "changes" (new owner), "unassigned", or "all"."""
    items = run.items.select_related("customer", "rep", "previous_owner").order_by(
        "-priority", "customer__key", "pk"
    )
    if show == "changes":
        return items.filter(rep__isnull=False).exclude(rep_id=F("previous_owner_id"))
    if show == "unassigned":
        return items.filter(rep__isnull=True)
    return items


def assignments_of_customer(customer_id: int) -> QuerySet[Assignment]:
    return Assignment.objects.filter(customer_id=customer_id).select_related(
        "rep", "run", "started_by", "ended_by"
    )


def current_assignment(customer_id: int) -> Assignment | None:
    return assignments_of_customer(customer_id).filter(ended_at__isnull=True).first()


def rep_loads(rep_ids: list[int] | None = None) -> dict[int, int]:
    """Customers each rep owns now."""
    reps = Rep.objects.all() if rep_ids is None else Rep.objects.filter(pk__in=rep_ids)
    return dict(reps.annotate(n=Count("customers")).values_list("pk", "n"))
