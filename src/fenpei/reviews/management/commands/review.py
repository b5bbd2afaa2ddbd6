"""`fenpei review --period 2026-11 [--team 华东] [--send]`: a review report from the
command line.

Prints the headline figures of the period (a month "2026-11", a quarter "2026-Q4" or a
week "2026-W47") for one team (by name or id) or the whole company. `--send` makes the
team's report as the schedule would (once per team and period) and sends it to the
team's manager and group robots.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fenpei.reviews.periods import Period, period_parse
from fenpei.reviews.selectors import review_build
from fenpei.reviews.services import SYSTEM, report_make
from fenpei.reviews.summary import review_summary, summary_text
from fenpei.teams.models import Team


def _period(text: str) -> Period:
    try:
        return period_parse(text)
    except ValueError:
        raise CommandError(
            _("--period must be like 2026-11, 2026-Q4 or 2026-W47, got %(value)r") % {"value": text}
        ) from None


def _team(text: str | None) -> int | None:
    if not text:
        return None
    team = Team.objects.filter(name=text).first()
    if team is None and text.isdigit():
        team = Team.objects.filter(pk=int(text)).first()
    if team is None:
        raise CommandError(_("No team %(name)r.") % {"name": text})
    return team.pk


class Command(BaseCommand):
    help = "Print (and with --send, send) the review report of a period."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--period", required=True, help="2026-11, 2026-Q4 or 2026-W47")
        parser.add_argument("--team", default=None, help="a team's name or id (default: all)")
        parser.add_argument("--send", action="store_true", help="send it to the team's manager")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        period = _period(options["period"])
        team_id = _team(options["team"])
        if options["send"]:
            if team_id is None:
                raise CommandError(_("--send needs --team: a report goes to one team's manager."))
            report, sent = report_make(team_id, period)
            report.refresh_from_db()
            summary = report.summary
            if not sent:
                self.stderr.write(_("This report was sent already."))
        else:
            summary = review_summary(review_build(SYSTEM, team_id, period.start, period.end))
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"{period.name} ({period.start} – {period.end})")
            self.stdout.write(summary_text(summary) if "changes" in summary else "")
