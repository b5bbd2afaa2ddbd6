"""Backups and restores round trip on real databases, through the `fenpei` command as a
user runs it; a wrong or damaged file is refused and changes nothing; the full data
export holds every row and no secret."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import translation
from python_calamine import CalamineWorkbook

from fenpei.backups.export import data_export
from fenpei.backups.snapshots import (
    POSTGRES,
    SQLITE,
    BackupError,
    database_backup,
    database_restore,
)
from fenpei.customers.models import Customer

FENPEI = [sys.executable, "-m", "fenpei.cli"]
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump / pg_restore: the PostgreSQL pass"
)

#: Run inside `fenpei shell -c`: the customers' keys and names, one per line.
LIST = "from fenpei.customers.models import Customer as C; print(sorted(C.objects.values_list('key', 'name')))"


def _seed(key: str, name: str) -> str:
    return (
        "from fenpei.teams.models import Team; from fenpei.customers.models import Customer; "
        "from fenpei.customers.services import customer_derive; "
        "t, _ = Team.objects.get_or_create(name='华东'); "
        f"c = Customer(key='{key}', name='{name}', team=t, region='上海'); customer_derive(c); c.save()"
    )


def _drop(key: str) -> str:
    return f"from fenpei.customers.models import Customer; Customer.objects.filter(key='{key}').delete()"


def fenpei(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FENPEI, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(env: dict[str, str], *args: str) -> str:
    done = fenpei(env, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _env(url: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(DATABASE_URL=url, FENPEI_SECRET_KEY="backup-test", LANGUAGE="en")
    return env


def _round_trip(env: dict[str, str], backup: Path) -> None:
    """Data → backup → changes → restore: the data of the backup's moment, nothing else."""
    ok(env, "migrate", "--verbosity=0")
    ok(env, "shell", "-c", _seed("KH1", "上海华通科技有限公司"))
    ok(env, "shell", "-c", _seed("KH2", "杭州明远贸易有限公司"))
    before = ok(env, "shell", "-c", LIST)
    assert "上海华通科技有限公司" in before

    out = ok(env, "backup", str(backup))
    assert backup.exists() and not backup.with_name(backup.name + ".partial").exists()
    assert str(backup) in out

    ok(env, "shell", "-c", _drop("KH1"))
    ok(env, "shell", "-c", _seed("KH3", "北京新来客户有限公司"))
    assert ok(env, "shell", "-c", LIST) != before

    # Asked first; anything but "yes" changes nothing.
    refused = fenpei(env, "restore", str(backup), stdin="no\n")
    assert refused.returncode != 0 and "没有任何改动" in refused.stderr  # zh-hans by default
    assert "北京新来客户有限公司" in ok(env, "shell", "-c", LIST)

    ok(env, "restore", str(backup), "--noinput")
    assert ok(env, "shell", "-c", LIST) == before


def test_sqlite_backup_and_restore_round_trip(tmp_path: Path) -> None:
    env = _env(f"sqlite:///{tmp_path / 'team.sqlite3'}")
    _round_trip(env, tmp_path / "backup.sqlite3")
    # The restored database is complete: no migration is missing.
    ok(env, "migrate", "--check")


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    env = _env(f"sqlite:///{tmp_path / 'team.sqlite3'}")
    ok(env, "migrate", "--verbosity=0")
    ok(env, "shell", "-c", _seed("KH1", "上海华通科技有限公司"))
    junk = tmp_path / "notes.txt"
    junk.write_text("客户名单\n", encoding="utf-8")
    done = fenpei(env, "restore", str(junk), "--noinput")
    assert done.returncode == 1 and "不是分配系统的备份" in done.stderr
    missing = fenpei(env, "restore", str(tmp_path / "nope.sqlite3"), "--noinput")
    assert missing.returncode == 1 and "文件不存在" in missing.stderr
    assert "上海华通科技有限公司" in ok(env, "shell", "-c", LIST)


def test_restore_refuses_a_sqlite_file_that_fenpei_did_not_write(tmp_path: Path) -> None:
    import sqlite3  # noqa: PLC0415

    other = tmp_path / "other.sqlite3"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    target = tmp_path / "team.sqlite3"
    sqlite3.connect(target).close()
    with translation.override("en"), pytest.raises(BackupError, match="not a Fenpei database"):
        database_restore({"ENGINE": SQLITE, "NAME": str(target)}, other)
    with (
        translation.override("en"),
        pytest.raises(BackupError, match="is a sqlite backup but the database is postgres"),
    ):
        database_restore({"ENGINE": POSTGRES, "NAME": "x"}, other)


def test_a_failed_backup_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "backup.dump"
    bad = {
        "ENGINE": POSTGRES,
        "NAME": f"no_such_db_{uuid.uuid4().hex[:8]}",
        "HOST": "127.0.0.1",
        "USER": "postgres",
    }
    with translation.override("en"), pytest.raises(BackupError, match="pg_dump failed"):
        database_backup(bad, target)
    assert list(tmp_path.iterdir()) == []
    with translation.override("en"), pytest.raises(BackupError, match="the folder does not exist"):
        database_backup({"ENGINE": SQLITE, "NAME": ":memory:"}, tmp_path / "no" / "b.sqlite3")


@pytest.fixture
def scratch_postgres() -> Iterator[str]:
    """A database of its own for the subprocesses (the test database is inside a test
    transaction they could not see)."""
    settings = connection.settings_dict
    host, port, user = (
        settings["HOST"] or "127.0.0.1",
        settings["PORT"] or "5432",
        settings["USER"] or "postgres",
    )
    name = f"fenpei_backup_{uuid.uuid4().hex[:10]}"
    admin = f"host={host} port={port} user={user} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{user}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@on_postgres
def test_postgres_backup_and_restore_round_trip(scratch_postgres: str, tmp_path: Path) -> None:
    _round_trip(_env(scratch_postgres), tmp_path / "backup.dump")


@on_postgres
def test_postgres_restore_of_a_damaged_archive_changes_nothing(
    scratch_postgres: str, tmp_path: Path
) -> None:
    env = _env(scratch_postgres)
    ok(env, "migrate", "--verbosity=0")
    ok(env, "shell", "-c", _seed("KH1", "上海华通科技有限公司"))
    backup = tmp_path / "backup.dump"
    ok(env, "backup", str(backup))
    ok(env, "shell", "-c", _seed("KH2", "杭州明远贸易有限公司"))
    before = ok(env, "shell", "-c", LIST)
    data = backup.read_bytes()
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(data[: len(data) * 2 // 3])  # cut off, as a full disk would leave it
    done = fenpei(env, "restore", str(damaged), "--noinput")
    assert done.returncode == 1 and "失败" in done.stderr
    # The schema reset and the partial restore were one transaction: all rolled back.
    assert ok(env, "shell", "-c", LIST) == before


@pytest.mark.django_db
def test_full_data_export_has_every_row_and_no_secret(
    tmp_path: Path, customers: list[Customer]
) -> None:
    n = Customer.objects.count()
    assert n == len(customers) == 6

    tables = {t.name: t.rows for t in data_export(tmp_path / "all.xlsx")}
    assert tables["customers_customer"] == n
    book = CalamineWorkbook.from_path(str(tmp_path / "all.xlsx"))
    rows = book.get_sheet_by_name("customers_customer").to_python()
    assert len(rows) == n + 1 and "name" in rows[0] and "owner_id" in rows[0]
    assert "上海华通科技有限公司" in {r[rows[0].index("name")] for r in rows[1:]}
    users = book.get_sheet_by_name("auth_user").to_python()
    assert "password" not in users[0] and "username" in users[0]

    data_export(tmp_path / "all.zip")
    with zipfile.ZipFile(tmp_path / "all.zip") as archive:
        text = archive.read("customers_customer.csv").decode("utf-8-sig")
    assert text.count("\n") == n + 1 and "上海华通科技有限公司" in text

    data_export(tmp_path / "csv")
    assert (
        (tmp_path / "csv" / "followups_deal.csv").read_text(encoding="utf-8-sig").startswith("id,")
    )
