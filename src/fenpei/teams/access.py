"""Who is looking (`Viewer`) and what they may see, as query filters.

Record-level access lives here and in the selectors that use it, never in templates:
every page and API builds its querysets from `customers_visible_to` /
`reps_visible_to`, so a rep asking for another rep's customer by id gets a 404 because
the row is simply not in their queryset.

Roles, highest first:
- admin: a superuser; sees and changes everything.
- manager: manages one or more teams; sees those teams' reps and customers, and the
  unrouted pool (customers with no owner and no team) so they can allocate them.
- rep: has a rep record; sees own customers and the pool: their team's and the unrouted
  one, or every unowned customer when the policy's `pool.scope` is "company".
- anyone else (an outsider with a login) sees nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from fenpei.engine.policy import PolicyError, PoolRules, policy_from_toml
from fenpei.teams.models import Rep, Team

ADMIN = "admin"
MANAGER = "manager"
REP = "rep"
OUTSIDER = "outsider"


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int | None
    role: str
    rep_id: int | None  # the viewer's own rep record, if any
    team_ids: frozenset[int]  # managed teams (manager) or own team (rep)
    #: the pool a rep sees: "team" (own team's and the unrouted) or "company" (all)
    pool_scope: str = "team"

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_manager(self) -> bool:
        return self.role == MANAGER

    @property
    def is_rep(self) -> bool:
        return self.role == REP

    @property
    def can_manage(self) -> bool:
        """May assign, run allocations, import and edit policy-level data."""
        return self.role in (ADMIN, MANAGER)


def viewer_of(user: Any) -> Viewer:
    """The role and scope of a user (a User, AnonymousUser or None)."""
    if user is None or not user.is_authenticated:
        return Viewer(None, OUTSIDER, None, frozenset())
    rep = Rep.objects.filter(user_id=user.pk).only("id", "team_id").first()
    rep_id = rep.pk if rep is not None else None
    if user.is_superuser:
        return Viewer(user.pk, ADMIN, rep_id, frozenset())
    managed = frozenset(Team.objects.filter(manager_id=user.pk).values_list("id", flat=True))
    if managed:
        return Viewer(user.pk, MANAGER, rep_id, managed)
    if rep is not None:
        teams = frozenset({rep.team_id}) if rep.team_id is not None else frozenset()
        return Viewer(user.pk, REP, rep_id, teams, pool_scope_active())
    return Viewer(user.pk, OUTSIDER, None, frozenset())


def pool_scope_active() -> str:
    """The active policy's `pool.scope`. Teams sit below allocation, so the version is
    looked up by app label instead of importing it; one small query, parsed once per
    policy text."""
    versions = apps.get_model("allocation", "PolicyVersion")
    toml = versions.objects.filter(is_active=True).values_list("toml", flat=True).first()
    return _pool_scope(toml) if toml else PoolRules().scope


@functools.lru_cache(maxsize=16)
def _pool_scope(toml: str) -> str:
    try:
        return policy_from_toml(toml).pool.scope
    except PolicyError:  # an active version is always valid; never fail a page on it
        return PoolRules().scope


def manager_of(user: Any) -> Viewer:
    """The viewer of a manager-only page or action: PermissionDenied (403) for anyone
    else (reps, outsiders)."""
    viewer = viewer_of(user)
    if not viewer.can_manage:
        raise PermissionDenied
    return viewer


def customer_filter(viewer: Viewer) -> Q:
    """The customers a viewer may see, as a filter on Customer."""
    if viewer.is_admin:
        return Q()
    pool = Q(owner__isnull=True)
    if viewer.is_manager:
        teams = viewer.team_ids
        # The owner's team as a subquery, not a join: an OR that spans a join keeps
        # PostgreSQL from walking an index of customers and stopping after one page.
        team_reps = Rep.objects.filter(team_id__in=teams).values("pk")
        return Q(team_id__in=teams) | Q(owner_id__in=team_reps) | (pool & Q(team__isnull=True))
    if viewer.is_rep:
        if viewer.pool_scope == "company":
            return Q(owner_id=viewer.rep_id) | pool
        own_pool = pool & (Q(team__isnull=True) | Q(team_id__in=viewer.team_ids))
        return Q(owner_id=viewer.rep_id) | own_pool
    return Q(pk__in=[])


def reps_visible_to(viewer: Viewer) -> QuerySet[Rep]:
    reps = Rep.objects.select_related("team", "user")
    if viewer.is_admin:
        return reps
    if viewer.is_manager:
        return reps.filter(team_id__in=viewer.team_ids)
    if viewer.is_rep and viewer.rep_id is not None:
        return reps.filter(pk=viewer.rep_id)
    return reps.none()


def teams_visible_to(viewer: Viewer) -> QuerySet[Team]:
    if viewer.is_admin:
        return Team.objects.all()
    return Team.objects.filter(pk__in=viewer.team_ids)
