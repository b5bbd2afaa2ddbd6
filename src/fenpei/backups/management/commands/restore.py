"""`fenpei restore FILE`: replace the whole database with a backup, then migrate it.

Everything in the database now is replaced (all of it or, on any error, none of it), so
the command asks first unless given --noinput. A backup from an older Fenpei is brought
up to this version by the migrations that run afterwards.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from fenpei.backups.snapshots import BackupError, backup_kind, database_restore


class Command(BaseCommand):
    help = "Replace the whole database with the backup in FILE, then apply migrations."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="a file written by `fenpei backup`")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"]).expanduser().resolve()
        try:
            backup_kind(source)  # a wrong file is refused before anyone is asked anything
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if options["interactive"]:
            question = _(
                "This replaces everything in the database with %(path)s. Type 'yes' to go on: "
            ) % {"path": source}
            if input(question).strip().lower() != "yes":
                raise CommandError(_("Restore cancelled: nothing was changed."))
        # Our own connection must not hold the file (SQLite) or a transaction (PostgreSQL)
        # while the backup replaces the database under it.
        connections.close_all()
        try:
            kind = database_restore(settings.DATABASES["default"], source)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(
            _("Restored the %(kind)s database from %(path)s") % {"kind": kind, "path": source}
        )
