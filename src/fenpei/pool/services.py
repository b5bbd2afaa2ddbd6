"""Writes of the pool (公海): a rep claims (领取), a manager returns (退回公海), the daily
reclaim (回收).

Every owner change goes through `owners_set` inside one transaction that has locked the
customers first, then the rep, each in primary-key order (the order every service locks
in), so a claim and a run, a routing, a reclaim or another claim queue instead of
deadlocking. What a claim checks (the rep's claims today, capacity) is counted under the
rep's lock; whether the customer is still in the pool is read under its own lock, so of
two reps claiming one customer at once exactly one wins and the other is told who.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from fenpei.allocation.models import Assignment, AssignmentSource
from fenpei.allocation.selectors import current_assignment, default_capacity, policy_current
from fenpei.allocation.services import OwnerChange, owners_set
from fenpei.customers.models import Customer
from fenpei.customers.selectors import customers_visible_to
from fenpei.engine.policy import PoolRules
from fenpei.pool.models import PoolEvent, PoolEventKind, ReclaimRule, ReclaimSweep
from fenpei.pool.selectors import ReclaimDue, claim_last, claims_today, reclaim_due, reclaim_plan
from fenpei.teams.access import Viewer
from fenpei.teams.models import Rep, RepStatus

#: codes of a refused claim (ValidationError.code), for the API and the tests
TAKEN = "taken"  # someone else claimed it first
NOT_IN_POOL = "not_in_pool"  # it has an owner (not by a claim), or it is yours
LIMIT = "claim_limit"
COOLDOWN = "cooldown"
OVER_CAPACITY = "over_capacity"
CONFLICT = "conflict"  # 撞单: a colleague owns the same company
UNAVAILABLE = "unavailable"  # the rep has left

#: customers reclaimed per transaction: short locks, and a failure loses little
RECLAIM_BATCH = 500


def _when(moment: datetime, now: datetime) -> str:
    local = timezone.localtime(moment)
    if local.date() == timezone.localtime(now).date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def _in_reach(rules: PoolRules, rep: Rep, team_id: int | None) -> bool:
    """Whether a customer of pool `team_id` is in the rep's pool under the policy."""
    return rules.scope == "company" or team_id is None or team_id == rep.team_id


def _refuse_owned(customer: Customer, rep: Rep, rules: PoolRules, now: datetime) -> None:
    """The customer has an owner: say who won if it was claimed from the rep's pool, else
    that it is gone; a customer the rep could never have seen is simply not there (404)."""
    if customer.owner_id == rep.pk:
        raise ValidationError(_("This customer is already yours."), code=NOT_IN_POOL)
    current = current_assignment(customer.pk)
    last = claim_last(customer.pk)
    if (
        current is not None
        and current.source == AssignmentSource.CLAIM
        and last is not None
        and last.rep_id == current.rep_id
        and _in_reach(rules, rep, last.team_id)
    ):
        raise ValidationError(
            _("Already claimed by %(name)s at %(time)s.")
            % {"name": last.rep.name, "time": _when(last.at, now)},
            code=TAKEN,
            params={"winner": last.rep.name, "at": last.at.isoformat()},
        )
    if _in_reach(rules, rep, customer.team_id):
        raise ValidationError(
            _("This customer is no longer in the pool: it has an owner now."), code=NOT_IN_POOL
        )
    raise Customer.DoesNotExist


def _duplicate_owned(customer: Customer, rep: Rep) -> tuple[Customer, str] | None:
    """撞单: a record of the same company (credit code, normalised name, phone) owned by
    another rep, and which key matched."""
    checks = [
        ("credit_code", customer.credit_code),
        ("name_key", customer.name_key),
        ("phone_key", customer.phone_key if len(customer.phone_key) >= 7 else ""),
    ]
    either = Q(pk__in=[])
    for column, value in checks:
        if value:
            either |= Q(**{column: value})
    found = list(
        Customer.objects.filter(either, owner__isnull=False)
        .exclude(pk=customer.pk)
        .exclude(owner_id=rep.pk)
        .select_related("owner", "owner__team")
        .order_by("pk")[:20]
    )
    for column, value in checks:
        for other in found:
            if value and getattr(other, column) == value:
                return other, column
    return None


def _refuse_duplicate(customer: Customer, rep: Rep) -> None:
    found = _duplicate_owned(customer, rep)
    if found is None:
        return
    other, column = found
    owner = other.owner
    assert owner is not None
    field = {
        "credit_code": _("credit code"),
        "name_key": _("company name"),
        "phone_key": _("phone"),
    }[column]
    if owner.team_id is not None and owner.team_id == rep.team_id:
        message = _(
            "Same company (%(field)s) as a customer %(owner)s owns already: ask your manager "
            "to merge the two records instead of claiming it."
        ) % {"field": field, "owner": owner.name}
    else:
        team = owner.team.name if owner.team is not None else _("no team")
        message = _(
            "Same company (%(field)s) as a customer a rep of team %(team)s owns already: "
            "ask your manager to merge the two records instead of claiming it."
        ) % {"field": field, "team": team}
    raise ValidationError(message, code=CONFLICT)


@transaction.atomic
def customer_claim(viewer: Viewer, customer_id: int, *, now: datetime | None = None) -> Customer:
    """A rep takes a customer from the pool (领取). Raises Customer.DoesNotExist (not in
    their pool: 404), PermissionDenied (no rep record) or ValidationError with one of the
    codes above and a message for the rep."""
    if viewer.rep_id is None:
        raise PermissionDenied
    now = now or timezone.now()
    rules = policy_current().pool
    customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if customer is None:
        raise Customer.DoesNotExist
    # The rep's row is locked after the customer's (the global order); reading it under
    # the lock also serialises one rep's concurrent claims for the count below. NO KEY
    # UPDATE, as every rep lock: a plain FOR UPDATE also waits for the key shares that
    # rows naming the rep (a run's items, an appeal) take at COMMIT, in their own order,
    # while those wait for this customer: a deadlock (tests/concurrency/test_lock_order).
    rep = Rep.objects.select_for_update(no_key=True).get(pk=viewer.rep_id)
    if customer.owner_id is not None:
        _refuse_owned(customer, rep, rules, now)
    if not _in_reach(rules, rep, customer.team_id):
        raise Customer.DoesNotExist
    if rep.status == RepStatus.DEPARTED:
        raise ValidationError(_("You have left and cannot claim customers."), code=UNAVAILABLE)
    today = timezone.localdate(now)
    if rules.claims_per_day <= 0:
        raise ValidationError(_("Claiming from the pool is closed by the policy."), code=LIMIT)
    if claims_today(rep.pk, today) >= rules.claims_per_day:
        raise ValidationError(
            _("You have claimed %(n)d customers today, the most the policy allows.")
            % {"n": rules.claims_per_day},
            code=LIMIT,
        )
    if rules.cooldown_days > 0:
        ended = (
            Assignment.objects.filter(
                customer_id=customer.pk,
                rep_id=rep.pk,
                ended_at__gt=now - timedelta(days=rules.cooldown_days),
            )
            .order_by("-ended_at")
            .values_list("ended_at", flat=True)
            .first()
        )
        if ended is not None:
            again = timezone.localdate(ended) + timedelta(days=rules.cooldown_days)
            raise ValidationError(
                _(
                    "You owned this customer until %(until)s; a former owner may claim it "
                    "again from %(again)s."
                )
                % {
                    "until": date_format(timezone.localdate(ended)),
                    "again": date_format(again),
                },
                code=COOLDOWN,
            )
    capacity = rep.capacity_or(default_capacity())
    if Customer.objects.filter(owner_id=rep.pk).count() + 1 > capacity:
        raise ValidationError(
            _("You already own %(n)d customers, your capacity.") % {"n": capacity},
            code=OVER_CAPACITY,
        )
    _refuse_duplicate(customer, rep)
    pool_team = customer.team_id
    owners_set(
        [OwnerChange(customer, rep, [{"kind": "claim"}])],
        source=AssignmentSource.CLAIM,
        user_id=viewer.user_id,
    )
    PoolEvent.objects.create(
        kind=PoolEventKind.CLAIM,
        customer=customer,
        rep=rep,
        team_id=pool_team,
        user_id=viewer.user_id,
        at=now,
        day=today,
    )
    return customer


def _locked_visible(viewer: Viewer, ids: Sequence[int]) -> list[Customer]:
    visible = customers_visible_to(viewer).filter(pk__in=list(ids)).values("pk")
    customers = list(Customer.objects.select_for_update().filter(pk__in=visible).order_by("pk"))
    if len(customers) != len(set(ids)):
        raise ValidationError(_("Some selected customers no longer exist or are not yours."))
    return customers


@transaction.atomic
def customers_return(
    viewer: Viewer, customer_ids: Sequence[int], reason: str, *, now: datetime | None = None
) -> int:
    """A manager returns customers to the pool (退回公海) with a reason, kept in the
    ownership history and the pool log. Customers already in the pool are left as they
    are. Returns how many went back."""
    if not viewer.can_manage:
        raise PermissionDenied
    reason = " ".join((reason or "").split())[:200]
    if not reason:
        raise ValidationError({"reason": _("Say why the customers go back to the pool.")})
    if not customer_ids:
        raise ValidationError(_("Select at least one customer."))
    now = now or timezone.now()
    owned = [c for c in _locked_visible(viewer, customer_ids) if c.owner_id is not None]
    events = [
        PoolEvent(
            kind=PoolEventKind.RETURN,
            customer=c,
            rep_id=c.owner_id,
            team_id=c.team_id,
            user_id=viewer.user_id,
            reason=reason,
            at=now,
            day=timezone.localdate(now),
        )
        for c in owned
        if c.owner_id is not None
    ]
    moved = owners_set(
        [OwnerChange(c, None, []) for c in owned],
        source=AssignmentSource.MANUAL,
        user_id=viewer.user_id,
        end_reason=_("returned to the pool: %(reason)s") % {"reason": reason},
        audit_source="return",
    )
    PoolEvent.objects.bulk_create(events)
    return moved


def reclaim_reason(due: ReclaimDue) -> str:
    if due.rule == ReclaimRule.NO_FOLLOWUP:
        return _("reclaimed: no follow-up for %(days)d days") % {"days": due.limit}
    return _("reclaimed: no deal for %(days)d days") % {"days": due.limit}


@dataclass(frozen=True, slots=True)
class ReclaimResult:
    reclaimed: list[ReclaimDue]
    skipped: int  # planned but changed before the lock (a follow-up, a new owner …)


def _reclaim_batch(
    ids: list[int], rules: PoolRules, today: date, now: datetime
) -> list[ReclaimDue]:
    with transaction.atomic():
        customers = list(Customer.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        # Checked again on the locked rows: since the plan was read a rep may have logged
        # a follow-up, or the customer been returned and claimed by someone new.
        due = [d for c in customers if (d := reclaim_due(c, rules)) and d.due <= today]
        if not due:
            return []
        events = [
            PoolEvent(
                kind=PoolEventKind.RECLAIM,
                customer=d.customer,
                rep_id=d.customer.owner_id,
                team_id=d.customer.team_id,
                reason=reclaim_reason(d),
                rule=d.rule,
                days=(today - d.since).days,
                at=now,
                day=today,
            )
            for d in due
            if d.customer.owner_id is not None
        ]
        for rule in (ReclaimRule.NO_FOLLOWUP, ReclaimRule.NO_DEAL):
            group = [d for d in due if d.rule == rule]
            if group:
                owners_set(
                    [OwnerChange(d.customer, None, []) for d in group],
                    source=AssignmentSource.MANUAL,
                    user_id=None,
                    end_reason=reclaim_reason(group[0]),
                    audit_source="reclaim",
                )
        PoolEvent.objects.bulk_create(events)
        return due


def customers_reclaim(
    today: date | None = None, *, dry_run: bool = False, now: datetime | None = None
) -> ReclaimResult:
    """Send every owned customer a reclaim rule has caught back to the pool (回收), each
    with its reason. `dry_run` only lists them. Won and locked customers are exempt."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    rules = policy_current().pool
    plan = reclaim_plan(rules, today)
    if dry_run:
        return ReclaimResult(plan, 0)
    done: list[ReclaimDue] = []
    ids = [d.customer.pk for d in plan]
    for start in range(0, len(ids), RECLAIM_BATCH):
        done.extend(_reclaim_batch(ids[start : start + RECLAIM_BATCH], rules, today, now))
    # The day's row (the scheduler may have made it): marks the day done, so a scheduler
    # does not queue it again after `fenpei reclaim` ran it.
    sweep, _created = ReclaimSweep.objects.get_or_create(day=today)
    ReclaimSweep.objects.filter(pk=sweep.pk).update(
        finished_at=timezone.now(), reclaimed=F("reclaimed") + len(done)
    )
    return ReclaimResult(done, len(plan) - len(done))
