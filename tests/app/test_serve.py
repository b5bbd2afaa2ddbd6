"""`fenpei serve`'s server and the in-process task worker, over real sockets and threads."""

from __future__ import annotations

import _thread
import io
import re
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django_tasks.signals import task_finished
from django_tasks_db.models import DBTaskResult

from fenpei.allocation.models import Run, RunItem, RunStatus
from fenpei.allocation.selectors import policy_active
from fenpei.allocation.tasks import run_compute_task
from fenpei.web.server import Server, serve_with, server_make
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
