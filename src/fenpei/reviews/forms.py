"""What the review page is asked for: a team (or all), and a period — a month from the
month picker (default: last month), the quarter containing it, or an exact week or
period start from a report's link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from fenpei.reviews.models import Frequency
from fenpei.reviews.periods import (
    KINDS,
    MONTH,
    QUARTER,
    WEEK,
    Period,
    period_before,
    period_containing,
)

KIND_LABELS = ((MONTH, _("Month")), (QUARTER, _("Quarter")), (WEEK, _("Week")))


@dataclass(frozen=True, slots=True)
class ReviewQuery:
    team_id: int | None
    period: Period

    @classmethod
    def of(cls, params: Any, today: date) -> ReviewQuery:
        """From a query string; what does not parse falls back to the default."""
        team = (params.get("team", "") or "").strip()
        kind = params.get("period", "") or MONTH
        kind = kind if kind in KINDS else MONTH
        return cls(int(team) if team.isdigit() else None, _period(kind, params, today))

    def query(self, **extra: str) -> str:
        out = {"period": self.period.kind, "start": self.period.start.isoformat(), **extra}
        if self.team_id is not None:
            out["team"] = str(self.team_id)
        return urlencode(out)

    @property
    def month(self) -> str:
        return f"{self.period.start:%Y-%m}"


def _period(kind: str, params: Any, today: date) -> Period:
    start = params.get("start", "") or ""
    month = params.get("month", "") or ""
    try:
        if start:
            return period_containing(kind, date.fromisoformat(start))
        if month:
            return period_containing(kind, date.fromisoformat(f"{month}-01"))
    except ValueError:
        pass
    return period_before(kind, today)


class ScheduleForm(forms.Form):
    team = forms.IntegerField(required=False)
    frequency = forms.ChoiceField(label=_("Send the report"), choices=Frequency.choices)
