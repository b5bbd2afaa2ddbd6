"""`fenpei serve`: the app for real use, pages, static files and background tasks in one
process (see fenpei.web.server for why this server)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fenpei.web.server import serve


def port_number(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError(text)
    return port


def add_server_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s; 0.0.0.0 for every interface)",
    )
    parser.add_argument(
        "--port", type=port_number, default=8000, help="port (default: %(default)s)"
    )


class Command(BaseCommand):
    help = "Serve Fenpei: web pages, static files and a background task worker in one process."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_server_arguments(parser)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not run background tasks here (when `fenpei db_worker` processes do)",
        )

    def handle(self, *args: Any, host: str, port: int, no_worker: bool, **options: Any) -> None:
        try:
            serve(host, port, worker=not no_worker, out=self.stdout)
        except OSError as exc:  # port taken, address not on this machine …
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
