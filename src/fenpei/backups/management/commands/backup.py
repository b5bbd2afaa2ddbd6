"""`fenpei backup FILE`: a consistent copy of the whole database, while the app runs.

SQLite: the online backup API. PostgreSQL: pg_dump's custom format. Restore with
`fenpei restore FILE` (see fenpei.backups.snapshots).
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fenpei.backups.snapshots import BackupError, database_backup


class Command(BaseCommand):
    help = "Back up the whole database to FILE (SQLite online backup or pg_dump)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="where to write the backup")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["file"]).expanduser().resolve()
        try:
            kind = database_backup(settings.DATABASES["default"], target)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size = target.stat().st_size
        self.stdout.write(
            _("Backed up the %(kind)s database to %(path)s (%(size)s bytes)")
            % {"kind": kind, "path": target, "size": f"{size:,}"}
        )
