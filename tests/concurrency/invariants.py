"""The invariants of ownership, checked in the database after (or during) concurrent work.

Shared by the two-server test and the soak (benchmarks/soak.py, tests/concurrency/
test_soak.py). Each check reads the tables and returns a `Check`: what it looked at and
every violation found, with enough detail to find the row. ORM only, so the checks run on
SQLite and PostgreSQL alike; `checks_in_snapshot` runs them in one consistent snapshot
(PostgreSQL REPEATABLE READ) while other processes keep writing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, Q
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from fenpei.allocation.models import Assignment, Run, RunStatus
from fenpei.allocation.selectors import default_capacity
from fenpei.audit.models import AuditEvent, AuditKind, AuditSource
from fenpei.customers.models import Customer
from fenpei.pool.models import PoolEvent, PoolEventKind
from fenpei.teams.models import Rep

#: violations kept per check (the count is exact; the list is for reading)
SHOWN = 20


@dataclass
class Check:
    name: str
    checked: int = 0  # rows examined
    violations: list[str] = field(default_factory=list)
    count: int = 0  # violations found (the list keeps the first SHOWN)

    def fail(self, text: str) -> None:
        self.count += 1
        if len(self.violations) < SHOWN:
            self.violations.append(text)

    @property
    def ok(self) -> bool:
        return self.count == 0


def one_current_owner() -> Check:
    """No customer has two assignments without an end (the partial unique index's job)."""
    check = Check("one current owner per customer")
    check.checked = Customer.objects.count()
    doubles = (
        Assignment.objects.filter(ended_at__isnull=True)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    for row in doubles:
        check.fail(f"customer {row['customer_id']}: {row['n']} current assignments")
    return check


def owner_matches_assignment() -> Check:
    """`Customer.owner` is the rep of the customer's current assignment (or none)."""
    check = Check("Customer.owner = current assignment")
    current = dict(
        Assignment.objects.filter(ended_at__isnull=True).values_list("customer_id", "rep_id")
    )
    for pk, owner in Customer.objects.values_list("pk", "owner_id").iterator(chunk_size=5000):
        check.checked += 1
        if current.get(pk) != owner:
            check.fail(f"customer {pk}: owner {owner}, current assignment {current.get(pk)}")
    return check


def within_capacity(reps: Sequence[int] | None = None) -> Check:
    """No rep owns more customers than `Rep.capacity_or(policy default)`."""
    check = Check("no rep over capacity")
    default = default_capacity()
    rows = Rep.objects.all() if reps is None else Rep.objects.filter(pk__in=list(reps))
    for rep in rows.annotate(load=Count("customers")):
        check.checked += 1
        capacity = rep.capacity_or(default)
        if rep.load > capacity:
            check.fail(f"rep {rep.key}: owns {rep.load}, capacity {capacity}")
    return check


def no_duplicate_companies(name_prefix: str = "") -> Check:
    """No company on file twice (normalised name; credit code when given)."""
    check = Check("no company created twice")
    rows = Customer.objects.filter(name__startswith=name_prefix)
    check.checked = rows.count()
    for column in ("name_key", "credit_code"):
        dupes = rows.exclude(**{column: ""}).values(column).annotate(n=Count("pk")).filter(n__gt=1)
        for row in dupes:
            check.fail(f"{column} {row[column]!r}: {row['n']} customers")
    return check


Fact = tuple[int, datetime, int]  # customer, moment, rep


def owner_changes_audited() -> Check:
    """Every assignment start and end has exactly one owner-change audit event at the same
    moment naming the same rep (`to` for a start, `from` for an end), and every such event
    matches assignment rows: the history and the trail tell the same story."""
    check = Check("every owner change audited, once")
    starts: Counter[Fact] = Counter()
    ends: Counter[Fact] = Counter()
    rows = Assignment.objects.values_list("customer_id", "rep_id", "started_at", "ended_at")
    for customer, rep, started, ended in rows.iterator(chunk_size=5000):
        starts[(customer, started, rep)] += 1
        if ended is not None:
            ends[(customer, ended, rep)] += 1
    to: Counter[Fact] = Counter()
    from_: Counter[Fact] = Counter()
    per_moment: Counter[tuple[int, datetime]] = Counter()
    events = AuditEvent.objects.filter(kind=AuditKind.OWNER_CHANGE, customer__isnull=False)
    for customer, at, before, after in events.values_list(
        "customer_id", "at", "from_rep_id", "to_rep_id"
    ).iterator(chunk_size=5000):
        per_moment[(customer, at)] += 1
        if after is not None:
            to[(customer, at, after)] += 1
        if before is not None:
            from_[(customer, at, before)] += 1
        if before == after:
            check.fail(f"customer {customer} at {at}: event from {before} to the same owner")
    check.checked = sum(starts.values()) + sum(ends.values())
    for fact in sorted((starts - to) + (ends - from_), key=str):
        check.fail(f"customer {fact[0]} at {fact[1]:%H:%M:%S.%f}: rep {fact[2]} unaudited")
    for fact in sorted((to - starts) + (from_ - ends), key=str):
        check.fail(f"customer {fact[0]} at {fact[1]:%H:%M:%S.%f}: event without assignment")
    for (customer, at), n in per_moment.items():
        if n > 1:
            check.fail(f"customer {customer} at {at:%H:%M:%S.%f}: {n} events for one change")
    return check


def audit_trail_replays() -> Check:
    """Each customer's owner-change events, in order, chain (each starts where the last
    ended, the first from no owner) and end at the customer's owner now."""
    check = Check("audit trail replays to the owner")
    owners = dict(Customer.objects.values_list("pk", "owner_id"))
    last: dict[int, int | None] = {}
    events = AuditEvent.objects.filter(kind=AuditKind.OWNER_CHANGE, customer__isnull=False)
    rows = events.order_by("customer_id", "at", "pk").values_list(
        "customer_id", "from_rep_id", "to_rep_id", "pk"
    )
    for customer, before, after, pk in rows.iterator(chunk_size=5000):
        if last.get(customer) != before:
            check.fail(
                f"event {pk}: from {before}, but customer {customer} had {last.get(customer)}"
            )
        last[customer] = after
    for customer, owner in owners.items():
        check.checked += 1
        if last.get(customer) != owner:
            check.fail(f"customer {customer}: owner {owner}, trail ends at {last.get(customer)}")
    return check


def pool_log_matches() -> Check:
    """Each claim in the pool log is an assignment with source claim (same customer and
    rep) and each return or reclaim an audit event of that source from that rep; and the
    other way round."""
    check = Check("pool log = claims, returns and reclaims")
    log = PoolEvent.objects.values_list("kind", "customer_id", "rep_id")
    by_kind: dict[str, Counter[tuple[int, int]]] = {k: Counter() for k in PoolEventKind.values}
    for kind, customer, rep in log.iterator(chunk_size=5000):
        by_kind[kind][(customer, rep)] += 1
    claims = Counter(Assignment.objects.filter(source="claim").values_list("customer_id", "rep_id"))
    trail = AuditEvent.objects.filter(kind=AuditKind.OWNER_CHANGE, customer__isnull=False)
    sides: list[tuple[str, Counter[tuple[int, int]], Counter[tuple[int, int]]]] = [
        ("claim", by_kind[PoolEventKind.CLAIM], claims)
    ]
    for kind, source in (
        (PoolEventKind.RETURN, AuditSource.RETURN),
        (PoolEventKind.RECLAIM, AuditSource.RECLAIM),
    ):
        rows = trail.filter(source=source).values_list("customer_id", "from_rep_id")
        moved = Counter((c, r) for c, r in rows if r is not None)
        sides.append((str(kind), by_kind[kind], moved))
    for kind, logged, happened in sides:
        check.checked += sum(logged.values())
        for (customer, rep), n in (logged - happened).items():
            check.fail(f"{kind} of customer {customer} by/from rep {rep} logged, not done ({n})")
        for (customer, rep), n in (happened - logged).items():
            check.fail(f"{kind} of customer {customer} by/from rep {rep} done, not logged ({n})")
    return check


def tasks_final() -> Check:
    """Every queued background task ended: succeeded, or failed with its error recorded."""
    check = Check("every task final")
    for pk, status, error in DBTaskResult.objects.values_list(
        "pk", "status", "exception_class_path"
    ):
        check.checked += 1
        if status == TaskResultStatus.FAILED and not error:
            check.fail(f"task {pk}: failed without an error")
        elif status not in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
            check.fail(f"task {pk}: still {status}")
    return check


def runs_final() -> Check:
    """No run left queued or computing (a background run whose task ended is in preview,
    applied, discarded or failed with its error)."""
    check = Check("every run computed")
    check.checked = Run.objects.count()
    stuck = Run.objects.filter(
        Q(status__in=[RunStatus.QUEUED, RunStatus.COMPUTING]) | Q(status=RunStatus.FAILED, error="")
    )
    for pk, status in stuck.values_list("pk", "status"):
        check.fail(f"run {pk}: {status}")
    return check


#: the checks that hold at every committed moment (tasks and runs may be in flight)
ALWAYS: tuple[Callable[[], Check], ...] = (
    one_current_owner,
    owner_matches_assignment,
    within_capacity,
    owner_changes_audited,
    audit_trail_replays,
    pool_log_matches,
)
#: the checks of a quiet database, once the workers have drained
AT_REST: tuple[Callable[[], Check], ...] = (*ALWAYS, tasks_final, runs_final)


@contextmanager
def snapshot() -> Iterator[None]:
    """One consistent view of the database for several queries: a REPEATABLE READ, read
    only transaction on PostgreSQL (SQLite's one writer at a time gives it anyway)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def checks_in_snapshot(checks: Sequence[Callable[[], Check]] = ALWAYS) -> list[Check]:
    with snapshot():
        return [check() for check in checks]


def failures(checks: Sequence[Check]) -> list[str]:
    """One line per failed check, with its first violations."""
    return [
        f"{c.name}: {c.count} violation(s): " + "; ".join(c.violations[:5])
        for c in checks
        if not c.ok
    ]
