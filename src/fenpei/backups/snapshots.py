"""Whole-database backups and restores: `fenpei backup FILE` / `fenpei restore FILE`.

SQLite uses its online backup API (the app may keep running: readers and writers carry
on while the pages are copied, and the copy is one consistent moment). PostgreSQL uses
`pg_dump -Fc` and `pg_restore --single-transaction`, the tools made for it, so a backup
can also be read by a DBA with the usual tools.

Two rules keep a backup trustworthy:

- a backup is written under a temporary name and renamed when complete, so a killed
  backup never leaves a file that looks whole;
- a restore first checks what the file is (its first bytes) and that it matches the
  database in use, and replaces everything or nothing: SQLite's backup API copies into the
  live file under its write lock, pg_restore runs in one transaction.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
SQLITE = "django.db.backends.sqlite3"
POSTGRES = "django.db.backends.postgresql"


class BackupError(Exception):
    """A backup or restore that cannot be done: the message says why, in one line."""


def backup_kind(path: Path) -> str:
    """'sqlite' or 'postgres' from the file's first bytes, else a BackupError."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(_("%(path)s: no such file") % {"path": path}) from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgres"
    raise BackupError(
        _("%(path)s is not a Fenpei backup (neither a SQLite file nor a pg_dump archive)")
        % {"path": path}
    )


def _engine_kind(database: Mapping[str, Any]) -> str:
    engine = str(database["ENGINE"])
    if engine == SQLITE:
        return "sqlite"
    if engine == POSTGRES:
        return "postgres"
    raise BackupError(
        _("Backups support SQLite and PostgreSQL, not %(engine)s") % {"engine": engine}
    )


def _partial(target: Path) -> Path:
    return target.with_name(target.name + ".partial")


def database_backup(database: Mapping[str, Any], target: Path) -> str:
    """Write a backup of `database` (a Django DATABASES entry) to `target`. → its kind."""
    kind = _engine_kind(database)
    if not target.parent.is_dir():
        raise BackupError(_("%(path)s: the folder does not exist") % {"path": target.parent})
    partial = _partial(target)
    try:
        if kind == "sqlite":
            _sqlite_backup(str(database["NAME"]), partial)
        else:
            _pg_dump(database, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return kind


def database_restore(database: Mapping[str, Any], source: Path) -> str:
    """Replace everything in `database` with the backup in `source`. → its kind."""
    kind = _engine_kind(database)
    found = backup_kind(source)
    if found != kind:
        raise BackupError(
            _(
                "%(path)s is a %(found)s backup but the database is %(kind)s: restore it into "
                "the same kind of database, or move the data with `fenpei export_data`"
            )
            % {"path": source, "found": found, "kind": kind}
        )
    if kind == "sqlite":
        _sqlite_restore(source, str(database["NAME"]))
    else:
        _pg_restore(database, source)
    return kind


# ---------------------------------------------------------------------------- SQLite


def _sqlite_backup(name: str, target: Path) -> None:
    target.unlink(missing_ok=True)
    # mode=ro: a backup must never create or change the database it reads.
    source = sqlite3.connect(f"file:{name}?mode=ro", uri=True, timeout=20)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    except sqlite3.Error as exc:
        raise BackupError(_("SQLite backup failed: %(error)s") % {"error": exc}) from exc
    finally:
        source.close()


def _sqlite_check(source: Path) -> None:
    """The file is an intact SQLite database that Fenpei wrote (it has migrations)."""
    con = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        (ok,) = con.execute("PRAGMA quick_check").fetchone()
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as exc:
        error = _("%(path)s is damaged: %(error)s") % {"path": source, "error": exc}
        raise BackupError(error) from exc
    finally:
        con.close()
    if ok != "ok":
        raise BackupError(_("%(path)s is damaged: %(error)s") % {"path": source, "error": ok})
    if "django_migrations" not in tables:
        raise BackupError(
            _("%(path)s is a SQLite file but not a Fenpei database") % {"path": source}
        )


def _sqlite_restore(source: Path, name: str) -> None:
    _sqlite_check(source)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(name, timeout=20)
        try:
            # The backup API takes the destination's write lock and replaces its pages in
            # one go: other connections see the old database or the restored one.
            src.backup(dest)
        finally:
            dest.close()
    except sqlite3.Error as exc:
        raise BackupError(_("SQLite restore failed: %(error)s") % {"error": exc}) from exc
    finally:
        src.close()


# ------------------------------------------------------------------------ PostgreSQL


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _("%(tool)s is not installed (Debian: apt-get install postgresql-client)")
            % {"tool": name}
        )
    return found


def _pg_connection(database: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump / pg_restore and the environment (password)."""
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            args += [flag, str(database[key])]
    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return args, env


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        error = _last_line(done.stderr)
        raise BackupError(_("%(what)s failed: %(error)s") % {"what": what, "error": error})


def _pg_dump(database: Mapping[str, Any], target: Path) -> None:
    args, env = _pg_connection(database)
    cmd = [_pg_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--no-privileges"]
    _run([*cmd, "--file", str(target), str(database["NAME"])], env, "pg_dump")


#: Run before the archive's SQL, in the same transaction: the restore replaces the whole
#: schema, so tables a newer version added do not survive beside an older backup's (which
#: `fenpei migrate` then brings up to date).
_PG_RESET = b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"


def _pg_restore(database: Mapping[str, Any], source: Path) -> None:
    """pg_restore turns the archive into SQL; psql runs it after the schema reset inside
    one transaction, stopping at the first error, and is told to COMMIT only once
    pg_restore has read the whole archive: a damaged or cut-off file ends in a rollback,
    never in half a database."""
    args, env = _pg_connection(database)
    # DROP SCHEMA … CASCADE lists every dropped object as a notice: keep stderr small
    # (it is read once psql is done) and for errors only.
    env["PGOPTIONS"] = "-c client_min_messages=warning"
    to_sql = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(source)]
    run_sql = [
        _pg_tool("psql"),
        *args,
        "--dbname",
        str(database["NAME"]),
        "--set=ON_ERROR_STOP=1",
        "--quiet",
        "--no-psqlrc",
        "--output=/dev/null",
    ]
    reader = subprocess.Popen(to_sql, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    writer = subprocess.Popen(
        run_sql, stdin=subprocess.PIPE, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env
    )
    assert reader.stdout is not None and reader.stderr is not None
    assert writer.stdin is not None and writer.stderr is not None
    try:
        writer.stdin.write(b"BEGIN;\n" + _PG_RESET)
        shutil.copyfileobj(reader.stdout, writer.stdin, 1 << 20)
        read_ok = reader.wait() == 0
        if read_ok:
            writer.stdin.write(b"COMMIT;\n")
    except BrokenPipeError:
        read_ok = reader.wait() == 0  # psql stopped at an error: its message is below
    finally:
        with contextlib.suppress(BrokenPipeError):
            writer.stdin.close()  # without COMMIT: psql ends, the server rolls back
    read_err = reader.stderr.read().decode(errors="replace")
    write_err = writer.stderr.read().decode(errors="replace")
    written = writer.wait()
    if not read_ok:
        raise BackupError(_("pg_restore failed: %(error)s") % {"error": _last_line(read_err)})
    if written != 0:
        raise BackupError(_("psql failed: %(error)s") % {"error": _last_line(write_err)})


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "?"
