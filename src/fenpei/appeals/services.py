"""Writes of appeals (申诉): a rep opens or withdraws one, a manager approves or rejects.

Approving moves the customer through `owners_set` (source "appeal"), inside one
transaction that locks the customer first, then the appeal, then the rep who gains it —
customers before reps, each in primary-key order, as every owner-changing service does —
so an approval, a run, a claim or a second manager's decision queue instead of
deadlocking. Whether the appeal is still open is read under its lock, so of two managers
deciding at once exactly one decision is recorded and the other is told who was first.

Who is told: the managers of the deciding team when an appeal is opened or commented by
the rep; the appellant when a manager decides or comments.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fenpei.allocation.models import AssignmentSource
from fenpei.allocation.selectors import default_capacity, rep_loads
from fenpei.allocation.services import OwnerChange, owners_set
from fenpei.appeals.models import (
    ATTACHMENT_MAX_BYTES,
    Appeal,
    AppealEvent,
    AppealEventKind,
    AppealKind,
    AppealStatus,
)
from fenpei.appeals.selectors import appeal_decidable_by, appeals_visible_to, customer_by_ref
from fenpei.customers.models import Customer
from fenpei.customers.selectors import customers_visible_to
from fenpei.notifications.services import notify_users
from fenpei.teams.access import Viewer, reps_visible_to
from fenpei.teams.models import Rep, RepStatus, Team

#: codes of a refused step (ValidationError.code), for the API and the tests
DECIDED = "decided"  # the appeal is no longer open (another manager was first …)
ALREADY_OPEN = "already_open"
NOT_YOURS = "not_yours"
OVER_CAPACITY = "over_capacity"
TOO_LARGE = "too_large"
STALE = "stale"  # the customer changed owner since the appeal was opened


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


def _appellant(viewer: Viewer) -> Rep:
    if viewer.rep_id is None:
        raise PermissionDenied
    rep = Rep.objects.select_related("team").get(pk=viewer.rep_id)
    if rep.status == RepStatus.DEPARTED:
        raise PermissionDenied
    return rep


def _deciding_team(customer: Customer, appellant: Rep) -> int | None:
    """The team whose manager decides: the customer's, else its owner's, else the
    appellant's (a customer of the unrouted pool belongs to no team yet)."""
    if customer.team_id is not None:
        return customer.team_id
    if customer.owner_id is not None and customer.owner is not None:
        return customer.owner.team_id
    return appellant.team_id


def _managers_of(team_id: int | None) -> list[int]:
    if team_id is None:
        return list(get_user_model().objects.filter(is_superuser=True).values_list("pk", flat=True))
    manager = Team.objects.filter(pk=team_id).values_list("manager_id", flat=True).first()
    return [manager] if manager is not None else []


def _tell(user_ids: list[int], title: str, body: str, appeal: Appeal) -> None:
    """Notify once the decision is committed: a rolled-back step tells nobody."""
    ids = sorted({pk for pk in user_ids if pk is not None})
    if not ids:
        return
    url = reverse("appeals:detail", args=[appeal.pk])
    transaction.on_commit(lambda: notify_users(ids, "appeal", title, body, url))


def _record(appeal: Appeal, kind: str, user_id: int | None, note: str = "") -> AppealEvent:
    return AppealEvent.objects.create(appeal=appeal, kind=kind, user_id=user_id, note=note)


def _attachment_check(attachment: Attachment | None) -> None:
    if attachment is not None and len(attachment.data) > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {"attachment": _("The attachment is larger than 5 MB.")}, code=TOO_LARGE
        )


def _customer_for(viewer: Viewer, kind: str, customer_id: int | None, ref: str) -> Customer:
    """The customer appealed: by id among those the rep may see, or — for a claim of a
    colleague's customer the rep cannot open — by customer no., credit code, name or phone."""
    if customer_id is not None:
        visible = customers_visible_to(viewer).filter(pk=customer_id).values("pk")
        found = Customer.objects.select_related("owner", "team").filter(pk__in=visible).first()
        if found is None:
            raise Customer.DoesNotExist
        return found
    if kind != AppealKind.CLAIM or not ref.strip():
        raise ValidationError({"customer": _("Choose the customer.")})
    found = customer_by_ref(ref)
    if found is None:
        raise ValidationError(
            {"customer": _("No customer matches “%(ref)s”.") % {"ref": ref.strip()}}
        )
    return found


@transaction.atomic
def appeal_open(
    viewer: Viewer,
    *,
    kind: str,
    reason: str,
    customer_id: int | None = None,
    customer_ref: str = "",
    attachment: Attachment | None = None,
) -> Appeal:
    """A rep appeals: hands back a customer they own, or claims one (in their pool, or a
    colleague's named by its no. or name). Raises PermissionDenied (not a rep),
    Customer.DoesNotExist (an id the rep may not see) or ValidationError."""
    rep = _appellant(viewer)
    if kind not in AppealKind.values:
        raise ValidationError({"kind": _("Choose hand back or claim.")})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why.")})
    _attachment_check(attachment)
    customer = _customer_for(viewer, kind, customer_id, customer_ref)
    if kind == AppealKind.HAND_BACK and customer.owner_id != rep.pk:
        raise ValidationError(_("You can hand back only a customer you own."), code=NOT_YOURS)
    if kind == AppealKind.CLAIM and customer.owner_id == rep.pk:
        raise ValidationError(_("This customer is already yours."), code=NOT_YOURS)
    if Appeal.objects.filter(customer=customer, rep=rep, status=AppealStatus.OPEN).exists():
        raise ValidationError(
            _("You already have an open appeal on this customer."), code=ALREADY_OPEN
        )
    appeal = Appeal(
        customer=customer,
        rep=rep,
        team_id=_deciding_team(customer, rep),
        kind=kind,
        reason=reason[:2000],
        owner_at_open_id=customer.owner_id,
        created_by_id=viewer.user_id,
    )
    if attachment is not None:
        appeal.attachment_name = attachment.name[:200]
        appeal.attachment_type = (attachment.content_type or "application/octet-stream")[:100]
        appeal.attachment_data = attachment.data
    try:
        with transaction.atomic():  # the unique index settles two opens at once
            appeal.save()
    except IntegrityError:
        raise ValidationError(
            _("You already have an open appeal on this customer."), code=ALREADY_OPEN
        ) from None
    _record(appeal, AppealEventKind.OPENED, viewer.user_id, reason[:2000])
    title = (
        _("%(rep)s wants to hand back %(customer)s")
        if kind == AppealKind.HAND_BACK
        else _("%(rep)s claims %(customer)s")
    ) % {"rep": rep.name, "customer": customer.name}
    _tell(_managers_of(appeal.team_id), title, reason[:500], appeal)
    return appeal


def _locked_appeal(appeal_id: int, rows: Appeal) -> Appeal:
    """The appeal's row, locked after its customer's (customers first, then the rest)."""
    Customer.objects.select_for_update().filter(pk=rows.customer_id).first()
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("customer", "rep", "rep__user")
        .get(pk=appeal_id)
    )


def _refuse_decided(appeal: Appeal) -> None:
    if appeal.is_open:
        return
    who = ""
    if appeal.decided_by is not None:
        who = appeal.decided_by.get_full_name() or appeal.decided_by.get_username()
    when = (
        timezone.localtime(appeal.decided_at).strftime("%Y-%m-%d %H:%M")
        if appeal.decided_at
        else ""
    )
    if who:
        message = _("This appeal was already %(status)s by %(who)s at %(when)s.") % {
            "status": appeal.get_status_display(),
            "who": who,
            "when": when,
        }
    else:
        message = _("This appeal is already %(status)s.") % {"status": appeal.get_status_display()}
    raise ValidationError(message, code=DECIDED)


def _decision_lock(viewer: Viewer, appeal_id: int) -> Appeal:
    found = appeals_visible_to(viewer).filter(pk=appeal_id).first()
    if found is None:
        raise Appeal.DoesNotExist
    if not appeal_decidable_by(viewer, found):
        raise PermissionDenied
    appeal = _locked_appeal(appeal_id, found)
    _refuse_decided(appeal)
    return appeal


def _target_for(viewer: Viewer, appeal: Appeal, target_rep_id: int | None) -> Rep | None:
    if appeal.kind == AppealKind.CLAIM and target_rep_id is None:
        target_rep_id = appeal.rep_id
    if target_rep_id is None:
        return None  # a hand-back with no one named: to the pool
    if appeal.kind == AppealKind.HAND_BACK and target_rep_id == appeal.rep_id:
        raise ValidationError({"target": _("A handed-back customer goes to someone else.")})
    allowed = reps_visible_to(viewer).filter(pk=target_rep_id).exists() or (
        target_rep_id == appeal.rep_id
    )
    if not allowed:
        raise ValidationError({"target": _("No such rep in your teams.")})
    return Rep.objects.get(pk=target_rep_id)


def _rep_lock_with_room(rep: Rep) -> Rep:
    """Lock the rep gaining the customer and count its load under the lock, as
    `customers_assign` does, so concurrent assignments cannot both squeeze in."""
    locked = Rep.objects.select_for_update(of=("self",), no_key=True).get(pk=rep.pk)
    if locked.status == RepStatus.DEPARTED:
        raise ValidationError(
            {"target": _("%(rep)s has left and cannot take customers.") % {"rep": locked.name}}
        )
    capacity = locked.capacity_or(default_capacity())
    if rep_loads([locked.pk]).get(locked.pk, 0) + 1 > capacity:
        raise ValidationError(
            _("Over capacity: %(names)s cannot take that many customers.") % {"names": locked.name},
            code=OVER_CAPACITY,
        )
    return locked


@transaction.atomic
def appeal_approve(
    viewer: Viewer, appeal_id: int, target_rep_id: int | None, note: str = ""
) -> Appeal:
    """The manager approves: a claim gives the customer to the appellant (or the rep
    named), a hand-back to the rep named or, with none, to the pool."""
    appeal = _decision_lock(viewer, appeal_id)
    customer = appeal.customer
    if appeal.kind == AppealKind.HAND_BACK and customer.owner_id != appeal.rep_id:
        raise ValidationError(
            _("%(customer)s is no longer the appellant's customer: reject or withdraw this appeal.")
            % {"customer": customer.name},
            code=STALE,
        )
    target = _target_for(viewer, appeal, target_rep_id)
    if target is not None and customer.owner_id != target.pk:
        target = _rep_lock_with_room(target)
    note = note.strip()[:500]
    reason = {"kind": "appeal", "appeal": appeal.pk, "note": note[:200]}
    owners_set(
        [OwnerChange(customer, target, [reason] if target is not None else [])],
        source=AssignmentSource.APPEAL,
        user_id=viewer.user_id,
        note=note,
        end_reason=_("appeal #%(id)d approved") % {"id": appeal.pk},
    )
    appeal.status = AppealStatus.APPROVED
    appeal.target = target
    appeal.decided_by_id = viewer.user_id
    appeal.decided_at = timezone.now()
    appeal.decision_note = note
    appeal.save(update_fields=["status", "target", "decided_by", "decided_at", "decision_note"])
    _record(appeal, AppealEventKind.APPROVED, viewer.user_id, note)
    if target is None:
        body = _("%(customer)s went back to the pool.") % {"customer": customer.name}
    else:
        body = _("%(customer)s now belongs to %(rep)s.") % {
            "customer": customer.name,
            "rep": target.name,
        }
    if note:
        body = f"{body} {note}"
    title = _("Your appeal on %(customer)s was approved") % {"customer": customer.name}
    _tell([appeal.rep.user_id] if appeal.rep.user_id else [], title, body, appeal)
    return appeal


@transaction.atomic
def appeal_reject(viewer: Viewer, appeal_id: int, note: str) -> Appeal:
    """The manager rejects, saying why; nothing changes owner."""
    note = note.strip()[:500]
    if not note:
        raise ValidationError({"note": _("Say why the appeal is rejected.")})
    appeal = _decision_lock(viewer, appeal_id)
    appeal.status = AppealStatus.REJECTED
    appeal.decided_by_id = viewer.user_id
    appeal.decided_at = timezone.now()
    appeal.decision_note = note
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _record(appeal, AppealEventKind.REJECTED, viewer.user_id, note)
    title = _("Your appeal on %(customer)s was rejected") % {"customer": appeal.customer.name}
    _tell([appeal.rep.user_id] if appeal.rep.user_id else [], title, note, appeal)
    return appeal


def _own_lock(viewer: Viewer, appeal_id: int) -> Appeal:
    found = appeals_visible_to(viewer).filter(pk=appeal_id).first()
    if found is None:
        raise Appeal.DoesNotExist
    if viewer.rep_id is None or found.rep_id != viewer.rep_id:
        raise PermissionDenied
    appeal = _locked_appeal(appeal_id, found)
    _refuse_decided(appeal)
    return appeal


@transaction.atomic
def appeal_withdraw(viewer: Viewer, appeal_id: int, note: str = "") -> Appeal:
    """The appellant takes the appeal back while it is open."""
    appeal = _own_lock(viewer, appeal_id)
    appeal.status = AppealStatus.WITHDRAWN
    appeal.decided_by_id = viewer.user_id
    appeal.decided_at = timezone.now()
    appeal.save(update_fields=["status", "decided_by", "decided_at"])
    _record(appeal, AppealEventKind.WITHDRAWN, viewer.user_id, note.strip()[:2000])
    return appeal


@transaction.atomic
def appeal_comment(viewer: Viewer, appeal_id: int, note: str) -> AppealEvent:
    """A remark on an open appeal, by the appellant or a manager who may decide it."""
    note = note.strip()[:2000]
    if not note:
        raise ValidationError({"note": _("Write a comment.")})
    found = appeals_visible_to(viewer).filter(pk=appeal_id).first()
    if found is None:
        raise Appeal.DoesNotExist
    mine = viewer.rep_id is not None and found.rep_id == viewer.rep_id
    if not (mine or appeal_decidable_by(viewer, found)):
        raise PermissionDenied
    appeal = _locked_appeal(appeal_id, found)
    _refuse_decided(appeal)
    event = _record(appeal, AppealEventKind.COMMENTED, viewer.user_id, note)
    title = _("New comment on the appeal on %(customer)s") % {"customer": appeal.customer.name}
    if mine:
        _tell(_managers_of(appeal.team_id), title, note[:500], appeal)
    elif appeal.rep.user_id:
        _tell([appeal.rep.user_id], title, note[:500], appeal)
    return event
