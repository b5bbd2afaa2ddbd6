"""Writing the audit trail. Events are only ever added, set-based: one query for the
names the events copy and one INSERT per 1,000 events, never a query per customer (a run
or an import moves thousands at once).

Callers record inside the transaction that makes the change, so the change and its event
commit or roll back together; `events_recorded` is sent after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from fenpei.audit.models import AuditEvent, AuditKind, AuditSource
from fenpei.audit.signals import events_recorded
from fenpei.teams.models import Rep

BATCH = 1000


@dataclass(frozen=True, slots=True)
class OwnerMove:
    """One customer changing owner (a rep id, or None for the pool)."""

    customer_id: int
    customer_key: str
    customer_name: str
    team_id: int | None
    from_rep_id: int | None
    to_rep_id: int | None
    details: dict[str, Any] = field(default_factory=dict)


def _actor_name(actor_id: int | None) -> str:
    if actor_id is None:
        return ""
    user = get_user_model().objects.filter(pk=actor_id).first()
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


#: writes new rows given as {attname: value}, e.g. `fenpei.db_rows.rows_insert` (COPY)
RowsWriter = Callable[[type[Model], Iterable[dict[str, Any]]], None]


def _rows(events: list[AuditEvent]) -> Iterator[dict[str, Any]]:
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    for e in events:
        yield {f.attname: getattr(e, f.attname) for f in fields}


def _save(events: list[AuditEvent], writer: RowsWriter | None = None) -> list[AuditEvent]:
    """Insert the events (with `writer`: through it, and the events sent keep no id) and
    send `events_recorded` once the transaction commits."""
    if not events:
        return events
    if writer is not None:
        writer(AuditEvent, _rows(events))
    else:
        AuditEvent.objects.bulk_create(events, batch_size=BATCH)
    # a list of its own: the receivers get exactly the events of this call
    sent = list(events)
    transaction.on_commit(
        lambda: events_recorded.send_robust(sender=AuditEvent, events=sent), robust=True
    )
    return events


def audit_owner_changes(
    moves: Sequence[OwnerMove],
    *,
    source: str,
    actor_id: int | None,
    reason: str = "",
    run_id: int | None = None,
    batch_id: int | None = None,
    at: datetime | None = None,
    writer: RowsWriter | None = None,
) -> list[AuditEvent]:
    """Record owner changes, one event per customer that moved (`writer`: see `_save`)."""
    moves = [m for m in moves if m.from_rep_id != m.to_rep_id]
    if not moves:
        return []
    at = at or timezone.now()
    rep_ids = {m.from_rep_id for m in moves} | {m.to_rep_id for m in moves}
    reps = {
        pk: (name, team_id)
        for pk, name, team_id in Rep.objects.filter(
            pk__in=[i for i in rep_ids if i is not None]
        ).values_list("pk", "name", "team_id")
    }
    actor = _actor_name(actor_id)
    none: tuple[str, int | None] = ("", None)
    events = [
        AuditEvent(
            kind=AuditKind.OWNER_CHANGE,
            source=source,
            customer_id=m.customer_id,
            customer_key=m.customer_key[:64],
            customer_name=m.customer_name[:200],
            team_id=m.team_id,
            from_rep_id=m.from_rep_id,
            from_rep_name=reps.get(m.from_rep_id, none)[0] if m.from_rep_id else "",
            from_team_id=reps.get(m.from_rep_id, none)[1] if m.from_rep_id else None,
            to_rep_id=m.to_rep_id,
            to_rep_name=reps.get(m.to_rep_id, none)[0] if m.to_rep_id else "",
            to_team_id=reps.get(m.to_rep_id, none)[1] if m.to_rep_id else None,
            actor_id=actor_id,
            actor_name=actor,
            at=at,
            reason=reason[:300],
            details=m.details,
            run_id=run_id,
            batch_id=batch_id,
        )
        for m in moves
    ]
    return _save(events, writer)


def audit_record(
    kind: str,
    *,
    source: str,
    actor_id: int | None,
    reason: str = "",
    details: dict[str, Any] | None = None,
    customer_id: int | None = None,
    customer_key: str = "",
    customer_name: str = "",
    team_id: int | None = None,
    run_id: int | None = None,
    batch_id: int | None = None,
    policy_version: int | None = None,
) -> AuditEvent:
    """Record one event that is not an owner change: a policy change, an import, a merge."""
    event = AuditEvent(
        kind=kind,
        source=source,
        customer_id=customer_id,
        customer_key=customer_key[:64],
        customer_name=customer_name[:200],
        team_id=team_id,
        actor_id=actor_id,
        actor_name=_actor_name(actor_id),
        at=timezone.now(),
        reason=reason[:300],
        details=details or {},
        run_id=run_id,
        batch_id=batch_id,
        policy_version=policy_version,
    )
    return _save([event])[0]


def owner_move(
    customer: Any, to_rep_id: int | None, reasons: Sequence[dict[str, Any]] = ()
) -> OwnerMove:
    """The move of a customer object to `to_rep_id`, read before its owner changes."""
    details = {"reasons": list(reasons)} if reasons else {}
    return OwnerMove(
        customer.pk,
        customer.key,
        customer.name,
        customer.team_id,
        customer.owner_id,
        to_rep_id,
        details,
    )


def audit_merge(
    actor_id: int | None, kept: Any, duplicates: Sequence[Any], reason: str, at: datetime
) -> None:
    """A merge (合并): each duplicate's owner, if any, ends; the kept record gets one event
    naming the duplicates (their own events keep their number and name once deleted)."""
    audit_owner_changes(
        [owner_move(d, None) for d in duplicates if d.owner_id is not None],
        source=AuditSource.MERGE,
        actor_id=actor_id,
        reason=reason or f"→ {kept.key} {kept.name}",
        at=at,
    )
    audit_record(
        AuditKind.MERGE,
        source=AuditSource.MERGE,
        actor_id=actor_id,
        reason=reason,
        details={
            "duplicates": [
                {"key": d.key, "name": d.name, "owner_id": d.owner_id} for d in duplicates
            ]
        },
        customer_id=kept.pk,
        customer_key=kept.key,
        customer_name=kept.name,
        team_id=kept.team_id,
    )


def audit_policy_change(
    actor_id: int | None, before: int, after: int, note: str, action: str
) -> None:
    """A new policy version made active ("create") or an older one made active again
    ("activate", a rollback)."""
    audit_record(
        AuditKind.POLICY_CHANGE,
        source=AuditSource.POLICY,
        actor_id=actor_id,
        reason=note,
        details={"action": action, "from_version": before, "to_version": after},
        policy_version=after,
    )


def audit_import(actor_id: int | None, batch: Any) -> None:
    """A confirmed import: the batch and its counts (the owners it gave are owner-change
    events of their own)."""
    counts = {k: v for k, v in batch.summary.items() if isinstance(v, int | float | bool | str)}
    audit_record(
        AuditKind.IMPORT,
        source=AuditSource.IMPORT,
        actor_id=actor_id,
        reason=batch.file_name,
        details=counts,
        team_id=batch.team_id,
        batch_id=batch.pk,
    )
