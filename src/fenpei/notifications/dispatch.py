"""What the system tells whom: inbox items and group-robot messages made from committed
owner changes (audit events) and from the daily reclaim warnings.

Text is written in the site's default language (zh-hans) whoever triggered it: the item
is read later by someone else, and a group chat is shared by the whole team.
Owner changes are grouped per recipient per commit: a run that gives a rep 40 customers
makes one "40 new customers" item, not 40.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fenpei.allocation.selectors import policy_current
from fenpei.audit.models import AuditEvent, AuditKind, AuditSource
from fenpei.notifications.models import Notification, NotificationKind, WebhookChannel
from fenpei.notifications.services import deliveries_create, notify_users
from fenpei.notifications.tasks import webhook_deliver_task
from fenpei.pool.selectors import reclaim_plan
from fenpei.teams.models import Rep

#: Customer names listed in one item; the rest are counted.
NAMES_SHOWN = 10

# Sources where the owner acted on their own customers (claim, return, own lead) or the
# record was folded into another (merge): nobody else needs telling.
_QUIET = frozenset({AuditSource.CLAIM, AuditSource.RETURN, AuditSource.OWN_LEAD, AuditSource.MERGE})


def _names(names: Sequence[str]) -> str:
    shown = "、".join(names[:NAMES_SHOWN])
    rest = len(names) - NAMES_SHOWN
    if rest > 0:
        more = ngettext("and %(count)d more", "and %(count)d more", rest) % {"count": rest}
        return f"{shown} {more}"
    return shown


def webhooks_broadcast(kind: str, title: str, text: str, team_ids: Iterable[int | None]) -> int:
    """Queue a message to every enabled channel that hears `kind`: company-wide ones and
    those of `team_ids`. The HTTP happens in a task after commit. Returns deliveries made."""
    teams = {t for t in team_ids if t is not None}
    channels = [
        c
        for c in WebhookChannel.objects.filter(
            Q(team__isnull=True) | Q(team_id__in=teams), enabled=True
        )
        if c.hears(kind)
    ]
    return webhooks_queue(channels, kind, title, text)


def webhooks_queue(channels: list[WebhookChannel], kind: str, title: str, text: str) -> int:
    """Delivery rows now; the tasks once they are committed (a worker must find them)."""
    if not channels:
        return 0
    ids = deliveries_create(channels, kind, title, text)

    def enqueue() -> None:
        for delivery_id in ids:
            webhook_deliver_task.enqueue(delivery_id)

    transaction.on_commit(enqueue)
    return len(ids)


@transaction.atomic
def webhook_channel_test(channel: WebhookChannel) -> int:
    """ "Send a test" on a channel: one delivery, queued like any other."""
    return webhooks_queue(
        [channel], "test", _("Fenpei test message"), _("This group will get Fenpei news.")
    )


# ------------------------------------------------------------------ owner changes


def _users_of(rep_ids: Iterable[int]) -> dict[int, int | None]:
    return dict(Rep.objects.filter(pk__in=set(rep_ids)).values_list("pk", "user_id"))


def owner_changes_notify(events: Sequence[AuditEvent]) -> int:
    """Inbox items (and robot messages) for one commit's owner changes: the new owner
    ("N new customers"), the former owner when a manager moved them away, both reps of a
    handover, the former owner of a reclaim. Nobody is told of their own action."""
    changes = [e for e in events if e.kind == AuditKind.OWNER_CHANGE and e.source not in _QUIET]
    if not changes:
        return 0
    # (recipient rep, kind, the other rep's name) -> customers
    groups: dict[tuple[int, str, str], list[str]] = defaultdict(list)
    actors: dict[tuple[int, str, str], set[int | None]] = defaultdict(set)
    for e in changes:
        keys: list[tuple[int, str, str]] = []
        if e.source == AuditSource.HANDOVER:
            if e.to_rep_id is not None:
                keys.append((e.to_rep_id, NotificationKind.HANDOVER, e.from_rep_name))
            if e.from_rep_id is not None:
                keys.append((e.from_rep_id, "handover_from", e.to_rep_name))
        elif e.source == AuditSource.RECLAIM:
            if e.from_rep_id is not None:
                keys.append((e.from_rep_id, NotificationKind.RECLAIMED, ""))
        else:
            if e.to_rep_id is not None:
                keys.append((e.to_rep_id, NotificationKind.ASSIGNED, ""))
            if e.from_rep_id is not None and e.from_rep_id != e.to_rep_id:
                keys.append((e.from_rep_id, NotificationKind.UNASSIGNED, e.to_rep_name))
        for key in keys:
            groups[key].append(e.customer_name)
            actors[key].add(e.actor_id)
    users = _users_of(rep for rep, _kind, _other in groups)
    made = 0
    with translation.override(settings.LANGUAGE_CODE):
        for (rep_id, kind, other), names in groups.items():
            user_id = users.get(rep_id)
            if user_id is None or actors[(rep_id, kind, other)] == {user_id}:
                continue
            title, url = _owner_title(kind, len(names), other)
            stored = NotificationKind.HANDOVER if kind == "handover_from" else kind
            made += notify_users([user_id], stored, title, _names(names), url)
        _owner_broadcasts(changes)
    return made


def _owner_title(kind: str, n: int, other: str) -> tuple[str, str]:
    mine = reverse("customers:mine")
    if kind == NotificationKind.ASSIGNED:
        text = ngettext(
            "%(count)d new customer assigned to you", "%(count)d new customers assigned to you", n
        )
        return text % {"count": n}, mine
    if kind == NotificationKind.UNASSIGNED:
        text = ngettext(
            "%(count)d customer moved from you to %(name)s",
            "%(count)d customers moved from you to %(name)s",
            n,
        )
        return text % {"count": n, "name": other or _("the pool")}, mine
    if kind == NotificationKind.HANDOVER:
        text = ngettext(
            "%(count)d customer handed over to you by %(name)s",
            "%(count)d customers handed over to you by %(name)s",
            n,
        )
        return text % {"count": n, "name": other}, mine
    if kind == "handover_from":
        text = ngettext(
            "%(count)d of your customers handed over to %(name)s",
            "%(count)d of your customers handed over to %(name)s",
            n,
        )
        return text % {"count": n, "name": other}, mine
    text = ngettext(
        "%(count)d customer went back to the pool (no follow-up or deal in time)",
        "%(count)d customers went back to the pool (no follow-up or deal in time)",
        n,
    )
    return text % {"count": n}, reverse("pool:page")


def _owner_broadcasts(changes: Sequence[AuditEvent]) -> None:
    """One robot message per kind per commit, one line per rep; each team's channel gets
    the lines of its team, a company channel all of them."""
    # kind -> team -> rep name -> count
    lines: dict[str, dict[int | None, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    kind: str
    for e in changes:
        if e.source == AuditSource.HANDOVER and e.to_rep_id is not None:
            kind, team, rep = NotificationKind.HANDOVER, e.to_team_id, e.to_rep_name
        elif e.source == AuditSource.RECLAIM and e.from_rep_id is not None:
            kind, team, rep = NotificationKind.RECLAIMED, e.from_team_id, e.from_rep_name
        elif e.to_rep_id is not None and e.source != AuditSource.HANDOVER:
            kind, team, rep = NotificationKind.ASSIGNED, e.to_team_id, e.to_rep_name
        else:
            continue
        lines[kind][team if team is not None else e.team_id][rep] += 1
    titles: dict[str, str] = {
        NotificationKind.ASSIGNED: _("New customers assigned"),
        NotificationKind.HANDOVER: _("Customers handed over"),
        NotificationKind.RECLAIMED: _("Customers reclaimed to the pool"),
    }
    channels = list(WebhookChannel.objects.filter(enabled=True)) if lines else []
    for kind, by_team in lines.items():
        for channel in channels:
            if not channel.hears(kind):
                continue
            counts: dict[str, int] = defaultdict(int)
            for team, reps in by_team.items():
                if channel.team_id is None or channel.team_id == team:
                    for rep, n in reps.items():
                        counts[rep] += n
            if counts:
                text = "\n".join(f"- {rep}: {n}" for rep, n in sorted(counts.items()))
                webhooks_queue([channel], kind, titles[kind], text)


# ------------------------------------------------------------- reclaim warnings


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def reclaim_warnings_notify(day: date) -> int:
    """The daily warning: each rep with customers that go back to the pool within the
    policy's `warn_days` gets one item listing them (soonest first), at most once a day;
    team channels get a count per rep. Returns the items made."""
    rules = policy_current().pool
    if rules.warn_days <= 0:
        return 0
    plan = reclaim_plan(rules, day, horizon_days=rules.warn_days)
    by_rep: dict[int, list[str]] = defaultdict(list)
    teams: dict[int, int | None] = {}
    names: dict[int, str] = {}
    for due in plan:
        owner = due.customer.owner
        if owner is None:
            continue
        left = due.days_left(day)
        by_rep[owner.pk].append(
            f"{due.customer.name} ({due.due:%m-%d})" if left else due.customer.name
        )
        teams[owner.pk] = owner.team_id
        names[owner.pk] = owner.name
    if not by_rep:
        return 0
    users = _users_of(by_rep)
    warned = set(
        Notification.objects.filter(
            kind=NotificationKind.RECLAIM_WARNING,
            created__gte=_day_start(day),
            recipient_id__in=[u for u in users.values() if u is not None],
        ).values_list("recipient_id", flat=True)
    )
    made = 0
    per_team: dict[int | None, dict[str, int]] = defaultdict(dict)
    with translation.override(settings.LANGUAGE_CODE):
        for rep_id, customer_names in by_rep.items():
            per_team[teams[rep_id]][names[rep_id]] = len(customer_names)
            user_id = users.get(rep_id)
            if user_id is None or user_id in warned:
                continue
            n = len(customer_names)
            title = ngettext(
                "%(count)d customer goes back to the pool within %(days)d days",
                "%(count)d customers go back to the pool within %(days)d days",
                n,
            ) % {"count": n, "days": rules.warn_days}
            body = _("Log a follow-up or a deal to keep them: %(names)s") % {
                "names": _names(customer_names)
            }
            made += notify_users(
                [user_id], NotificationKind.RECLAIM_WARNING, title, body, reverse("customers:mine")
            )
        if made:
            title = _("Customers due back to the pool within %(days)d days") % {
                "days": rules.warn_days
            }
            for channel in WebhookChannel.objects.filter(enabled=True):
                if not channel.hears(NotificationKind.RECLAIM_WARNING):
                    continue
                counts = {
                    rep: n
                    for team, reps in per_team.items()
                    if channel.team_id is None or channel.team_id == team
                    for rep, n in reps.items()
                }
                if counts:
                    text = "\n".join(f"- {rep}: {n}" for rep, n in sorted(counts.items()))
                    webhooks_queue([channel], NotificationKind.RECLAIM_WARNING, title, text)
    return made
