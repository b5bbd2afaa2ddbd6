"""Crash safety: a process killed in the middle of an import, of applying a run or of a
handover leaves the database with all of it or none of it, and the audit trail agrees.

The operation runs for real in a child process (tests/crash/child.py) on a scratch
database of its own (a copy of one seeded per session: a file on SQLite, a database made
from a template on PostgreSQL). The child stops at a chosen point, inside the transaction
or just after its COMMIT, and says so on its stdout; the parent then sees that point in
the database itself (the child's transaction open on the server, or SQLite's write lock
held), sends the signal and waits for the child to die. No sleeps: each step waits on
something the other side did.

Afterwards, through a connection of its own (sqlite3 / psycopg, not Django), the test
checks that every table is exactly as before (a kill before the COMMIT) or holds the whole
operation (after it); that the trail agrees: every assignment begun or ended has its
owner-change event, and replaying each customer's events gives its owner; on SQLite that
the file is intact and its WAL recovered; and that the database is usable: the same
operation then runs to completion, once.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection
from tests.crash import child

from fenpei.allocation.models import Assignment, Run, RunItem
from fenpei.audit.models import AuditEvent
from fenpei.customers.models import Customer, ImportBatch
from fenpei.teams.models import Rep

CHILD = str(Path(__file__).with_name("child.py"))
ROOT = Path(__file__).resolve().parents[2]
POSTGRES = connection.vendor == "postgresql"
#: generous: a loaded CI machine; a healthy step takes seconds
PATIENCE = 180.0

TABLES = {
    "customers": Customer._meta.db_table,
    "assignments": Assignment._meta.db_table,
    "events": AuditEvent._meta.db_table,
    "runs": Run._meta.db_table,
    "items": RunItem._meta.db_table,
    "batches": ImportBatch._meta.db_table,
    "reps": Rep._meta.db_table,
}


# --------------------------------------------------------------- scratch databases


def _env(url: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(DATABASE_URL=url, FENPEI_SECRET_KEY="crash-test", PYTHONUNBUFFERED="1")
    return env


def _run(url: str, *args: str) -> str:
    done = subprocess.run(
        args, cwd=ROOT, env=_env(url), capture_output=True, text=True, timeout=PATIENCE, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _postgres_admin() -> tuple[str, str]:
    """(a libpq string for the server's maintenance database, a URL prefix)."""
    settings = connection.settings_dict
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or "5432"
    user = settings["USER"] or "postgres"
    return (
        f"host={host} port={port} user={user} dbname=postgres",
        f"postgres://{user}@{host}:{port}",
    )


@dataclass(frozen=True)
class Seeded:
    """The seeded database every test copies, and what the seed made."""

    where: str  # SQLite: the file; PostgreSQL: the database's name
    ids: dict[str, int]


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    if POSTGRES:
        admin, prefix = _postgres_admin()
        name = f"fenpei_crash_seed_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"{prefix}/{name}"
            _run(url, sys.executable, "-m", "fenpei.cli", "migrate", "--verbosity=0")
            ids = json.loads(_run(url, sys.executable, CHILD, "seed").strip().splitlines()[-1])
            yield Seeded(name, ids)
        finally:
            with psycopg.connect(admin, autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    path = tmp_path_factory.mktemp("crash") / "seeded.sqlite3"
    url = f"sqlite:///{path}"
    _run(url, sys.executable, "-m", "fenpei.cli", "migrate", "--verbosity=0")
    ids = json.loads(_run(url, sys.executable, CHILD, "seed").strip().splitlines()[-1])
    # the seed's last connection closed cleanly: everything is in the main file
    assert not Path(f"{path}-wal").exists()
    yield Seeded(str(path), ids)


class Scratch:
    """A copy of the seeded database for one test, and raw connections to it."""

    def __init__(self, seeded: Seeded, tmp_path: Path) -> None:
        self.ids = seeded.ids
        self.con: Any = None
        if POSTGRES:
            self.admin, prefix = _postgres_admin()
            self.name = f"fenpei_crash_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(self.admin, autocommit=True) as con:
                con.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{seeded.where}"')
            self.url = f"{prefix}/{self.name}"
        else:
            self.path = tmp_path / "scratch.sqlite3"
            shutil.copyfile(seeded.where, self.path)
            self.url = f"sqlite:///{self.path}"

    def drop(self) -> None:
        if POSTGRES:
            with psycopg.connect(self.admin, autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of one query, on the connection of `session` or on one of its own."""
        if self.con is None:
            with self.session():
                return self.query(sql, params)
        if POSTGRES:
            return self.con.execute(sql.replace("?", "%s"), params).fetchall()  # type: ignore[no-any-return]
        return self.con.execute(sql, params).fetchall()  # type: ignore[no-any-return]

    @contextmanager
    def session(self) -> Iterator[None]:
        """A connection for the queries inside, closed after (on SQLite the last
        connection's close checkpoints the WAL)."""
        if POSTGRES:
            self.con = psycopg.connect(self.url, autocommit=True)
        else:
            self.con = sqlite3.connect(self.path)
        try:
            yield
        finally:
            self.con.close()
            self.con = None

    def writable(self) -> bool:
        """Whether another writer could start now (SQLite: the write lock is free)."""
        con = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return False
        finally:
            con.close()

    def child_backend(self) -> tuple[str, str]:
        """(state, query) of the one other session on the scratch database (PostgreSQL)."""
        rows = self.query(
            "SELECT state, query FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' "
            # not a session of these checks, closed but not yet gone from the view
            "AND query NOT LIKE ?",
            ("%pg_stat_activity%",),
        )
        assert len(rows) == 1, rows
        return rows[0][0], rows[0][1]


@pytest.fixture
def scratch(seeded: Seeded, tmp_path: Path) -> Iterator[Scratch]:
    db = Scratch(seeded, tmp_path)
    try:
        yield db
    finally:
        db.drop()


# ------------------------------------------------------------------------ the state


def _digest(db: Scratch, table: str) -> str:
    """A digest of every row of the table, all columns (on PostgreSQL computed there:
    converting 50,000 rows to Python values would cost seconds)."""
    if POSTGRES:
        [(digest,)] = db.query(f"SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM {table} t")
        return str(digest)
    rows = db.query(f"SELECT * FROM {table} ORDER BY id")
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@dataclass(frozen=True)
class State:
    #: table → digest of all its rows
    tables: dict[str, str]
    #: where owners, assignments and the trail disagree (none, ever)
    problems: list[str]
    #: run → (status, customers whose owner is the one the run gives, assignments it
    #: began, owner-change events it recorded)
    runs: dict[int, tuple[str, int, int, int]]
    #: the import: (status, its new customers, their assignments, its owner-change
    #: events, its import event)
    batch: tuple[str, int, int, int, int]


def _count(db: Scratch, sql: str, *params: Any) -> int:
    [(n,)] = db.query(sql, params)
    return int(n)


def state(db: Scratch) -> State:
    with db.session():
        return _state(db)


def _state(db: Scratch) -> State:
    t = TABLES
    tables = {name: _digest(db, table) for name, table in t.items()}
    runs = {}
    for run, scope, status in db.query(f"SELECT id, scope, status FROM {t['runs']}"):
        # each customer's owner once the run is applied: the item's rep, or (a handover)
        # the pool, or (other runs) the owner it had
        target = "i.rep_id" if scope == "handover" else "COALESCE(i.rep_id, i.previous_owner_id)"
        agree = _count(
            db,
            f"SELECT count(*) FROM {t['items']} i JOIN {t['customers']} c ON c.id = i.customer_id "
            f"WHERE i.run_id = ? AND COALESCE(c.owner_id, 0) = COALESCE({target}, 0)",
            run,
        )
        began = _count(db, f"SELECT count(*) FROM {t['assignments']} WHERE run_id = ?", run)
        recorded = _count(
            db,
            f"SELECT count(*) FROM {t['events']} WHERE run_id = ? AND kind = ?",
            run,
            "owner_change",
        )
        runs[run] = (status, agree, began, recorded)
    pk = db.ids["import"]
    [(status,)] = db.query(f"SELECT status FROM {t['batches']} WHERE id = ?", (pk,))
    new = f"FROM {t['customers']} c WHERE c.key LIKE ?"  # the import's customer numbers
    batch = (
        status,
        _count(db, f"SELECT count(*) {new}", "N%"),
        _count(
            db,
            f"SELECT count(*) FROM {t['assignments']} WHERE customer_id IN (SELECT c.id {new})",
            "N%",
        ),
        *(
            _count(
                db, f"SELECT count(*) FROM {t['events']} WHERE batch_id = ? AND kind = ?", pk, kind
            )
            for kind in ("owner_change", "import")
        ),
    )
    return State(tables, _trail_problems(db), runs, batch)  # type: ignore[arg-type]


def _trail_problems(db: Scratch) -> list[str]:
    """Where owners, assignments and owner-change events disagree: at most one open
    assignment per customer, held by its owner; each assignment begun has the event of
    the move to its rep, each ended one the event of the move away; replaying a
    customer's events in order gives its owner."""
    t = TABLES
    problems = []
    for (customer,) in db.query(
        f"SELECT customer_id FROM {t['assignments']} WHERE ended_at IS NULL "
        "GROUP BY customer_id HAVING count(*) > 1"
    ):
        problems.append(f"customer {customer}: two open assignments")
    owners = dict(db.query(f"SELECT id, owner_id FROM {t['customers']}"))
    open_ = dict(
        db.query(f"SELECT customer_id, rep_id FROM {t['assignments']} WHERE ended_at IS NULL")
    )
    problems += [
        f"customer {c}: owner {o}, open assignment {open_.get(c)}"
        for c, o in owners.items()
        if open_.get(c) != o
    ]
    [(begun, ended)] = db.query(f"SELECT count(*), count(ended_at) FROM {t['assignments']}")
    [(to_rep, from_rep)] = db.query(
        f"SELECT count(to_rep_id), count(from_rep_id) FROM {t['events']} WHERE kind = 'owner_change'"
    )
    if (begun, ended) != (to_rep, from_rep):
        problems.append(
            f"{begun} assignments begun and {ended} ended, "
            f"but {to_rep} events to a rep and {from_rep} from one"
        )
    replayed: dict[int, int | None] = {}
    for customer, source, target in db.query(
        f"SELECT customer_id, from_rep_id, to_rep_id FROM {t['events']} "
        "WHERE kind = 'owner_change' ORDER BY customer_id, at, id"
    ):
        if replayed.get(customer) != source:
            problems.append(
                f"customer {customer}: an event from {source}, owner was {replayed.get(customer)}"
            )
        replayed[customer] = target
    problems += [
        f"customer {c}: owner {o}, its events say {replayed.get(c)}"
        for c, o in owners.items()
        if replayed.get(c) != o
    ]
    return problems[:20]


# ------------------------------------------------------------------------ the child


@dataclass(frozen=True)
class Kill:
    #: where the child stops (child.py); with ",rollback" it stops a second time, just
    #: before the rollback the first signal's unwinding reaches, and gets the signal again
    stop: str
    signal: signal.Signals
    #: SIGTERM handled as `fenpei serve` handles it: raised as KeyboardInterrupt, so the
    #: child unwinds (through the transaction's rollback) instead of dying on the spot
    graceful: bool = False


def _line(process: subprocess.Popen[str]) -> str:
    """The child's next line on stdout ('' when it ended)."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], PATIENCE)
    assert ready, "the child said nothing in time"
    return process.stdout.readline()


def _stopped(process: subprocess.Popen[str], stop: str) -> str:
    """Where the child says it stopped, once it does."""
    while not (line := _line(process)).startswith(child.MARK):
        assert line, f"the child ended before its stop: {process.communicate()[1][-3000:]}"
    where = line.removeprefix(child.MARK).strip()
    assert where != "finished", f"the child never reached {stop}"
    return where


def operate_killed(db: Scratch, operation: str, pk: int, kill: Kill) -> str:
    """Run the operation in a child, stop it where `kill` says, see the database agree
    that it stands there, and kill it. Returns where it stopped."""
    args = [sys.executable, CHILD, "operate", operation, str(pk), kill.stop]
    if kill.graceful:
        args.append("--sigterm-as-ctrl-c")
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        env=_env(db.url),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        where = _stopped(process, kill.stop)
        _the_database_sees_the_stop(db, kill.stop)
        process.send_signal(kill.signal)
        if kill.stop.endswith(",rollback"):
            assert _stopped(process, kill.stop) == "before ROLLBACK"
            _the_database_sees_the_stop(db, "rollback")
            process.send_signal(kill.signal)
        _, err = process.communicate(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if kill.graceful:  # it unwound through the transaction's end, then died of it
        assert process.returncode != 0 and "KeyboardInterrupt" in err, err[-3000:]
    else:  # died on the spot: no handler, no cleanup
        assert process.returncode == -kill.signal, (process.returncode, err[-3000:])
    return where


def _the_database_sees_the_stop(db: Scratch, stop: str) -> None:
    """Before the kill: the child's transaction is open (or, after the COMMIT, closed)
    in the database itself, not only in the child's word."""
    committed = stop == "committed"
    if POSTGRES:
        session, query = db.child_backend()
        if stop.startswith("row"):  # the COPY is running, waiting for its next rows
            assert (session, query.split()[0]) == ("active", "COPY"), (session, query)
        else:
            assert session == ("idle" if committed else "idle in transaction"), session
    else:
        assert db.writable() is committed


def operate(db: Scratch, operation: str, pk: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, CHILD, "operate", operation, str(pk), "none"],
        cwd=ROOT,
        env=_env(db.url),
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=False,
    )


# ---------------------------------------------------------------------------- checks


def _recovered(db: Scratch) -> None:
    """SQLite: a kill leaves the write-ahead log behind; the next connection recovers from
    it (frames of a transaction that never committed are ignored), the file is intact,
    and once that connection closes the log is checkpointed and gone."""
    if POSTGRES:
        return
    assert [row[0] for row in db.query("PRAGMA integrity_check")] == ["ok"]
    assert db.query("PRAGMA foreign_key_check") == []
    assert not Path(f"{db.path}-wal").exists()


def _complete(db: Scratch, operation: str, before: State, after: State) -> None:
    """The whole operation is in the database, once, and the trail agrees; nothing else
    changed (the other previews are still previews)."""
    assert after.problems == []
    if operation == "import":
        owned = child.IMPORT_ROWS // 2  # every other row names an owner
        assert after.batch == ("confirmed", child.IMPORT_ROWS, owned, owned, 1)
        assert after.runs == before.runs
        return
    run = db.ids[operation]
    items = _count(db, f"SELECT count(*) FROM {TABLES['items']} WHERE run_id = ?", run)
    # the seeded runs give every customer of theirs a new owner
    assert items == _count(
        db,
        f"SELECT count(*) FROM {TABLES['items']} WHERE run_id = ? AND rep_id IS NOT NULL "
        "AND COALESCE(previous_owner_id, 0) <> rep_id",
        run,
    )
    assert before.runs[run] == ("preview", 0, 0, 0)
    assert after.runs[run] == ("applied", items, items, items)
    assert {k: v for k, v in after.runs.items() if k != run} == {
        k: v for k, v in before.runs.items() if k != run
    }
    assert after.batch == before.batch


# ----------------------------------------------------------------------------- tests

on_postgres_only = pytest.mark.skipif(
    not POSTGRES, reason="SQLite: run and handover changes are written without rows_insert"
)

KILLS = [
    pytest.param(Kill("write:1", signal.SIGKILL), id="after-the-first-write-SIGKILL"),
    pytest.param(Kill("write:3", signal.SIGTERM), id="after-the-third-write-SIGTERM"),
    pytest.param(Kill("commit", signal.SIGKILL), id="before-the-commit-SIGKILL"),
    pytest.param(
        Kill("commit", signal.SIGTERM, graceful=True), id="before-the-commit-SIGTERM-unwinding"
    ),
    pytest.param(
        Kill("write:1,rollback", signal.SIGTERM, graceful=True),
        id="after-the-first-write-SIGTERM-twice-unwinding",
    ),
]
OPERATIONS = ["import", "run", "handover"]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("kill", KILLS)
def test_a_kill_inside_the_transaction_leaves_none_of_it(
    scratch: Scratch, operation: str, kill: Kill
) -> None:
    _none_then_all(scratch, operation, kill)


@pytest.mark.parametrize(
    ("operation", "rows"),
    [
        ("import", 5_000),
        pytest.param("run", 1_000, marks=on_postgres_only),
        pytest.param("handover", 1_000, marks=on_postgres_only),
    ],
)
def test_a_kill_in_the_middle_of_a_bulk_insert_leaves_none_of_it(
    scratch: Scratch, operation: str, rows: int
) -> None:
    """On PostgreSQL the COPY is open on the server, part of its rows sent (the import's
    customers; the run's owner-change events)."""
    _none_then_all(scratch, operation, Kill(f"row:{rows}", signal.SIGKILL))


def _none_then_all(db: Scratch, operation: str, kill: Kill) -> None:
    before = state(db)
    assert before.problems == []
    where = operate_killed(db, operation, db.ids[operation], kill)
    if not POSTGRES and not kill.graceful:  # died with its connection open
        assert Path(f"{db.path}-wal").exists()
    _recovered(db)
    assert state(db) == before, f"killed at {where}: the database changed"
    # usable afterwards: the same operation now runs to the end, and is there once
    done = operate(db, operation, db.ids[operation])
    assert done.returncode == 0, done.stderr[-3000:]
    _complete(db, operation, before, state(db))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_kill_after_the_commit_leaves_all_of_it(scratch: Scratch, operation: str) -> None:
    pk = scratch.ids[operation]
    before = state(scratch)
    operate_killed(scratch, operation, pk, Kill("committed", signal.SIGKILL))
    _recovered(scratch)
    after = state(scratch)
    _complete(scratch, operation, before, after)
    # and it is not done twice: a second attempt is refused and changes nothing
    again = operate(scratch, operation, pk)
    assert again.returncode != 0 and "ValidationError" in again.stderr
    assert state(scratch) == after
