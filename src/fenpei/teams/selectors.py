"""Reads for the reps and teams pages (销售与团队), always from the viewer's access filters.

A rep's load is the number of customers they own now; counts come from one annotated
query per page (never one query per row). A rep with no capacity of their own uses the
active policy's default, as the engine does.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from fenpei.customers.models import Customer, Tier
from fenpei.customers.selectors import customers_visible_to
from fenpei.teams.access import Viewer, reps_visible_to, teams_visible_to
from fenpei.teams.models import Rep, RepStatus, Team

REP_CUSTOMERS_SHOWN = 100


def reps_with_load(
    viewer: Viewer,
    *,
    capacity_default: int,
    team_id: int | None = None,
    status: str = "",
) -> QuerySet[Rep]:
    """The viewer's reps with `load`, `capacity_used` (own or default) and tier counts
    `tier_a`, `tier_b`, `tier_c` of the customers they own."""
    reps = reps_visible_to(viewer)
    if team_id is not None:
        reps = reps.filter(team_id=team_id)
    if status:
        reps = reps.filter(status=status)
    return reps.annotate(
        load=Count("customers"),
        tier_a=Count("customers", filter=Q(customers__tier=Tier.A)),
        tier_b=Count("customers", filter=Q(customers__tier=Tier.B)),
        tier_c=Count("customers", filter=Q(customers__tier=Tier.C)),
        capacity_used=Coalesce("capacity", Value(capacity_default), output_field=IntegerField()),
    ).order_by("team__name", "key", "pk")


def rep_get(viewer: Viewer, pk: int, *, capacity_default: int) -> Rep:
    """One rep the viewer may see, with load figures; Rep.DoesNotExist (→ 404) otherwise."""
    return reps_with_load(viewer, capacity_default=capacity_default).get(pk=pk)


def rep_customers(viewer: Viewer, rep: Rep) -> QuerySet[Customer]:
    """The rep's customers the viewer may see, highest priority first (the first 100)."""
    return (
        customers_visible_to(viewer)
        .filter(owner_id=rep.pk)
        .order_by("-priority", "key", "pk")[:REP_CUSTOMERS_SHOWN]
    )


@dataclass(frozen=True, slots=True)
class TeamSummary:
    team: Team
    reps: int  # not departed
    customers: int  # customers of the team (Customer.team)
    load: int  # customers owned by the team's reps
    capacity: int  # sum of the team's available reps' capacities
    pool: int  # customers of the team with no owner


def team_summaries(viewer: Viewer, *, capacity_default: int) -> list[TeamSummary]:
    """One row per team the viewer may see; four grouped queries whatever the count."""
    teams = list(teams_visible_to(viewer).select_related("manager").order_by("name", "pk"))
    ids = [t.pk for t in teams]
    staff = {
        row["team_id"]: row
        for row in Rep.objects.filter(team_id__in=ids)
        .exclude(status=RepStatus.DEPARTED)
        .values("team_id")
        .annotate(
            n=Count("pk"),
            capacity=Sum(Coalesce("capacity", Value(capacity_default))),
        )
        .order_by("team_id")
    }
    customers = {
        row["team_id"]: row
        for row in Customer.objects.filter(team_id__in=ids)
        .values("team_id")
        .annotate(n=Count("pk"), pool=Count("pk", filter=Q(owner__isnull=True)))
        .order_by("team_id")
    }
    loads = dict(
        Customer.objects.filter(owner__team_id__in=ids)
        .values("owner__team_id")
        .annotate(n=Count("pk"))
        .order_by("owner__team_id")
        .values_list("owner__team_id", "n")
    )
    return [
        TeamSummary(
            team=t,
            reps=staff.get(t.pk, {}).get("n", 0),
            customers=customers.get(t.pk, {}).get("n", 0),
            load=loads.get(t.pk, 0),
            capacity=staff.get(t.pk, {}).get("capacity") or 0,
            pool=customers.get(t.pk, {}).get("pool", 0),
        )
        for t in teams
    ]


def team_get(viewer: Viewer, pk: int) -> Team:
    """Team.DoesNotExist (→ 404) when the viewer may not see it."""
    return teams_visible_to(viewer).select_related("manager").get(pk=pk)
