"""`fenpei demo`: a demo company in fenpei.sqlite3 of this folder, then serve it.

Running it again on the same folder loads nothing more and just serves; `--reset` starts
over from an empty file.
"""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from fenpei.teams.models import Rep, Team
from fenpei.web.demo import DEMO_PASSWORD, REP_LOGIN_KEY, DemoLoaded, demo_load, demo_overview
from fenpei.web.management.commands.serve import add_server_arguments
from fenpei.web.server import address_of, serve

SQLITE = "django.db.backends.sqlite3"


def default_sqlite_file(db: Mapping[str, Any], work_dir: Path) -> Path | None:
    """The demo's own database file, or None when the database is another one (set by
    DATABASE_URL): that one may hold real data and is never deleted from here."""
    default = work_dir / "fenpei.sqlite3"
    if db.get("ENGINE") != SQLITE or Path(str(db.get("NAME", ""))) != default:
        return None
    return default


def sqlite_files_delete(path: Path) -> None:
    """The database file and the WAL / journal files SQLite keeps beside it."""
    connections.close_all()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def database_reset() -> Path:
    path = default_sqlite_file(settings.DATABASES["default"], Path(settings.WORK_DIR))
    if path is None:
        raise CommandError(
            "--reset only deletes the demo's own SQLite file (fenpei.sqlite3 in this folder), "
            "and this database is set by DATABASE_URL. Empty that database yourself, or unset "
            "DATABASE_URL to use the SQLite file."
        )
    sqlite_files_delete(path)
    return path


class Command(BaseCommand):
    help = (
        "Load a demo company (5 teams, 40 reps, 2,000 customers) into fenpei.sqlite3 in this "
        "folder, allocate it, and serve it. Run again: nothing is loaded twice."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_server_arguments(parser)
        parser.add_argument("--no-serve", action="store_true", help="load, print and stop")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete fenpei.sqlite3 first and load the demo afresh",
        )

    def handle(
        self, *args: Any, host: str, port: int, no_serve: bool, reset: bool, **options: Any
    ) -> None:
        if reset:
            self.stdout.write(_("Deleted %(path)s") % {"path": database_reset()})
        call_command("migrate", interactive=False, verbosity=0)
        loaded = demo_load()
        self._report(loaded, address_of(host, port))
        if not no_serve:
            try:
                serve(host, port, worker=True, out=self.stdout)
            except OSError as exc:
                raise CommandError(
                    f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                ) from None

    def _report(self, loaded: DemoLoaded | None, address: str) -> None:
        w = self.stdout.write
        db = settings.DATABASES["default"]["NAME"]
        if loaded is None:
            w(_("The database already has data (%(db)s): nothing loaded.") % {"db": db})
        else:
            w(
                _(
                    "Demo company loaded into %(db)s: %(customers)d customers, %(owned)d with an "
                    "owner from the import, %(assigned)d allocated by run #%(run)d."
                )
                % {
                    "db": db,
                    "customers": loaded.customers,
                    "owned": loaded.owned_before,
                    "assigned": loaded.assigned,
                    "run": loaded.run_id,
                }
            )
            w(
                _("%(followups)d follow-ups and %(deals)d deals over the last three months.")
                % {"followups": loaded.followups, "deals": loaded.deals}
            )
        w("")
        rep = Rep.objects.filter(key=REP_LOGIN_KEY, user__username="rep").first()
        if rep is None:
            # Someone's own data, not the demo's: there are no demo logins to show.
            w(_("Open %(address)s") % {"address": address})
            return
        w(_("Open %(address)s and log in as:") % {"address": address})
        w("  admin      " + _("administrator: sees and changes everything"))
        w("  manager    " + _("manager of team %(team)s") % {"team": "华东"})
        w("  rep        " + _("rep %(name)s of team %(team)s") % {"name": rep.name, "team": "华东"})
        w(_("Password for every demo login: %(password)s") % {"password": DEMO_PASSWORD})
        others = Team.objects.exclude(name="华东").select_related("manager").order_by("pk")
        managers = ", ".join(f"{t.manager.username} ({t.name})" for t in others if t.manager)
        if managers:
            w(_("Other managers: %(managers)s") % {"managers": managers})
        w("")
        lines, pool = demo_overview()
        for t in lines:
            w(
                "  "
                + _(
                    "%(team)s: manager %(manager)s, %(reps)d reps, %(owned)d customers owned, "
                    "%(pool)d waiting in the team's pool"
                )
                % {
                    "team": t.name,
                    "manager": t.manager or "-",
                    "reps": t.reps,
                    "owned": t.owned,
                    "pool": t.pool,
                }
            )
        w(_("Customers without an owner (pool): %(pool)d") % {"pool": pool})
        w("")
