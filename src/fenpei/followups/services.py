"""Writes: log a follow-up (跟进), record a deal (成交 / 丢单).

Each write locks the customer row first (`select_for_update`), checks who may write on the
locked row (the owner may have changed since the page was drawn), appends the entry and
updates the customer's cached fields in the same transaction. Nothing else is locked, so
the lock order of ownership changes (customers, then reps) is kept.

The effect of an entry on the customer is a pure function (`customer_followup_effect`,
`customer_deal_effect`), shared with the demo loader so both keep the same rules.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fenpei.allocation.selectors import policy_current
from fenpei.customers.models import Customer, Stage
from fenpei.customers.selectors import customers_visible_to
from fenpei.customers.services import customers_rescore
from fenpei.followups.models import Channel, Deal, DealResult, FollowUp
from fenpei.teams.access import Viewer

#: a phone's clock a little ahead of the server's is not "the future"
CLOCK_SLACK = timedelta(minutes=5)
#: the furthest ahead a next step may be planned: a typo in the year is caught
NEXT_STEP_HORIZON_DAYS = 366
#: the oldest contact or deal worth logging: older history belongs in an import
HISTORY_DAYS = 3 * 366


def customer_writable(viewer: Viewer, customer: Customer) -> bool:
    """May the viewer log follow-ups and deals on this (visible) customer?

    The owner may; a manager may on the customers of their teams; an admin on any. A rep
    may not write on a pool customer before claiming it: the log would then speak for a
    customer nobody is responsible for.
    """
    if viewer.is_admin:
        return True
    if viewer.rep_id is not None and customer.owner_id == viewer.rep_id:
        return True
    if viewer.is_manager:
        if customer.team_id in viewer.team_ids:
            return True
        owner = customer.owner
        return owner is not None and owner.team_id in viewer.team_ids
    return False


def _customer_locked(viewer: Viewer, customer_id: int) -> Customer:
    """The customer, locked; Customer.DoesNotExist (404) when the viewer may not see it,
    PermissionDenied (403) when they see it but may not write on it."""
    visible = customers_visible_to(viewer).filter(pk=customer_id)
    customer = (
        Customer.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk__in=visible.values("pk"))
    )
    if not customer_writable(viewer, customer):
        raise PermissionDenied(_("Claim this customer before you log follow-ups or deals on it."))
    return customer


# -------------------------------------------------------------------- follow-ups


def followup_check(
    *,
    contact_at: datetime,
    channel: str,
    note: str,
    next_step: str,
    next_step_due: date | None,
    now: datetime,
) -> None:
    """The rules of a follow-up, every broken one named by its field.

    A next step may be due in the past only when the contact itself is history (logged on
    a later day than it happened): "called on the 3rd, promised a quote by the 5th" typed
    up on the 10th is true, and shows as overdue if nothing newer was logged. A next step
    planned today must lie ahead.
    """
    errors: dict[str, str] = {}
    today = timezone.localdate(now)
    contact_day = timezone.localdate(contact_at)
    if contact_at > now + CLOCK_SLACK:
        errors["contact_at"] = _("The contact time cannot be in the future.")
    elif contact_day < today - timedelta(days=HISTORY_DAYS):
        errors["contact_at"] = _("The contact time is more than three years ago.")
    if channel not in Channel.values:
        errors["channel"] = _("Choose how you were in contact.")
    if not note.strip():
        errors["note"] = _("Say briefly what was said or done.")
    if next_step_due is not None:
        if not next_step.strip():
            errors["next_step"] = _("Say what the next step is, or leave its date empty.")
        if next_step_due < contact_day:
            errors["next_step_due"] = _("The next step cannot be due before the contact.")
        elif next_step_due < today and contact_day >= today:
            errors["next_step_due"] = _(
                "The next step of today's contact cannot be due in the past."
            )
        elif next_step_due > today + timedelta(days=NEXT_STEP_HORIZON_DAYS):
            errors["next_step_due"] = _("The next step is more than a year ahead.")
    if errors:
        raise ValidationError(errors)


def customer_followup_effect(customer: Customer, followup: FollowUp) -> list[str]:
    """Apply a new follow-up to the customer in memory; → the fields changed.

    The latest follow-up by contact time is the one the customer shows: a back-dated entry
    (history typed up late) never overwrites a newer contact or its next step. A follow-up
    on a lead means someone is working on it: the lead becomes "following up".
    """
    changed: list[str] = []
    last = customer.last_followup_at
    if last is None or followup.contact_at >= last:
        customer.last_followup_at = followup.contact_at
        customer.next_step = followup.next_step
        customer.next_step_due = followup.next_step_due
        changed += ["last_followup_at", "next_step", "next_step_due"]
    if customer.stage == Stage.LEAD:
        customer.stage = Stage.FOLLOWING
        changed.append("stage")
    return changed


@transaction.atomic
def followup_log(
    viewer: Viewer,
    customer_id: int,
    *,
    contact_at: datetime | None = None,
    channel: str,
    note: str,
    outcome: str = "",
    next_step: str = "",
    next_step_due: date | None = None,
) -> FollowUp:
    """Log a contact with a customer (跟进). `contact_at` defaults to now."""
    customer = _customer_locked(viewer, customer_id)
    now = timezone.now()
    contact_at = contact_at or now
    followup_check(
        contact_at=contact_at,
        channel=channel,
        note=note,
        next_step=next_step,
        next_step_due=next_step_due,
        now=now,
    )
    followup = FollowUp.objects.create(
        customer=customer,
        author_id=viewer.user_id,
        rep_id=viewer.rep_id,
        contact_at=contact_at,
        channel=channel,
        note=note.strip(),
        outcome=outcome.strip(),
        next_step=next_step.strip(),
        next_step_due=next_step_due if next_step.strip() else None,
    )
    changed = customer_followup_effect(customer, followup)
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
    return followup


# ------------------------------------------------------------------------- deals


def deal_check(*, result: str, amount: Decimal, closed_on: date, today: date) -> None:
    errors: dict[str, str] = {}
    if result not in DealResult.values:
        errors["result"] = _("Choose won or lost.")
    if amount < 0:
        errors["amount"] = _("The amount cannot be negative.")
    if closed_on > today:
        errors["closed_on"] = _("The deal date cannot be in the future.")
    elif closed_on < today - timedelta(days=HISTORY_DAYS):
        errors["closed_on"] = _("The deal date is more than three years ago.")
    if errors:
        raise ValidationError(errors)


def customer_deal_effect(customer: Customer, deal: Deal, *, latest: bool) -> list[str]:
    """Apply a new deal to the customer's history in memory; → the fields changed.

    Won: one more deal, its amount added, the last deal date moved up (never back), and
    the customer is no longer new. Lost: the history is unchanged. The stage follows the
    most recent deal only (`latest`): a back-dated loss does not undo a newer win.
    """
    changed: list[str] = []
    if deal.result == DealResult.WON:
        customer.deal_count += 1
        customer.deal_amount += deal.amount
        if customer.last_deal is None or deal.closed_on > customer.last_deal:
            customer.last_deal = deal.closed_on
        customer.is_new = False
        changed += ["deal_count", "deal_amount", "last_deal", "is_new"]
    if latest:
        customer.stage = Stage.WON if deal.result == DealResult.WON else Stage.LOST
        changed.append("stage")
    return changed


@transaction.atomic
def deal_record(
    viewer: Viewer,
    customer_id: int,
    *,
    result: str,
    amount: Decimal,
    closed_on: date | None = None,
    note: str = "",
) -> Deal:
    """Record a deal won or lost (成交 / 丢单); the customer's priority is scored again,
    since its deal history feeds it."""
    customer = _customer_locked(viewer, customer_id)
    today = timezone.localdate()
    closed_on = closed_on or today
    deal_check(result=result, amount=amount, closed_on=closed_on, today=today)
    newer = Deal.objects.filter(customer=customer, closed_on__gt=closed_on).exists()
    deal = Deal.objects.create(
        customer=customer,
        author_id=viewer.user_id,
        rep_id=viewer.rep_id,
        result=result,
        amount=amount,
        closed_on=closed_on,
        note=note.strip(),
    )
    changed = customer_deal_effect(customer, deal, latest=not newer)
    customers_rescore([customer], policy_current(), today)
    customer.save(update_fields=[*changed, "priority", "tier", "updated_at"])
    return deal
