"""The soak (benchmarks/soak.py) in its short form: two servers, a worker, 15 s of mixed load.

The same functions as the benchmark, on the test database: a seeded company, two
`fenpei serve --workers 2` and one `fenpei db_worker`, rep and manager clients claiming,
creating, returning, assigning, running and appealing at once, reclaims as of later and
later days; then the queue drained and every invariant of tests/concurrency/invariants.py
checked. PostgreSQL only: the layout is a deployment's (several processes writing), and
on SQLite production mode is not what anyone runs.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from django.db import connection
from tests.concurrency.invariants import failures

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import api_load
import soak

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS = 15


def _server_url() -> str:
    """postgres://user[:password]@host:port of the test database's server."""
    settings = connection.settings_dict
    user = settings.get("USER") or "postgres"
    password = settings.get("PASSWORD") or ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{':' + password if password else ''}@{host}:{port}"


def test_short_soak_keeps_every_invariant(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the soak runs a deployment's layout: PostgreSQL only")
    # api_load's servers and commands reach the database at PG/<name>: here, the test's
    monkeypatch.setattr(api_load, "PG", _server_url())
    size = soak.Size(teams=2, reps_per_team=4, pool_per_team=80, owned_per_rep=12)
    company = soak.seed(size, "00042", random.Random(7))

    out = soak.soak(
        connection.settings_dict["NAME"],
        company,
        seconds=SECONDS,
        rep_clients=4,
        manager_clients=2,
        reclaim_every=5,
        monitor_every=4,
        drain_timeout=30,
    )

    tally = out.tally
    assert tally.count_5xx() == 0, tally.server_errors
    assert out.server_tracebacks == 0
    assert not tally.replay_mismatches
    assert not failures(out.checks)
    assert out.pending_after_drain == 0
    assert out.background.snapshots >= 2 and not out.background.snapshot_failures
    assert out.background.reclaims_run >= 1 and not out.background.reclaims_failed
    # the load did what it is there for: each kind of change happened
    answered = tally.statuses
    assert answered["pool: claim"]["200"] > 0
    assert answered["create: manager, routed"]["201"] > 0
    assert answered["create: rep's own lead"]["201"] > 0
    assert set(answered["create: duplicate (409 expected)"]) == {"409 duplicate"}
    assert answered["runs: apply"]["200"] > 0
    assert answered["appeals: open"]["201"] > 0
    assert out.tasks["run_compute_task: SUCCESSFUL"] > 0
