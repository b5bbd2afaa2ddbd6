"""Entry points that configure Django themselves, each run in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name != "DJANGO_SETTINGS_MODULE" and not name.startswith(("FENPEI_", "DATABASE_"))
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # callers assert on returncode so failures show stderr
    )


SETUP_AND_MIGRATE = """
from fenpei.config import django_setup
django_setup()
django_setup()  # a second call must be harmless
from django.conf import settings
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    print(settings.DATABASES["default"]["NAME"], cursor.fetchone()[0])
"""


def test_django_setup_uses_sqlite_file_in_working_directory(tmp_path: Path) -> None:
    result = _run(["-c", SETUP_AND_MIGRATE], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    name, journal_mode = result.stdout.split()
    assert name == str(tmp_path / "fenpei.sqlite3")
    assert journal_mode == "wal"
    assert (tmp_path / "fenpei.sqlite3").stat().st_size > 0


def test_manage_py_check_passes(tmp_path: Path) -> None:
    result = _run([str(REPO_ROOT / "manage.py"), "check"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    # `check` needs no database, so it must not create one as a side effect.
    assert not (tmp_path / "fenpei.sqlite3").exists()
