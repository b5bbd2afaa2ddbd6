"""Soak: minutes of mixed load on a deployment's shape, then every invariant checked.

    uv run python benchmarks/soak.py                     # 3 minutes (~4 min in all)
    uv run python benchmarks/soak.py --minutes 1 --rep-clients 4 --manager-clients 2

Against PostgreSQL with the production layout: two `fenpei serve --workers 2` (gunicorn,
two processes each) on two ports and one `fenpei db_worker`, all on database `--db`
(dropped and created again; kept with --keep-db). What happens:

1. `fenpei migrate`, then a seeded company (in this process, through the ORM and the
   services): teams with a manager each, reps with capacities (some empty: the policy's
   default), a pool per team, and owned customers whose `owned_since` lies 0–45 days back
   so that reclaims as of later and later days catch a few more each time; API tokens for
   every manager and rep. The policy lets a rep claim many a day (the daily limit would
   otherwise end claiming after ten) and reclaims after 30 days without follow-up.
2. Client threads, each request to either server: reps list their pool and claim (same
   top rows: races), create their own leads, open appeals (hand back their customer,
   claim one of the pool); managers create customers (routed at once), return owned
   ones, assign pool ones, start runs (selections: computed in the request; a team's
   unassigned pool: above FENPEI_BACKGROUND_RUN_SIZE, lowered to 40, so queued for the
   worker) and apply them, and decide appeals. Some creates repeat a company already
   created (409 expected); some POSTs are sent twice with one Idempotency-Key (the second
   must replay the first's response). Every few seconds a reclaim runs, alternately
   `fenpei reclaim --as-of D` and the reclaim task queued for the worker, D moving from
   today to today + 29. Meanwhile a monitor checks the ownership invariants in one
   consistent snapshot (REPEATABLE READ) every few seconds.
3. Load stops; the worker drains the task queue; the servers and the worker stop.
4. The invariants (tests/concurrency/invariants.py) are checked on the quiet database:
   one current owner per customer, `Customer.owner` = current assignment, no rep over
   capacity, every assignment start and end audited exactly once (and the trail replays to
   today's owners), the pool log matches claims, returns and reclaims, no company twice,
   every task final and every run computed. Exit code 1 if any fails, or any request got
   a 5xx or no answer, or a replay differed.

Capacity: every service that gives a rep customers (routing, a rep's own lead, a claim, a
manual assignment, a run's apply, an appeal's approval, a handover) counts the rep's load
under the rep's row lock and refuses to go above `Rep.capacity_or(policy default)`; the
other moves only take customers away. Fenpei has no override: only lowering a capacity
below a rep's load (a manager's edit of the rep) leaves a rep above it, and the soak
changes no capacity. So the invariant checked is strict: no rep above capacity, at any
snapshot during the load and at the end.

The load generator is Python threads on the same 2-core machine as the four gunicorn
processes, the worker and PostgreSQL: throughput and latencies are a floor.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api_load as common

ROOT = common.ROOT
if str(ROOT) not in sys.path:  # the shared invariants live with the tests
    sys.path.insert(0, str(ROOT))

#: teams of the seeded company: name, provinces
TEAMS = (
    ("压测华东", ("上海", "江苏", "浙江")),
    ("压测华南", ("广东", "福建")),
    ("压测华北", ("北京", "天津", "河北")),
    ("压测西南", ("四川", "重庆")),
)
INDUSTRIES = common.INDUSTRIES
#: the policy's default capacity (reps with no capacity of their own)
DEFAULT_CAPACITY = 60
#: runs over this many customers go to the worker during the soak (default 3000)
BACKGROUND_RUN_SIZE = 40
#: reclaim after this many days without a follow-up (the policy's rule)
RECLAIM_DAYS = 30


# ------------------------------------------------------------------- the company


@dataclass
class RepRef:
    id: int
    token: str
    team: int  # index into Company.teams


@dataclass
class TeamRef:
    id: int
    regions: tuple[str, ...]
    manager_token: str
    reps: list[RepRef] = field(default_factory=list)


@dataclass
class Company:
    tag: str  # makes this run's names, credit codes and phones unique
    teams: list[TeamRef]

    @property
    def reps(self) -> list[RepRef]:
        return [r for t in self.teams for r in t.reps]


@dataclass(frozen=True)
class Size:
    teams: int = 3
    reps_per_team: int = 6
    pool_per_team: int = 150
    owned_per_rep: int = 20


def seed(size: Size, tag: str, rng: random.Random) -> Company:
    """The company, written through the ORM (Django must be set up, on the database the
    servers will use). Owned customers get owners through `owners_set`, so their first
    assignment is audited like any other."""
    from django.contrib.auth.models import User  # noqa: PLC0415
    from django.db import transaction  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415
    from rest_framework.authtoken.models import Token  # noqa: PLC0415

    from fenpei.allocation.models import AssignmentSource, PolicyVersion  # noqa: PLC0415
    from fenpei.allocation.services import OwnerChange, owners_set  # noqa: PLC0415
    from fenpei.customers.models import Customer  # noqa: PLC0415
    from fenpei.customers.services import customer_derive  # noqa: PLC0415
    from fenpei.engine.policy import Policy, PoolRules, policy_to_toml  # noqa: PLC0415
    from fenpei.teams.models import Level, Rep, Team  # noqa: PLC0415

    rules = PoolRules(
        claims_per_day=1000, reclaim_no_followup_days=RECLAIM_DAYS, reclaim_no_deal_days=180
    )
    toml = policy_to_toml(Policy(default_capacity=DEFAULT_CAPACITY, pool=rules))
    number = (
        PolicyVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    PolicyVersion.objects.update(is_active=False)
    PolicyVersion.objects.create(number=number, toml=toml, note="soak", is_active=True)

    def user(name: str) -> tuple[User, str]:
        u = User(username=name)
        u.set_unusable_password()  # API tokens only; no hashing cost
        u.save()
        return u, Token.objects.create(user=u).key

    serial = itertools.count()

    def customer(team: Team, regions: tuple[str, ...]) -> Customer:
        i = next(serial)
        c = Customer(
            name=f"压测{tag}种子{i:05d}有限公司",
            credit_code=f"92{tag}{i:011d}"[:18],
            region=rng.choice(regions),
            industry=rng.choice(INDUSTRIES),
            potential_value=100_000 + (i * 7919) % 2_000_000,
            intent=i % 4,
            team=team,
        )
        customer_derive(c)
        return c

    today = timezone.localdate()
    teams: list[TeamRef] = []
    for t, (name, regions) in enumerate(TEAMS[: size.teams]):
        manager, manager_token = user(f"soak_{tag}_m{t}")
        team = Team.objects.create(name=f"{name}{tag}", region=regions[0], manager=manager)
        ref = TeamRef(team.pk, regions, manager_token)
        Customer.objects.bulk_create(customer(team, regions) for _ in range(size.pool_per_team))
        for j in range(size.reps_per_team):
            rep_user, token = user(f"soak_{tag}_r{t}_{j}")
            rep = Rep.objects.create(
                key=f"SK{tag}{t}{j:02d}",
                name=f"压测销售{t}{j:02d}",
                user=rep_user,
                team=team,
                level=(Level.JUNIOR, Level.MID, Level.SENIOR)[j % 3],
                regions=list(regions),
                # every third rep has no capacity of their own: the policy's default
                capacity=None if j % 3 == 2 else 30 + 10 * (j % 4),
            )
            ref.reps.append(RepRef(rep.pk, token, t))
            owned = Customer.objects.bulk_create(
                customer(team, regions) for _ in range(size.owned_per_rep)
            )
            with transaction.atomic():
                owners_set(
                    [OwnerChange(c, rep, [{"kind": "manual"}]) for c in owned],
                    source=AssignmentSource.MANUAL,
                    user_id=manager.pk,
                )
            # owned for 0–45 days: reclaims as of later days each catch a few more
            for c in owned:
                days = rng.randint(0, 45)
                since = timezone.make_aware(
                    datetime.combine(today - timedelta(days=days), dtime(9))
                )
                Customer.objects.filter(pk=c.pk).update(owned_since=since)
        teams.append(ref)
    return Company(tag, teams)


# ------------------------------------------------------------------------ figures


@dataclass
class Tally:
    """Answers by kind of request: statuses, latencies, 5xx bodies, unexpected answers."""

    statuses: dict[str, Counter[str]] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    replay_mismatches: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: str, seconds: float) -> None:
        with self.lock:
            self.statuses.setdefault(kind, Counter())[status] += 1
            self.latencies.setdefault(kind, []).append(seconds)

    def note(self, where: list[str], text: str) -> None:
        with self.lock:
            where.append(text[:600])

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.statuses.values())

    def count_5xx(self) -> int:
        return sum(
            n
            for c in self.statuses.values()
            for s, n in c.items()
            if s[0] == "5" or s == "no answer"
        )


#: what each kind of request may answer (anything else is listed as unexpected)
EXPECTED: dict[str, frozenset[int]] = {
    "create: rep's own lead": frozenset({201, 400}),
    "create: manager, routed": frozenset({201}),
    "create: duplicate (409 expected)": frozenset({409}),
    "retry: same Idempotency-Key": frozenset({200, 201, 400, 409}),
    "pool: list": frozenset({200}),
    "pool: claim": frozenset({200, 400, 409}),
    "pool: return": frozenset({200}),
    "customers: list own": frozenset({200}),
    "customers: assign": frozenset({200, 400}),
    "runs: create": frozenset({201, 400}),
    "runs: poll": frozenset({200}),
    "runs: apply": frozenset({200, 400}),
    "appeals: open": frozenset({201, 400, 404}),
    "appeals: queue": frozenset({200}),
    "appeals: decide": frozenset({200, 400, 409}),
}


@dataclass
class Reply:
    status: int
    data: Any
    text: str
    replayed: bool


class Client:
    """One simulated user's keep-alive connections to both servers; each request goes to
    the next server in turn."""

    def __init__(self, ports: list[int], token: str, tally: Tally) -> None:
        self.ports = ports
        self.token = token
        self.tally = tally
        self.conns: dict[int, http.client.HTTPConnection] = {}
        self.turn = itertools.cycle(ports)

    def close(self) -> None:
        for conn in self.conns.values():
            conn.close()

    def _conn(self, port: int) -> http.client.HTTPConnection:
        if port not in self.conns:
            self.conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        return self.conns[port]

    def call(
        self, kind: str, method: str, path: str, body: Any = None, key: str | None = None
    ) -> Reply | None:
        headers = {"Authorization": f"Token {self.token}", "Accept": "application/json"}
        payload = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            payload = json.dumps(body)
        if key is not None:
            headers["Idempotency-Key"] = key
        port = next(self.turn)
        t0 = time.perf_counter()
        for attempt in range(2):
            conn = self._conn(port)
            try:
                conn.request(method, path, payload, headers)
                resp = conn.getresponse()
                raw = resp.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                # a keep-alive socket the server closed: once more on a new one
                conn.close()
                del self.conns[port]
                if attempt:
                    self.tally.add(kind, "no answer", time.perf_counter() - t0)
                    self.tally.note(self.tally.server_errors, f"{kind} {method} {path}: {exc!r}")
                    return None
        elapsed = time.perf_counter() - t0
        text = raw.decode("utf-8", "replace")
        try:
            data = json.loads(text) if text else None
        except ValueError:
            data = None
        label = str(resp.status)
        if 400 <= resp.status < 500 and isinstance(data, dict) and data.get("code"):
            label = f"{resp.status} {data['code']}"  # why refused: over_capacity, taken …
        self.tally.add(kind, label, elapsed)
        if resp.status >= 500:
            self.tally.note(
                self.tally.server_errors, f"{kind} {method} {path} → {resp.status}: {text[:400]}"
            )
        elif resp.status not in EXPECTED.get(kind, frozenset({resp.status})):
            self.tally.note(
                self.tally.unexpected, f"{kind} {method} {path} → {resp.status}: {text[:300]}"
            )
        return Reply(resp.status, data, text, resp.getheader("Idempotent-Replayed") == "true")

    def call_twice(self, kind: str, method: str, path: str, body: Any, key: str) -> Reply | None:
        """The request, then the same again with the same key (a client retrying after a
        lost answer): a first success must come back as it was, marked replayed."""
        first = self.call(kind, method, path, body, key)
        again = self.call("retry: same Idempotency-Key", method, path, body, key)
        if first is None or again is None or not 200 <= first.status < 300:
            return first
        if not (again.replayed and again.status == first.status and again.data == first.data):
            self.tally.note(
                self.tally.replay_mismatches,
                f"{method} {path}: first {first.status}, retry {again.status} "
                f"replayed={again.replayed}: {again.text[:200]}",
            )
        return first


# --------------------------------------------------------------------- the load


@dataclass
class Load:
    company: Company
    ports: list[int]
    until: float  # time.monotonic() when to stop
    tally: Tally = field(default_factory=Tally)
    serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    created: list[dict[str, Any]] = field(default_factory=list)  # bodies that got a 201
    keys: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def running(self) -> bool:
        return time.monotonic() < self.until

    def new_customer(self, team: TeamRef, rng: random.Random) -> dict[str, Any]:
        i = next(self.serial)
        tag = self.company.tag
        return {
            "name": f"压测{tag}新客{i:06d}科技有限公司",
            "credit_code": f"91{tag}{i:011d}"[:18],
            "phone": f"13{int(tag) % 1000:03d}{i:06d}",
            "region": rng.choice(team.regions),
            "industry": rng.choice(INDUSTRIES),
            "potential_value": str(50_000 + rng.randrange(3_000_000)),
            "intent": rng.randrange(4),
        }

    def key(self) -> str:
        return f"soak-{self.company.tag}-{next(self.keys)}"

    def create(self, client: Client, kind: str, body: dict[str, Any], rng: random.Random) -> None:
        if rng.random() < 0.2:
            reply = client.call_twice(kind, "POST", "/api/v1/customers/", body, self.key())
        else:
            reply = client.call(kind, "POST", "/api/v1/customers/", body)
        if reply is not None and reply.status == 201:
            with self.tally.lock:
                self.created.append(body)

    def duplicate(self, client: Client, team: TeamRef, rng: random.Random) -> None:
        with self.tally.lock:
            if not self.created:
                return
            earlier = rng.choice(self.created)
        # the same company name, a new credit code and phone: 撞单 on the name
        body = {**self.new_customer(team, rng), "name": earlier["name"]}
        client.call("create: duplicate (409 expected)", "POST", "/api/v1/customers/", body)

    def pool_ids(self, client: Client, rng: random.Random) -> list[int]:
        # mostly the default order (priority: every rep sees the same top rows), else newest
        sort = "-priority" if rng.random() < 0.7 else "-updated"
        reply = client.call("pool: list", "GET", f"/api/v1/pool/?sort={sort}")
        if reply is None or reply.status != 200 or not isinstance(reply.data, dict):
            return []
        return [row["id"] for row in reply.data.get("results", [])]

    def owned_ids(self, client: Client, rep_id: int) -> list[int]:
        reply = client.call("customers: list own", "GET", f"/api/v1/customers/?owner={rep_id}")
        if reply is None or reply.status != 200 or not isinstance(reply.data, dict):
            return []
        return [row["id"] for row in reply.data.get("results", [])]

    # ------------------------------------------------------------------ a rep

    def rep_step(self, client: Client, rep: RepRef, rng: random.Random) -> None:
        team = self.company.teams[rep.team]
        roll = rng.random()
        if roll < 0.40:  # claim one of the top of the pool: where the races are
            ids = self.pool_ids(client, rng)
            if ids:
                target = rng.choice(ids[:15])
                path = f"/api/v1/pool/{target}/claim/"
                if rng.random() < 0.2:
                    client.call_twice("pool: claim", "POST", path, None, self.key())
                else:
                    client.call("pool: claim", "POST", path)
        elif roll < 0.65:
            self.create(client, "create: rep's own lead", self.new_customer(team, rng), rng)
        elif roll < 0.75:
            self.duplicate(client, team, rng)
        else:  # an appeal: hand back one of mine, or ask for one of the pool
            if rng.random() < 0.6:
                ids, kind = self.owned_ids(client, rep.id), "hand_back"
            else:
                ids, kind = self.pool_ids(client, rng), "claim"
            if ids:
                body = {"kind": kind, "customer": rng.choice(ids), "reason": "压测申诉"}
                client.call("appeals: open", "POST", "/api/v1/appeals/", body)

    # -------------------------------------------------------------- a manager

    def manager_step(self, client: Client, team: TeamRef, rng: random.Random) -> None:
        roll = rng.random()
        if roll < 0.25:
            body = {**self.new_customer(team, rng), "route": True}
            self.create(client, "create: manager, routed", body, rng)
        elif roll < 0.35:
            self.duplicate(client, team, rng)
        elif roll < 0.50:  # return one to three of a rep's customers
            ids = self.owned_ids(client, rng.choice(team.reps).id)
            if ids:
                body = {
                    "ids": rng.sample(ids, min(len(ids), rng.randint(1, 3))),
                    "reason": "压测退回",
                }
                if rng.random() < 0.2:
                    client.call_twice(
                        "pool: return", "POST", "/api/v1/pool/return/", body, self.key()
                    )
                else:
                    client.call("pool: return", "POST", "/api/v1/pool/return/", body)
        elif roll < 0.60:
            ids = self.pool_ids(client, rng)
            if ids:
                body = {"rep": rng.choice(team.reps).id, "note": "压测指派"}
                client.call(
                    "customers: assign",
                    "POST",
                    f"/api/v1/customers/{rng.choice(ids)}/assign/",
                    body,
                )
        elif roll < 0.80:
            self.run(client, team, rng)
        else:
            self.decide(client, team, rng)

    def run(self, client: Client, team: TeamRef, rng: random.Random) -> None:
        if rng.random() < 0.5:  # a selection: computed during the request
            ids = self.pool_ids(client, rng)
            if not ids:
                return
            body: dict[str, Any] = {
                "scope": "selection",
                "customers": rng.sample(ids, min(len(ids), 10)),
            }
        else:  # the team's whole unassigned pool: queued for the worker when big
            body = {"scope": "unassigned", "team": team.id}
        reply = client.call("runs: create", "POST", "/api/v1/runs/", body)
        if reply is None or reply.status != 201 or not isinstance(reply.data, dict):
            return
        run_id, status = reply.data["id"], reply.data["status"]
        deadline = time.monotonic() + 30
        while status in ("queued", "computing") and time.monotonic() < deadline and self.running():
            time.sleep(0.5)
            polled = client.call("runs: poll", "GET", f"/api/v1/runs/{run_id}/")
            if polled is None or not isinstance(polled.data, dict):
                return
            status = polled.data.get("status")
        if status == "preview":
            client.call("runs: apply", "POST", f"/api/v1/runs/{run_id}/apply/")

    def decide(self, client: Client, team: TeamRef, rng: random.Random) -> None:
        reply = client.call("appeals: queue", "GET", "/api/v1/appeals/?status=open")
        if reply is None or not isinstance(reply.data, dict) or not reply.data.get("results"):
            return
        appeal = rng.choice(reply.data["results"][:10])
        if rng.random() < 0.6:
            target = None
            if appeal["kind"] == "hand_back" and rng.random() < 0.5:
                others = [r.id for r in team.reps if r.id != appeal["rep"]["id"]]
                target = rng.choice(others)
            body: dict[str, Any] = {"target": target, "note": "压测批准"}
            path = f"/api/v1/appeals/{appeal['id']}/approve/"
        else:
            body, path = {"note": "压测驳回"}, f"/api/v1/appeals/{appeal['id']}/reject/"
        client.call("appeals: decide", "POST", path, body)


def _client_loop(
    load: Load, token: str, step: Callable[[Client, random.Random], None], seed_: int
) -> None:
    rng = random.Random(seed_)
    client = Client(load.ports, token, load.tally)
    try:
        while load.running():
            step(client, rng)
    finally:
        client.close()


# ------------------------------------------------- reclaims and the monitor


@dataclass
class Background:
    reclaims_run: int = 0
    reclaims_failed: list[str] = field(default_factory=list)
    reclaim_tasks: int = 0
    reclaimed: int = 0
    snapshots: int = 0
    snapshot_failures: list[str] = field(default_factory=list)
    snapshot_seconds: list[float] = field(default_factory=list)


def _reclaimer(load: Load, db: str, every: float, bg: Background, days_per_step: int) -> None:
    """A reclaim every `every` s as of a later day each time (0, days_per_step, … ≤ 29
    days ahead): the command and the worker's task in turn."""
    from django.db import connections  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from fenpei.pool.tasks import reclaim_task  # noqa: PLC0415

    today = timezone.localdate()
    try:
        for step in itertools.count():
            # the first a few seconds in, while every client is busy
            if not _sleep_until(load, every if step else min(every, 5.0)):
                return
            day = today + timedelta(days=min(RECLAIM_DAYS - 1, step * days_per_step))
            if step % 2 == 0:
                t0 = time.perf_counter()
                try:
                    out = common.fenpei(db, "reclaim", "--as-of", day.isoformat())
                    bg.reclaimed += _reclaimed_count(out)
                    load.tally.add("reclaim: command", "ok", time.perf_counter() - t0)
                except subprocess.CalledProcessError as exc:
                    load.tally.add(
                        "reclaim: command", f"exit {exc.returncode}", time.perf_counter() - t0
                    )
                    bg.reclaims_failed.append(f"{day}: {exc.stderr[-500:]}")
                bg.reclaims_run += 1
            else:
                reclaim_task.enqueue(day.isoformat())
                bg.reclaim_tasks += 1
    finally:
        connections.close_all()


def _reclaimed_count(out: str) -> int:
    # the command prints one line per customer it sent back, then a summary line
    return max(0, len(out.strip().splitlines()) - 1)


def _sleep_until(load: Load, seconds: float) -> bool:
    """Sleep `seconds` unless the load ends first; whether it is still running."""
    end = min(load.until, time.monotonic() + seconds)
    while (left := end - time.monotonic()) > 0:
        time.sleep(min(0.2, left))
    return load.running()


def _monitor(load: Load, every: float, bg: Background) -> None:
    """The ownership invariants in one consistent snapshot, every `every` s of the load."""
    from django.db import connections  # noqa: PLC0415
    from tests.concurrency.invariants import checks_in_snapshot, failures  # noqa: PLC0415

    try:
        while _sleep_until(load, every):
            t0 = time.perf_counter()
            checks = checks_in_snapshot()
            bg.snapshot_seconds.append(time.perf_counter() - t0)
            bg.snapshots += 1
            bg.snapshot_failures.extend(failures(checks))
    finally:
        connections.close_all()


# ----------------------------------------------------------------- processes


@contextlib.contextmanager
def _environ(**values: str) -> Iterator[None]:
    """These environment variables while the block runs, the old ones after."""
    old = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def worker(db: str) -> Iterator[subprocess.Popen[bytes]]:
    """One `fenpei db_worker` on `db`; stopped (SIGTERM, then SIGKILL) on the way out."""
    logfile = open(f"/tmp/fenpei-soak-worker-{db}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [common.FENPEI, "db_worker", "--interval", "0.5", "--no-startup-delay", "--no-reload"],
        env=common.db_env(db),
        cwd=ROOT,
        stdout=logfile,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    common.log(f"worker up: fenpei db_worker (pid {proc.pid})")
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        logfile.close()


def drain(timeout: float) -> tuple[float, int]:
    """Wait until no task is ready or running (the worker caught up). Returns the seconds
    waited and how many are still pending (0 unless the timeout struck)."""
    from django.db.models import Q  # noqa: PLC0415
    from django_tasks import TaskResultStatus  # noqa: PLC0415
    from django_tasks_db.models import DBTaskResult  # noqa: PLC0415

    t0 = time.monotonic()
    pending = Q(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
    while True:
        left = DBTaskResult.objects.filter(pending).count()
        if left == 0 or time.monotonic() - t0 > timeout:
            return time.monotonic() - t0, left
        time.sleep(0.5)


@dataclass
class Outcome:
    tally: Tally
    background: Background
    elapsed: float  # seconds of load
    drain_seconds: float
    pending_after_drain: int
    checks: list[Any]  # invariants.Check
    tasks: Counter[str]
    company: Company
    server_tracebacks: int = 0

    @property
    def ok(self) -> bool:
        return (
            all(c.ok for c in self.checks)
            and self.tally.count_5xx() == 0
            and not self.tally.replay_mismatches
            and not self.background.snapshot_failures
            and not self.background.reclaims_failed
            and self.pending_after_drain == 0
            and self.server_tracebacks == 0
        )


def soak(
    db: str,
    company: Company,
    *,
    seconds: float,
    rep_clients: int,
    manager_clients: int,
    web_workers: int = 2,
    threads: int = 4,
    reclaim_every: float = 10.0,
    monitor_every: float = 5.0,
    drain_timeout: float = 120.0,
    rng_seed: int = 20261201,
) -> Outcome:
    """Two servers and a worker on `db` (seeded), the mixed load for `seconds`, the drain,
    then the invariants. Django must be set up on `db` in this process."""
    from django_tasks_db.models import DBTaskResult  # noqa: PLC0415
    from tests.concurrency.invariants import (  # noqa: PLC0415
        AT_REST,
        checks_in_snapshot,
        no_duplicate_companies,
    )

    bg = Background()
    with contextlib.ExitStack() as stack:
        # db_env copies os.environ into the servers' and the worker's environment
        stack.enter_context(_environ(FENPEI_BACKGROUND_RUN_SIZE=str(BACKGROUND_RUN_SIZE)))
        ports = [
            stack.enter_context(common.server(db, workers=web_workers, threads=threads))
            for _ in range(2)
        ]
        stack.enter_context(worker(db))
        load = Load(company, ports, time.monotonic() + seconds)
        threads_: list[threading.Thread] = []
        rng = random.Random(rng_seed)
        reps = company.reps
        for i in range(rep_clients):
            rep = reps[i % len(reps)]
            # each thread acts as a few reps of one team, in turn
            team_reps = [r for r in reps if r.team == rep.team]

            def rep_step(client: Client, r: random.Random, mine: list[RepRef] = team_reps) -> None:
                who = r.choice(mine)
                client.token = who.token
                load.rep_step(client, who, r)

            threads_.append(
                threading.Thread(
                    target=_client_loop, args=(load, rep.token, rep_step, rng.random())
                )
            )
        for i in range(manager_clients):
            team = company.teams[i % len(company.teams)]

            def manager_step(client: Client, r: random.Random, t: TeamRef = team) -> None:
                load.manager_step(client, t, r)

            threads_.append(
                threading.Thread(
                    target=_client_loop, args=(load, team.manager_token, manager_step, rng.random())
                )
            )
        threads_.append(threading.Thread(target=_reclaimer, args=(load, db, reclaim_every, bg, 3)))
        threads_.append(threading.Thread(target=_monitor, args=(load, monitor_every, bg)))
        common.log(
            f"load: {rep_clients} rep clients, {manager_clients} manager clients for {seconds:g} s …"
        )
        t0 = time.monotonic()
        for t in threads_:
            t.start()
        for t in threads_:
            t.join()
        elapsed = time.monotonic() - t0
        common.log(f"load done: {load.tally.total:,} requests; draining the task queue …")
        drain_seconds, pending = drain(drain_timeout)
        common.log(f"drained in {drain_seconds:.1f} s ({pending} pending)")
        logs = [Path(f"/tmp/fenpei-bench-serve-{p}.log") for p in ports]
    tracebacks = sum(p.read_text(errors="replace").count("Traceback") for p in logs if p.exists())
    common.log("checking the invariants …")
    checks = checks_in_snapshot(AT_REST)
    checks.append(no_duplicate_companies(f"压测{company.tag}"))
    tasks = Counter(
        f"{path.rsplit('.', 1)[-1]}: {status}"
        for path, status in DBTaskResult.objects.values_list("task_path", "status")
    )
    return Outcome(
        load.tally, bg, elapsed, drain_seconds, pending, checks, tasks, company, tracebacks
    )


# ------------------------------------------------------------------- the report


def report(out: Outcome) -> None:
    tally = out.tally
    rows = []
    for kind in sorted(tally.statuses, key=lambda k: -sum(tally.statuses[k].values())):
        statuses = tally.statuses[kind]
        ms = [x * 1000 for x in tally.latencies[kind]]
        n = sum(statuses.values())
        worded = ", ".join(f"{s}×{c:,}" for s, c in sorted(statuses.items()))
        rows.append(
            [
                kind,
                f"{n:,}",
                worded,
                f"{common.pct(ms, 50):.0f}",
                f"{common.pct(ms, 99):.0f}",
                f"{max(ms):.0f}",
            ]
        )
    http_total = sum(
        sum(c.values()) for k, c in tally.statuses.items() if not k.startswith("reclaim")
    )
    rows.append(
        [
            "**all HTTP requests**",
            f"{http_total:,}",
            f"{http_total / out.elapsed:,.1f} req/s",
            "",
            "",
            "",
        ]
    )
    common.table(["kind", "requests", "answers (status×count)", "p50 ms", "p99 ms", "max ms"], rows)

    bg = out.background
    print(
        f"Load {out.elapsed:.0f} s; 5xx or no answer: **{tally.count_5xx()}**; "
        f"replays that differed: **{len(tally.replay_mismatches)}**; "
        f"unexpected 4xx: {len(tally.unexpected)}; server tracebacks logged: {out.server_tracebacks}.  "
    )
    print(
        f"Reclaims: {bg.reclaims_run} by `fenpei reclaim` ({bg.reclaimed:,} customers back to the "
        f"pool), {bg.reclaim_tasks} queued for the worker. Task queue drained "
        f"{out.drain_seconds:.1f} s after the load ({out.pending_after_drain} left).  "
    )
    print("Tasks: " + ", ".join(f"{k} × {n:,}" for k, n in sorted(out.tasks.items())) + ".  ")
    spent = f", {max(bg.snapshot_seconds):.1f} s at most" if bg.snapshot_seconds else ""
    print(
        f"Invariants during the load: {bg.snapshots} snapshots (REPEATABLE READ){spent}, "
        f"violations: **{len(bg.snapshot_failures)}**.\n"
    )
    common.table(
        ["invariant (after the drain)", "rows checked", "violations"],
        [[c.name, f"{c.checked:,}", f"**{c.count}**" if c.count else "0"] for c in out.checks],
    )
    print(f"Result: **{'all invariants hold' if out.ok else 'FAILED'}**.\n", flush=True)
    problems = [
        *(f"5xx: {t}" for t in tally.server_errors),
        *(f"replay: {t}" for t in tally.replay_mismatches),
        *(f"snapshot: {t}" for t in bg.snapshot_failures),
        *(f"reclaim: {t}" for t in bg.reclaims_failed),
        *(f"{c.name}: {v}" for c in out.checks for v in c.violations),
    ]
    for line in problems[:50]:
        print(f"- {line}")
    if tally.unexpected:
        print("\nUnexpected answers (not failures; first 10):\n")
        for line in tally.unexpected[:10]:
            print(f"- {line}")
    print(flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", default="fenpei_bench_soak")
    ap.add_argument("--minutes", type=float, default=3.0, help="minutes of load (default 3)")
    ap.add_argument("--rep-clients", type=int, default=8, help="rep client threads (default 8)")
    ap.add_argument("--manager-clients", type=int, default=3, help="manager threads (default 3)")
    ap.add_argument("--web-workers", type=int, default=2, help="gunicorn processes per server")
    ap.add_argument("--teams", type=int, default=3)
    ap.add_argument("--reps-per-team", type=int, default=6)
    ap.add_argument("--pool-per-team", type=int, default=150)
    ap.add_argument("--keep-db", action="store_true", help="do not drop --db at the end")
    args = ap.parse_args()

    common.header("Soak: mixed load on two servers and a worker, then the invariants")
    common.log(f"creating database {args.db} and migrating …")
    common.db_create(args.db)
    try:
        common.fenpei(args.db, "migrate")
        os.environ.update(common.db_env(args.db))
        import django  # noqa: PLC0415

        django.setup()
        tag = f"{int(time.time()) % 100000:05d}"
        size = Size(args.teams, args.reps_per_team, args.pool_per_team)
        company = seed(size, tag, random.Random(20261201))
        common.log(f"seeded: {size}")
        outcome = soak(
            args.db,
            company,
            seconds=args.minutes * 60,
            rep_clients=args.rep_clients,
            manager_clients=args.manager_clients,
            web_workers=args.web_workers,
        )
    finally:
        if not args.keep_db:
            from django.db import connections  # noqa: PLC0415

            connections.close_all()
            common.db_drop(args.db)
    print(
        f"Layout: two `fenpei serve --workers {args.web_workers} --threads 4` (gunicorn) on two "
        f"ports and one `fenpei db_worker`, PostgreSQL on 127.0.0.1; "
        f"FENPEI_BACKGROUND_RUN_SIZE={BACKGROUND_RUN_SIZE}. Company: {size.teams} teams × "
        f"{size.reps_per_team} reps (capacities 30–60, a third on the policy's default "
        f"{DEFAULT_CAPACITY}), {size.pool_per_team} pool customers and "
        f"{size.owned_per_rep} owned per rep. Clients: {args.rep_clients} rep threads, "
        f"{args.manager_clients} manager threads, each request to either server in turn.\n"
    )
    report(outcome)
    sys.exit(0 if outcome.ok else 1)


if __name__ == "__main__":
    main()
