"""`fenpei reclaim [--dry-run] [--as-of YYYY-MM-DD]`: send idle customers back to the pool.

The same sweep the daily background task runs (fenpei.pool.tasks): every owned customer a
reclaim rule of the active policy has caught goes back, each with its reason; won and
locked customers are exempt. `--dry-run` lists what would move and changes nothing.
Cron may call it instead of the scheduler (see docs/deploy.md).
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fenpei.notifications.dispatch import reclaim_warnings_notify
from fenpei.pool.models import ReclaimRule
from fenpei.pool.selectors import ReclaimDue
from fenpei.pool.services import customers_reclaim


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("--as-of must be a date like 2026-03-16, got %(value)r") % {"value": text}
        ) from None


def _line(due: ReclaimDue) -> str:
    c = due.customer
    owner = c.owner.name if c.owner is not None else "—"
    if due.rule == ReclaimRule.NO_FOLLOWUP:
        why = _("no follow-up for %(days)d days") % {"days": due.limit}
    else:
        why = _("no deal for %(days)d days") % {"days": due.limit}
    since = _("since %(day)s") % {"day": due.since.isoformat()}
    return f"{c.key}\t{c.name}\t{owner}\t{why} ({since})"


class Command(BaseCommand):
    help = "Send customers idle past the policy's reclaim rules back to the pool."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only list what would move")
        parser.add_argument(
            "--as-of", type=str, default=None, help="the day to count from (default: today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = _day(options["as_of"]) if options["as_of"] else None
        dry_run = bool(options["dry_run"])
        result = customers_reclaim(today, dry_run=dry_run)
        if not dry_run:
            # The same warnings the scheduled sweep sends (cron runs this command instead);
            # at most one a rep a day, whichever ran first.
            reclaim_warnings_notify(today or timezone.localdate())
        for due in result.reclaimed:
            self.stdout.write(_line(due))
        n = len(result.reclaimed)
        if dry_run:
            summary = ngettext(
                "%(n)d customer would return to the pool (dry run: nothing changed).",
                "%(n)d customers would return to the pool (dry run: nothing changed).",
                n,
            )
        else:
            summary = ngettext(
                "%(n)d customer returned to the pool.", "%(n)d customers returned to the pool.", n
            )
        self.stdout.write(summary % {"n": n})
