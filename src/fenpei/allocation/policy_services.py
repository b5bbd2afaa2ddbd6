"""Writes of the allocation policy (分配策略): new versions and rollbacks.

Who may change it: admins and managers. The policy is global (one active version for
the whole company), so a manager's change affects every team; that is deliberate: the
managers together own the rules, and the version history records who changed what and
why, and lets any of them roll back. Reps may read the policy (they should know the rules
that give them customers) but never change it.

The partial unique index `one_active_policy` allows one active row at most. Switching
versions therefore locks the active row, deactivates it, and only then activates the
other one, all in one transaction: the index is never violated, and two managers saving
at once queue on the lock instead of one failing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from fenpei.allocation.models import PolicyVersion
from fenpei.allocation.selectors import policy_active
from fenpei.audit.services import audit_policy_change
from fenpei.engine import Policy, PolicyError, policy_from_toml
from fenpei.teams.access import Viewer

NOTE_MAX = 200


def _require_editor(viewer: Viewer) -> None:
    if not viewer.can_manage:
        raise PermissionDenied


def _active_locked() -> PolicyVersion:
    """The active version, locked until the transaction ends.

    On PostgreSQL a request that waited for the lock while another switched versions
    finds its row no longer active (the WHERE is re-checked after the wait) and gets
    nothing; it then reads again and locks the new active row.
    """
    for _attempt in range(5):
        active = PolicyVersion.objects.select_for_update().filter(is_active=True).first()
        if active is not None:
            return active
        policy_active()  # a new database gets version 1 first
    raise ValidationError(_("The policy is being changed by someone else; try again."))


def _same_policy(toml_text: str, policy: Policy) -> bool:
    try:
        return policy_from_toml(toml_text) == policy
    except PolicyError:  # a stored version the current engine rejects differs from any
        return False


def policy_version_create(viewer: Viewer, toml_text: str, note: str = "") -> PolicyVersion:
    """Store `toml_text` as the next version and make it the active one.

    Refuses text `policy_from_toml` rejects (the message names the key) and a policy equal
    to the active one (a version that changes nothing would only clutter the history).
    """
    _require_editor(viewer)
    try:
        policy = policy_from_toml(toml_text)
    except PolicyError as exc:
        raise ValidationError(str(exc), code="policy") from exc
    with transaction.atomic():
        active = _active_locked()
        if _same_policy(active.toml, policy):
            raise ValidationError(
                _("Nothing changed: this is the policy of the active version."), code="same"
            )
        number = (PolicyVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        active.is_active = False
        active.save(update_fields=["is_active"])
        version = PolicyVersion.objects.create(
            number=number,
            toml=toml_text,
            note=note.strip()[:NOTE_MAX],
            is_active=True,
            created_by_id=viewer.user_id,
        )
        audit_policy_change(viewer.user_id, active.number, version.number, version.note, "create")
        return version


def policy_version_activate(viewer: Viewer, number: int) -> PolicyVersion:
    """Make an existing version the active one again (a rollback); creates no version.

    PolicyVersion.DoesNotExist (→ 404) when there is no such version.
    """
    _require_editor(viewer)
    with transaction.atomic():
        active = _active_locked()
        target = PolicyVersion.objects.select_for_update().get(number=number)
        if target.pk == active.pk:
            return target
        active.is_active = False
        active.save(update_fields=["is_active"])
        target.is_active = True
        target.save(update_fields=["is_active"])
        audit_policy_change(viewer.user_id, active.number, target.number, "", "activate")
        return target
