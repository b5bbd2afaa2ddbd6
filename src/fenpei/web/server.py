"""The web server of the embedded setup: `fenpei serve` and `fenpei demo`.

One process serves pages, static files and background tasks, so a team can run Fenpei on
one office machine with one command and no CDN, proxy or broker.

Why this server: it is wsgiref's `simple_server` with `ThreadingMixIn` (a thread per
connection, so a slow page never blocks the others), taken in the form Django's own
`basehttp` gives it, because that form adds what the bare wsgiref lacks for real use:
HTTP/1.1 keep-alive with unread request bodies drained, each thread's database
connections closed when its connection ends, quiet broken pipes, and headers with
underscores dropped (no spoofing of WSGI variables). Nothing of `runserver` that is meant
for development comes with it: no autoreloader, no DEBUG-only static serving. Static
files are served by `StaticFilesHandler` straight from the installed apps (no
`collectstatic` step), with Last-Modified / 304 handling.

A big deployment runs a WSGI server (gunicorn, uWSGI) on `fenpei.config.wsgi` behind a
reverse proxy, and `fenpei db_worker` processes beside it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

from fenpei.web.worker import WorkerThread, start_worker_thread


class TextOut(Protocol):
    """Where messages go: a text stream, or a management command's stdout wrapper."""

    def write(self, msg: str, /) -> object: ...
    def flush(self) -> object: ...


class RequestHandler(WSGIRequestHandler):
    # A keep-alive connection left idle by a browser would hold its thread forever.
    timeout = 120

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except TimeoutError:  # idle keep-alive connection: just close it
            self.close_connection = True


class Server(ThreadedWSGIServer):
    # More room than runserver's 10 for a burst of page + static requests from a team.
    request_queue_size = 64


def server_make(host: str = "127.0.0.1", port: int = 8000) -> Server:
    """A server bound to host:port (port 0: any free port, see `server.server_port`),
    not yet serving."""
    server = Server((host, port), RequestHandler, ipv6=":" in host)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    return server


def address_of(host: str, port: int) -> str:
    # Listening on every interface: show the address that works on this machine.
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


@contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """A process supervisor stops us with SIGTERM: leave through the same clean path as
    Ctrl-C. Only the main thread may set handlers, and the old one comes back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(host: str, port: int, *, worker: bool, out: TextOut) -> None:
    """Serve on host:port until Ctrl-C (or SIGTERM); OSError when it cannot listen."""
    serve_with(server_make(host, port), worker=worker, out=out)


def serve_with(server: Server, *, worker: bool, out: TextOut) -> None:
    """Serve until Ctrl-C (or SIGTERM), then stop the worker and close the socket."""
    host = str(server.server_address[0])
    thread: WorkerThread | None = start_worker_thread() if worker else None
    with _sigterm_as_ctrl_c():
        out.write(f"Fenpei: {address_of(host, server.server_port)}  (Ctrl-C to stop)\n")
        out.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            out.write("\nFenpei: stopping…\n")
        finally:
            server.server_close()
            if thread is not None:
                _worker_stop(thread, out)
        out.flush()


def _worker_stop(thread: WorkerThread, out: TextOut) -> None:
    # A run being computed is let finish (it is written in one go at its end), as
    # db_worker does; a second Ctrl-C quits at once and leaves that task unfinished.
    thread.worker.running = False
    if thread.worker.running_task:
        out.write("Fenpei: waiting for a background task to finish (Ctrl-C again to quit now)\n")
        out.flush()
    try:
        thread.stop()
    except KeyboardInterrupt:
        out.write("Fenpei: quit without waiting for the background task.\n")
