"""Two real server processes, one database, hundreds of conflicting requests at once.

Runs on whatever database the suite runs on (SQLite file or PostgreSQL, as `.ci/run`
does both): the servers are separate `fenpei serve` processes pointed at the test
database, so nothing is shared but the database. Afterwards the invariants are checked in
the database itself (tests/concurrency/invariants.py): one current owner per customer, the
owner column agrees with the history, no rep above capacity, every owner change audited,
no company created twice, and no request failed with 500.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from tests.concurrency.invariants import (
    audit_trail_replays,
    failures,
    no_duplicate_companies,
    one_current_owner,
    owner_changes_audited,
    owner_matches_assignment,
    within_capacity,
)
from tests.conftest import make_customer

from fenpei.allocation.selectors import policy_active
from fenpei.customers.models import Customer
from fenpei.teams.models import Rep

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
CAPACITY = 25
REQUESTS = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings.get("USER") or "postgres"
        host = settings.get("HOST") or "127.0.0.1"
        port = settings.get("PORT") or 5432
        return f"postgres://{user}@{host}:{port}/{settings['NAME']}"
    return f"sqlite:///{settings['NAME']}"


def _wait_until_up(port: int, process: subprocess.Popen[bytes], deadline: float) -> None:
    # Polling a port of another process is the only signal it offers that it is ready.
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early (exit code {process.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


@pytest.fixture
def two_servers(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "FENPEI_SECRET_KEY": "concurrency-test-secret",
        "FENPEI_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "fenpei.config.settings",
    }
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"server-{port}.log" for port in ports]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "fenpei.cli", "serve", "--port", str(port), "--no-worker"],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    try:
        deadline = time.monotonic() + 60
        for port, process in zip(ports, processes, strict=True):
            _wait_until_up(port, process, deadline)
        yield ports, logs
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _post(port: int, path: str, token: str, body: dict[str, object]) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_conflicting_requests_keep_the_invariants(company, two_servers):
    ports, logs = two_servers
    policy_active()  # as after `migrate` (the test database was flushed)
    Rep.objects.filter(team=company.east).update(capacity=CAPACITY)
    token = Token.objects.create(user=company.manager).key
    reps = [company.rep.pk, company.rep2.pk]
    pool = [
        make_customer(f"上海池{i:03d}贸易有限公司", region="上海", team=company.east).pk
        for i in range(60)
    ]
    jobs = []
    for i in range(REQUESTS):
        port = ports[i % 2]
        if i % 3 == 0:
            # 80 creates of 40 companies: each name twice, possibly at the same moment
            name = f"上海并发{(i // 3) % 40:03d}科技有限公司"
            jobs.append(
                (port, "/api/v1/customers/", {"name": name, "region": "上海", "industry": "制造业"})
            )
        else:
            # 160 assignments of 60 pool customers to two reps: the same customer to both
            customer = pool[i % len(pool)]
            jobs.append((port, f"/api/v1/customers/{customer}/assign/", {"rep": reps[i % 2]}))
    with ThreadPoolExecutor(max_workers=32) as executor:
        statuses = list(executor.map(lambda job: _post(job[0], job[1], token, job[2]), jobs))

    counts = Counter(statuses)
    lines = [line for log in logs for line in log.read_text(errors="replace").splitlines()]
    errors = sorted(
        {
            line
            for line in lines
            if line.startswith(("django.", "psycopg", "sqlite3", '  File "/work'))
        }
    )
    assert set(counts) <= {200, 201, 400, 409}, (counts, errors)  # refused or done, no crash
    assert counts[201] == 40  # each company created exactly once ...
    assert (
        Customer.objects.filter(name__startswith="上海并发").count() == 40
    )  # ... in the database too
    checks = [
        no_duplicate_companies(),
        one_current_owner(),
        owner_matches_assignment(),
        within_capacity(),
        owner_changes_audited(),
        audit_trail_replays(),
    ]
    assert not failures(checks)
    # capacity was the binding limit: both reps ended full
    assert sum(Rep.objects.get(pk=pk).customers.count() for pk in reps) == 2 * CAPACITY
