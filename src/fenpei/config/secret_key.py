"""Where ``SECRET_KEY`` comes from.

Imported by the settings module, so it must not touch Django settings itself.

In order:

1. ``FENPEI_SECRET_KEY`` from the environment: every shared server sets it.
2. Under pytest (pytest sets ``PYTEST_VERSION`` before Django loads the settings): a
   fixed test key, so the suite runs on any database without a key in the environment.
3. ``FENPEI_DEBUG`` on: a publicly known development key (its ``django-insecure-``
   prefix makes ``check --deploy`` flag it).
4. The embedded setup (a SQLite database file): the key kept in ``fenpei-secret.key``
   beside that file (mode 0600). When the file does not exist yet, a random key is used
   and `fenpei serve` / `fenpei demo` write it to the file before they serve, so the
   laptop setup needs no configuration and logins survive a restart. Commands that
   serve nothing (migrate, createsuperuser …) sign nothing that outlives them, so they
   do not create the file.
5. Anything else (PostgreSQL) refuses to start: several processes on several machines
   must share one key, and only the deployment can give them one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

KEY_FILE_NAME = "fenpei-secret.key"
TEST_KEY = "django-insecure-fenpei-test-key-only-for-the-test-suite"
DEBUG_KEY = "django-insecure-fenpei-development-key-do-not-use-in-production"
SQLITE = "django.db.backends.sqlite3"

MISSING_KEY = (
    "FENPEI_SECRET_KEY is not set, and the database is not the embedded SQLite file "
    "(DATABASE_URL selects {engine}). Such a server needs its own secret key, the same "
    "in every web and worker process: generate one with\n"
    '    python -c "import secrets; print(secrets.token_urlsafe(50))"\n'
    "and set FENPEI_SECRET_KEY in the environment of every fenpei process "
    "(see docs/deploy.md). FENPEI_DEBUG=true uses a public development key instead: "
    "only for a developer's own machine."
)


def key_file_for(database: Mapping[str, Any]) -> Path | None:
    """The key file of the embedded setup, beside its SQLite database file; None for any
    other database (and for an in-memory SQLite database, which no restart survives)."""
    if database.get("ENGINE") != SQLITE:
        return None
    name = str(database.get("NAME", ""))
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).parent / KEY_FILE_NAME


def key_file_read(path: Path) -> str | None:
    """The key in `path`, or None when there is no file (or only an empty one)."""
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    return key or None


def key_make() -> str:
    # 50+ characters of 64 symbols: what Django's own key check (security.W009) asks for.
    return secrets.token_urlsafe(50)


def key_file_ensure(path: Path, key: str) -> str:
    """Write `key` to `path` (0600) unless the file exists; the key the file now holds.

    O_EXCL makes a second process that races us read our key instead of overwriting it.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        existing = key_file_read(path)
        if existing is None:
            raise ImproperlyConfigured(f"{path} is empty: delete it or put a key in it.") from None
        return existing
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key


def secret_key_choose(
    *, env_key: str, under_pytest: bool, debug: bool, database: Mapping[str, Any]
) -> tuple[str, Path | None]:
    """The key, and the file `fenpei serve` must persist it to (None: nothing to persist)."""
    if env_key:
        return env_key, None
    if under_pytest:
        return TEST_KEY, None
    if debug:
        return DEBUG_KEY, None
    path = key_file_for(database)
    if path is None:
        engine = str(database.get("ENGINE", "")).rsplit(".", 1)[-1]
        raise ImproperlyConfigured(MISSING_KEY.format(engine=engine or "this database"))
    return key_file_read(path) or key_make(), path
