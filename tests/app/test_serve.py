"""`fenpei serve`: the embedded server and its in-process task worker over real sockets
and threads, and production mode (gunicorn) down to a real `fenpei serve --workers 2`."""

from __future__ import annotations

import _thread
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tasks.signals import task_finished
from django_tasks_db.models import DBTaskResult

from fenpei.allocation.models import Run, RunItem, RunStatus
from fenpei.allocation.selectors import policy_active
from fenpei.allocation.tasks import run_compute_task
from fenpei.web.management.commands.serve import Mode, default_workers, mode_choose
from fenpei.web.server import (
    GunicornApplication,
    Server,
    gunicorn_options,
    secret_key_persist,
    serve_with,
    server_make,
)
from fenpei.web.worker import WorkerThread, start_worker_thread

WAIT = 30.0  # seconds: only reached when something is broken


def get(server: Server, path: str) -> tuple[int, str, bytes]:
    url = f"http://127.0.0.1:{server.server_port}{path}"
    with urllib.request.urlopen(url, timeout=WAIT) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


@pytest.fixture
def server() -> Iterator[Server]:
    server = server_make("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(WAIT)


@pytest.mark.django_db(transaction=True)
def test_server_serves_pages_and_static_files(server: Server) -> None:
    assert server.server_port > 0
    status, kind, body = get(server, "/health/")
    assert status == 200 and b'"ok"' in body

    status, kind, page = get(server, "/help/")
    assert status == 200 and kind.startswith("text/html")
    css = re.findall(r'href="(/static/[^"]+\.css)"', page.decode())
    scripts = re.findall(r'src="(/static/[^"]+\.js)"', page.decode())
    assert "/static/fenpei/app.css" in css
    assert any("django_htmx" in s for s in scripts), scripts
    for path in [*css, *scripts]:
        status, kind, body = get(server, path)
        assert status == 200 and len(body) > 100, path
    assert get(server, "/static/fenpei/app.css")[1].startswith("text/css")


@pytest.mark.django_db(transaction=True)
def test_server_answers_while_another_request_is_still_arriving(server: Server) -> None:
    # A client that sent half a request holds its connection's thread; a server that
    # handled one request at a time would never get to the next.
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=WAIT) as slow:
        slow.sendall(b"GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert get(server, "/health/")[0] == 200
        slow.sendall(b"\r\n")
        assert b"200 OK" in slow.recv(4096)


def test_missing_static_file_is_404(server: Server) -> None:
    with pytest.raises(urllib.error.HTTPError) as raised:
        get(server, "/static/fenpei/no-such-file.css")
    assert raised.value.code == 404


# --------------------------------------------------------------------------- worker


@pytest.fixture
def worker() -> Iterator[WorkerThread]:
    thread = start_worker_thread(interval=0.05)
    yield thread
    assert thread.stop(WAIT)


@pytest.mark.django_db(transaction=True)
def test_worker_thread_computes_a_queued_run(company, customers, worker: WorkerThread) -> None:
    finished = threading.Event()

    def on_finished(sender: Any, **kwargs: Any) -> None:
        finished.set()

    task_finished.connect(on_finished)
    try:
        run = Run.objects.create(
            policy=policy_active(),
            scope="unassigned",
            as_of=date(2026, 3, 2),
            created_by=company.manager,
            status=RunStatus.QUEUED,
        )
        run_compute_task.enqueue(run.pk)
        assert finished.wait(WAIT), "the worker thread never ran the task"
    finally:
        task_finished.disconnect(on_finished)
    # Stop first: reads below then never race the worker's next poll.
    assert worker.stop(WAIT)
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEW
    assert RunItem.objects.filter(run=run).count() == 6
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert worker.worker.worker_id and not worker.is_alive()


@pytest.mark.django_db(transaction=True)
def test_serve_stops_cleanly_on_ctrl_c() -> None:
    server = server_make("127.0.0.1", 0)
    out = io.StringIO()

    def press_ctrl_c() -> None:
        # Once the server answers, interrupt the main thread as Ctrl-C would.
        get(server, "/health/")
        _thread.interrupt_main()

    presser = threading.Thread(target=press_ctrl_c)
    presser.start()
    serve_with(server, worker=True, out=out)  # returns instead of raising KeyboardInterrupt
    presser.join(WAIT)
    assert f"http://127.0.0.1:{server.server_port}/" in out.getvalue()
    assert "stopping" in out.getvalue()
    assert not any(t.name == "fenpei-task-worker" for t in threading.enumerate())
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.server_port), timeout=1).close()


# ----------------------------------------------------------------------- secret key


def test_embedded_serve_persists_the_key_it_was_given(settings: Any, tmp_path: Path) -> None:
    settings.FENPEI_SECRET_KEY_FILE = tmp_path / "fenpei-secret.key"
    settings.SECRET_KEY = "made-up-by-the-settings-" + "x" * 40
    secret_key_persist()
    assert settings.FENPEI_SECRET_KEY_FILE.read_text().strip() == settings.SECRET_KEY
    assert settings.FENPEI_SECRET_KEY_FILE.stat().st_mode & 0o777 == 0o600


def test_embedded_serve_adopts_a_key_already_on_disk(settings: Any, tmp_path: Path) -> None:
    (tmp_path / "fenpei-secret.key").write_text("kept-from-last-time-" + "y" * 40 + "\n")
    settings.FENPEI_SECRET_KEY_FILE = tmp_path / "fenpei-secret.key"
    settings.SECRET_KEY = "made-up-by-the-settings-" + "x" * 40
    secret_key_persist()
    assert settings.SECRET_KEY == "kept-from-last-time-" + "y" * 40


def test_a_key_from_the_environment_writes_no_file(settings: Any, tmp_path: Path) -> None:
    settings.FENPEI_SECRET_KEY_FILE = None
    secret_key_persist()
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------ production


@pytest.mark.parametrize(
    ("workers", "production", "expected"),
    [
        (None, False, None),  # plain `fenpei serve`: the embedded single process
        (1, False, None),
        (2, False, 2),
        (8, False, 8),
        (1, True, 1),
        (None, True, default_workers()),
    ],
)
def test_mode_from_the_command_line(workers: int | None, production: bool, expected: int) -> None:
    assert mode_choose(workers=workers, production=production, threads=4) == Mode(expected, 4)


def test_gunicorn_is_configured_as_asked() -> None:
    options = gunicorn_options("0.0.0.0", 8123, workers=3, threads=6)
    # gunicorn's own Config validates every name and value: a typo fails here.
    cfg = GunicornApplication(options).cfg
    assert cfg.address == [("0.0.0.0", 8123)]
    assert cfg.workers == 3
    assert cfg.threads == 6
    assert cfg.worker_class_str == "gthread"
    assert cfg.preload_app is True
    assert cfg.control_socket_disable is True
    assert cfg.timeout >= 60


def test_gunicorn_binds_ipv6_hosts_in_brackets() -> None:
    cfg = GunicornApplication(gunicorn_options("::1", 8123, workers=2, threads=1)).cfg
    assert cfg.address == [("::1", 8123)]


def test_the_app_gunicorn_runs_serves_static_files() -> None:
    app = GunicornApplication(gunicorn_options("127.0.0.1", 0, workers=2, threads=1)).load()
    seen: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/static/fenpei/app.css",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    response = app(environ, lambda status, headers: seen.append(status))
    body = b"".join(response)
    response.close()
    assert seen == ["200 OK"] and b"{" in body


def test_production_refuses_to_start_without_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FENPEI_SECRET_KEY", raising=False)
    with pytest.raises(CommandError, match="FENPEI_SECRET_KEY"):
        call_command("serve", "--workers", "2", "--port", "0")
    with pytest.raises(CommandError, match="FENPEI_SECRET_KEY"):
        call_command("serve", "--production", "--port", "0")


def _database_url() -> str:
    """The test database, as a URL another process can be given."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = urllib.parse.quote(db.get("USER") or "", safe="")
    password = urllib.parse.quote(db.get("PASSWORD") or "", safe="")
    login = f"{user}:{password}@" if password else f"{user}@" if user else ""
    return (
        f"postgres://{login}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Output:
    """A child's output, read by a thread: waiting for a line can then time out."""

    def __init__(self, process: subprocess.Popen[str], marker: str) -> None:
        self.lines: list[str] = []
        self.seen = threading.Event()
        self.marker = marker
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)
            if self.marker in line:
                self.seen.set()

    @property
    def text(self) -> str:
        return "".join(self.lines)


@pytest.mark.django_db(transaction=True)
def test_fenpei_serve_workers_runs_gunicorn_on_the_test_database(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FENPEI_", "DATABASE_", "DJANGO_", "PYTEST_"))
    }
    env |= {
        "DATABASE_URL": _database_url(),
        "FENPEI_SECRET_KEY": "serve-test-" + "s" * 50,
        "PYTHONUNBUFFERED": "1",
    }
    fenpei = Path(sys.executable).parent / "fenpei"  # this venv's, as `uv run fenpei` finds it
    process = subprocess.Popen(
        [str(fenpei), "serve", "--workers", "2", "--threads", "2", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(process, "Listening at:")
    try:
        assert output.seen.wait(WAIT), output.text
        # Connections wait in the listening socket until a worker takes them.
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=WAIT) as response:
            assert response.status == 200
            assert json.loads(response.read()) == {"status": "ok", "database": "ok"}
        with urllib.request.urlopen(f"{base}/static/fenpei/app.css", timeout=WAIT) as response:
            assert response.headers["Content-Type"].startswith("text/css")
            assert len(response.read()) > 100
    finally:
        process.send_signal(signal.SIGTERM)  # what systemd sends: a graceful stop
        code = process.wait(WAIT)
        output.thread.join(WAIT)
    assert code == 0, output.text
    assert "gunicorn: 2 processes × 2 threads" in output.text
    assert "fenpei db_worker" in output.text
    assert output.text.count("Booting worker") == 2
    assert not list(tmp_path.iterdir())  # no SQLite file, no key file left behind
