"""The web servers behind `fenpei serve` and `fenpei demo`.

Embedded (the default): one process serves pages, static files and background tasks, so
a team can run Fenpei on one office machine with one command and no CDN, proxy or broker.

Production (`fenpei serve --production` or `--workers N`, N > 1): gunicorn, run from
this same command, with N worker processes of `threads` threads each behind a reverse
proxy; background tasks run in separate `fenpei db_worker` processes. See the end of
this module and docs/deploy.md.

Why this server: it is wsgiref's `simple_server` with `ThreadingMixIn` (a thread per
connection, so a slow page never blocks the others), taken in the form Django's own
`basehttp` gives it, because that form adds what the bare wsgiref lacks for real use:
HTTP/1.1 keep-alive with unread request bodies drained, each thread's database
connections closed when its connection ends, quiet broken pipes, and headers with
underscores dropped (no spoofing of WSGI variables). Nothing of `runserver` that is meant
for development comes with it: no autoreloader, no DEBUG-only static serving. Static
files are served by `StaticFilesHandler` straight from the installed apps (no
`collectstatic` step), with Last-Modified / 304 handling.

Static files in both modes: the app serves them itself with `StaticFilesHandler`, from
the installed package. No `collectstatic` step to forget after an upgrade (which would
leave pages with last version's scripts), and files go out through `FileResponse`, which
gunicorn sends with sendfile(). A site with heavy traffic lets nginx serve the output of
`fenpei collectstatic` at /static/ instead; those requests then never reach the app, so
the two ways need no switch between them. (WhiteNoise would add caching headers for
hashed names, at the price of a dependency and the collectstatic step.)
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management.base import CommandError
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.db import connections
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from fenpei.config.secret_key import key_file_ensure
from fenpei.pool.scheduler import start_scheduler_thread
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


def wsgi_application() -> StaticFilesHandler:
    """The app with its static files, as both servers run it."""
    return StaticFilesHandler(get_wsgi_application())


def server_make(host: str = "127.0.0.1", port: int = 8000) -> Server:
    """A server bound to host:port (port 0: any free port, see `server.server_port`),
    not yet serving."""
    server = Server((host, port), RequestHandler, ipv6=":" in host)
    server.set_app(wsgi_application())
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


def secret_key_persist() -> None:
    """Keep the embedded setup's key, made up by the settings when there was none yet,
    in its file before any login is signed with it: logins then survive a restart, and
    every later `fenpei` command in this folder signs with the same key. When another
    process wrote the file first, its key is the one used."""
    path = settings.FENPEI_SECRET_KEY_FILE
    if path is None:  # the key comes from FENPEI_SECRET_KEY (or debug / test settings)
        return
    try:
        settings.SECRET_KEY = key_file_ensure(path, settings.SECRET_KEY)
    except OSError as exc:
        raise CommandError(f"cannot write the secret key file {path}: {exc}") from None


def serve(host: str, port: int, *, worker: bool, out: TextOut) -> None:
    """Serve on host:port until Ctrl-C (or SIGTERM); OSError when it cannot listen."""
    secret_key_persist()
    serve_with(server_make(host, port), worker=worker, out=out)


def serve_with(server: Server, *, worker: bool, out: TextOut) -> None:
    """Serve until Ctrl-C (or SIGTERM), then stop the worker and close the socket."""
    host = str(server.server_address[0])
    thread: WorkerThread | None = start_worker_thread() if worker else None
    scheduler = start_scheduler_thread() if worker else None  # the daily reclaim
    with _sigterm_as_ctrl_c():
        out.write(f"Fenpei: {address_of(host, server.server_port)}  (Ctrl-C to stop)\n")
        out.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            out.write("\nFenpei: stopping…\n")
        finally:
            server.server_close()
            if scheduler is not None:
                scheduler.stop()
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


# ----------------------------------------------------------------------- production

#: Seconds a request may take before gunicorn replaces its worker. Generous: previews of
#: big imports and xlsx exports are computed during the request.
REQUEST_TIMEOUT = 120


def gunicorn_bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def gunicorn_options(host: str, port: int, *, workers: int, threads: int) -> dict[str, object]:
    """gunicorn's settings for `fenpei serve --production`, by gunicorn's own names."""
    return {
        "bind": [gunicorn_bind(host, port)],
        "workers": workers,
        # Threads, not the sync worker: a sync worker is held by one slow client for the
        # whole upload or download, and drops keep-alive; threads share one process's
        # memory (the engine's imports) and each keeps its own database connection.
        "worker_class": "gthread",
        "threads": threads,
        "timeout": REQUEST_TIMEOUT,
        "graceful_timeout": 30,
        "keepalive": 5,
        # Django is already set up in this process: build the app once, before the
        # fork, so workers start at once and share its memory.
        "preload_app": True,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "fenpei",
        # gunicorn's control socket defaults to one fixed path per user, which a second
        # instance (or a test) would fight over; supervise with signals instead.
        "control_socket_disable": True,
    }


class GunicornApplication(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn run from inside `fenpei serve`: same command, same settings, no config
    file and no command line of gunicorn's own to parse."""

    def __init__(self, options: dict[str, object]) -> None:
        self.options = options
        super().__init__(prog="fenpei serve")

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> StaticFilesHandler:
        return wsgi_application()


def serve_production(host: str, port: int, *, workers: int, threads: int, out: TextOut) -> None:
    """Run gunicorn until SIGTERM / Ctrl-C; gunicorn then exits the process itself."""
    out.write(
        f"Fenpei: {address_of(host, port)}  (gunicorn: {workers} processes × {threads} "
        "threads; Ctrl-C to stop)\n"
        "Fenpei: background tasks do not run here: run `fenpei db_worker` beside it.\n"
    )
    out.flush()
    # Connections opened while the command started (checks) must not be inherited by
    # every forked worker: two processes talking over one socket corrupt both.
    connections.close_all()
    GunicornApplication(gunicorn_options(host, port, workers=workers, threads=threads)).run()
