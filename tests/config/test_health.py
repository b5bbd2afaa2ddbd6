from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client


def test_health_reports_ok(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


def test_health_rejects_writes(client: Client) -> None:
    assert client.post("/health/").status_code == 405


def test_chinese_is_the_default_language(client: Client) -> None:
    assert client.get("/health/")["Content-Language"] == "zh-hans"


def test_english_on_request(client: Client) -> None:
    response = client.get("/health/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response["Content-Language"] == "en"


# ------------------------------------------------------------------------- /healthz


@pytest.mark.django_db
def test_healthz_reports_the_database_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    # A cached answer would hide a database that has since gone away.
    assert "no-cache" in response["Cache-Control"]


def test_healthz_rejects_writes(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


HEALTHZ = """
from fenpei.config import django_setup
django_setup()
from django.test import Client
response = Client().get("/healthz", HTTP_HOST="localhost")
print(response.status_code, response.content.decode())
"""


def _healthz_in_process_with(database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # A real process whose database cannot be reached: nothing is mocked.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FENPEI_", "DATABASE_", "DJANGO_", "PYTEST_"))
    }
    env |= {"DATABASE_URL": database_url, "FENPEI_SECRET_KEY": "health-test-" + "k" * 50}
    return subprocess.run(
        [sys.executable, "-c", HEALTHZ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # free, and nobody listens once it is closed


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_healthz_is_503_when_the_database_cannot_be_reached(tmp_path: Path, kind: str) -> None:
    if kind == "sqlite":  # a folder that does not exist: SQLite cannot open the file
        url = f"sqlite:///{tmp_path / 'gone' / 'fenpei.sqlite3'}"
    else:
        url = f"postgres://postgres@127.0.0.1:{_closed_port()}/fenpei"
    result = _healthz_in_process_with(url, tmp_path)
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"status": "unavailable", "database": "unavailable"}
    assert "the database did not answer" in result.stderr  # the cause goes to the log
