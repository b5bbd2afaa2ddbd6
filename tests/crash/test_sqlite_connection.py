"""SQLite: a transaction that an interrupt leaves open is rolled back, not committed.

Python's sqlite3 commits an open transaction when autocommit is switched back on, which
Django does at the end of every outermost atomic block; fenpei.config.sqlite_connection
rolls it back instead. (test_crash_safety shows it with real signals: a second SIGTERM
while the first unwinds an import committed half of it.)
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from django.db import connection, transaction

from fenpei.config.sqlite_connection import Connection
from fenpei.teams.models import Team


def test_switching_autocommit_on_rolls_an_open_transaction_back(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    con = sqlite3.connect(path, isolation_level=None, factory=Connection)
    con.execute("CREATE TABLE t (x)")
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO t VALUES (1)")
    con.isolation_level = None  # plain sqlite3 COMMITs here
    assert not con.in_transaction
    con.execute("INSERT INTO t VALUES (2)")  # autocommit still works
    con.close()
    assert sqlite3.connect(path).execute("SELECT x FROM t").fetchall() == [(2,)]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="sqlite3's implicit commit")
@pytest.mark.django_db(transaction=True)
def test_an_atomic_block_whose_commit_is_interrupted_writes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt  # Ctrl-C, or SIGTERM under `fenpei serve`

    with pytest.raises(KeyboardInterrupt), transaction.atomic():
        Team.objects.create(name="华北")
        monkeypatch.setattr(connection, "commit", interrupted)
    monkeypatch.undo()
    assert not Team.objects.filter(name="华北").exists()
