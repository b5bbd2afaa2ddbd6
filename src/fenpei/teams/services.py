"""Writes for reps and teams (销售与团队).

Who may do what:
- admins: everything, including creating teams and choosing their managers;
- managers: create and edit reps of their own teams only, and move a rep only between
  their own teams (never into another manager's team);
- reps and outsiders: nothing here.

Leave (请假): a rep with status "on leave" is unavailable between `leave_from` and
`leave_until`. Either date may be empty (open-ended on that side), and both empty means
on leave until a manager sets the rep back to active. When both are given, from must not
be after until. A rep who is active or has departed keeps no leave dates: they would have
no effect and would only mislead the next reader.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fenpei.teams.access import Viewer, reps_visible_to, teams_visible_to
from fenpei.teams.models import Level, Rep, RepStatus, Team

REP_EDITABLE = frozenset(
    {
        "level",
        "regions",
        "industries",
        "products",
        "capacity",
        "status",
        "leave_from",
        "leave_until",
        "team",
    }
)
TEAM_EDITABLE = frozenset({"name", "region", "manager"})


def _require_manager(viewer: Viewer) -> None:
    if not viewer.can_manage:
        raise PermissionDenied


def _require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise PermissionDenied


def _clean_list(values: Iterable[str]) -> list[str]:
    """Trimmed, without blanks or repeats, first order kept."""
    seen: dict[str, None] = {}
    for value in values:
        if str(value).strip():
            seen.setdefault(str(value).strip(), None)
    return list(seen)


def _team_check(viewer: Viewer, team: Team | None) -> None:
    if team is None:
        if not viewer.is_admin:  # a manager's rep without a team would vanish from view
            raise ValidationError({"team": _("Choose one of your teams.")})
        return
    if not teams_visible_to(viewer).filter(pk=team.pk).exists():
        raise ValidationError({"team": _("No such team among yours.")})


def _leave_check(rep: Rep) -> None:
    if rep.status != RepStatus.ON_LEAVE:
        rep.leave_from = rep.leave_until = None
        return
    start, end = rep.leave_from, rep.leave_until
    if start is not None and end is not None and start > end:
        raise ValidationError({"leave_until": _("The leave cannot end before it starts.")})


def _rep_set(rep: Rep, fields: dict[str, Any]) -> None:
    unknown = set(fields) - REP_EDITABLE
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        is_list = name in ("regions", "industries", "products")
        setattr(rep, name, _clean_list(value) if is_list else value)


def _rep_validate(viewer: Viewer, rep: Rep) -> None:
    _team_check(viewer, rep.team)
    if rep.level not in Level.values:
        raise ValidationError({"level": _("Unknown level.")})
    _leave_check(rep)
    rep.full_clean(exclude=["user"])


@transaction.atomic
def rep_update(viewer: Viewer, rep: Rep, **fields: Any) -> Rep:
    """Change a rep's profile. Rep.DoesNotExist when the rep is not the viewer's;
    ValidationError (by field) when a value is refused, in which case nothing is saved."""
    _require_manager(viewer)
    if not reps_visible_to(viewer).filter(pk=rep.pk).exists():
        raise Rep.DoesNotExist
    locked = Rep.objects.select_for_update(no_key=True).get(pk=rep.pk)
    _rep_set(locked, fields)
    _rep_validate(viewer, locked)
    locked.save()
    return locked


def _login_create(username: str, password: str, rep_name: str) -> Any:
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This login name is taken.")})
    user = user_model(username=username, first_name=rep_name[:150])
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def rep_create(
    viewer: Viewer,
    *,
    key: str,
    name: str,
    username: str = "",
    password: str = "",
    **fields: Any,
) -> Rep:
    """A new rep in one of the viewer's teams, with a login when `username` is given."""
    _require_manager(viewer)
    key, name, username = key.strip(), name.strip(), username.strip()
    if Rep.objects.filter(key=key).exists():
        raise ValidationError({"key": _("A rep with this employee no. exists already.")})
    rep = Rep(key=key, name=name)
    _rep_set(rep, fields)
    _rep_validate(viewer, rep)
    if username:
        if not password:
            raise ValidationError({"password": _("Give the new login a password.")})
        rep.user = _login_create(username, password, name)
    elif password:
        raise ValidationError({"username": _("Give the login a name, or leave both empty.")})
    rep.save()
    return rep


def _team_validate(team: Team) -> None:
    if Team.objects.filter(name=team.name.strip()).exclude(pk=team.pk).exists():
        raise ValidationError({"name": _("A team with this name exists already.")})
    team.name = team.name.strip()
    team.full_clean()


@transaction.atomic
def team_create(viewer: Viewer, *, name: str, region: str = "", manager: Any = None) -> Team:
    """Admins only: a new team, optionally with its manager (a login)."""
    _require_admin(viewer)
    team = Team(name=name, region=region.strip(), manager=manager)
    _team_validate(team)
    team.save()
    return team


@transaction.atomic
def team_update(viewer: Viewer, team: Team, **fields: Any) -> Team:
    """Admins only: rename a team, change its region or its manager."""
    _require_admin(viewer)
    unknown = set(fields) - TEAM_EDITABLE
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    locked = Team.objects.select_for_update().get(pk=team.pk)
    for name, value in fields.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _team_validate(locked)
    locked.save()
    return locked
