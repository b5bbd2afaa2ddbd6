"""`fenpei export_data OUT`: every table of the team's data as xlsx (one sheet each), a
.zip of CSV files, or a folder of CSV files (see fenpei.backups.export)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fenpei.backups.export import data_export


class Command(BaseCommand):
    help = "Export all data: OUT.xlsx (a sheet per table), OUT.zip or a folder (CSV per table)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("out", help="OUT.xlsx, OUT.zip or a folder")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["out"]).expanduser().resolve()
        if target.suffix.lower() in {".xlsx", ".zip"} and not target.parent.is_dir():
            raise CommandError(_("%(path)s: the folder does not exist") % {"path": target.parent})
        if target.exists() and target.is_dir() and any(target.iterdir()):
            raise CommandError(_("%(path)s is a folder that is not empty") % {"path": target})
        tables = data_export(target)
        rows = sum(t.rows for t in tables)
        self.stdout.write(
            _("Exported %(tables)d tables, %(rows)s rows, to %(path)s")
            % {"tables": len(tables), "rows": f"{rows:,}", "path": target}
        )
