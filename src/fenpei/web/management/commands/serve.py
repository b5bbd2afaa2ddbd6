"""`fenpei serve`: the app for real use.

    fenpei serve                        one process: pages, static files, background tasks
    fenpei serve --workers 4            production: gunicorn, 4 processes × 4 threads
    fenpei serve --production           production with (2 × cores + 1) processes

The embedded mode is fenpei.web.server's threaded server with an in-process task worker:
one command, nothing else to run. Production mode runs gunicorn from this same command
(so the same settings, environment and `fenpei` entry point) and no task worker: a
deployment runs `fenpei db_worker` processes beside it, supervised on their own.
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fenpei.web.server import serve, serve_production

SQLITE = "django.db.backends.sqlite3"


def port_number(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError(text)
    return port


def positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise ValueError(text)
    return number


def add_server_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s; 0.0.0.0 for every interface)",
    )
    parser.add_argument(
        "--port", type=port_number, default=8000, help="port (default: %(default)s)"
    )


def default_workers() -> int:
    # gunicorn's rule of thumb: a request waits on the database about as long as it
    # computes, so two processes per core keep the cores busy, plus one.
    return 2 * (os.cpu_count() or 1) + 1


@dataclass(frozen=True)
class Mode:
    """How to serve: `workers` None is the embedded single process."""

    workers: int | None
    threads: int


def mode_choose(*, workers: int | None, production: bool, threads: int) -> Mode:
    if production or (workers is not None and workers > 1):
        return Mode(workers or default_workers(), threads)
    return Mode(None, threads)


def production_refusal(environ: Mapping[str, str]) -> str | None:
    """Why production mode must not start here, or None."""
    if not environ.get("FENPEI_SECRET_KEY", "").strip():
        return (
            "production mode (--production or --workers > 1) needs FENPEI_SECRET_KEY in the "
            "environment: every web and worker process of a deployment must sign logins with "
            "the same key. Generate one with "
            '`python -c "import secrets; print(secrets.token_urlsafe(50))"`; see docs/deploy.md.'
        )
    return None


class Command(BaseCommand):
    help = (
        "Serve Fenpei. Default: web pages, static files and a background task worker in one "
        "process. --workers N (N > 1) or --production: gunicorn with N processes and no task "
        "worker (run `fenpei db_worker` beside it)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_server_arguments(parser)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not run background tasks here (when `fenpei db_worker` processes do)",
        )
        parser.add_argument(
            "--workers",
            type=positive,
            default=None,
            help="web processes; more than 1 selects production mode (gunicorn)",
        )
        parser.add_argument(
            "--threads",
            type=positive,
            default=4,
            help="threads per process in production mode (default: %(default)s)",
        )
        parser.add_argument(
            "--production",
            action="store_true",
            help=(
                "gunicorn behind a reverse proxy, no in-process task worker; "
                "--workers defaults to 2 × cores + 1"
            ),
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        no_worker: bool,
        workers: int | None,
        threads: int,
        production: bool,
        **options: Any,
    ) -> None:
        mode = mode_choose(workers=workers, production=production, threads=threads)
        if settings.HTTPS:
            self.stderr.write(
                "Fenpei: note: HTTPS only (debug is off): plain-HTTP requests are redirected to "
                "https:// and login cookies travel over HTTPS only. Behind a proxy that "
                "terminates TLS set FENPEI_PROXY_SSL_HEADER; to serve plain HTTP on a trusted "
                "network set FENPEI_HTTPS=0 (docs/deploy.md)."
            )
        if mode.workers is None:
            self._serve_embedded(host, port, worker=not no_worker)
        else:
            self._serve_production(host, port, mode.workers, mode.threads)

    def _serve_embedded(self, host: str, port: int, *, worker: bool) -> None:
        try:
            serve(host, port, worker=worker, out=self.stdout)
        except OSError as exc:  # port taken, address not on this machine …
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

    def _serve_production(self, host: str, port: int, workers: int, threads: int) -> None:
        refusal = production_refusal(os.environ)
        if refusal is not None:
            raise CommandError(refusal)
        if settings.DATABASES["default"]["ENGINE"] == SQLITE:
            self.stderr.write(
                "Fenpei: note: SQLite lets one process write at a time, so web processes wait "
                "on each other's writes; PostgreSQL (DATABASE_URL) is the database for "
                "several processes."
            )
        if settings.DEBUG:
            self.stderr.write(
                "Fenpei: warning: FENPEI_DEBUG is on: error pages show code and settings "
                "to every user."
            )
        serve_production(host, port, workers=workers, threads=threads, out=self.stdout)
