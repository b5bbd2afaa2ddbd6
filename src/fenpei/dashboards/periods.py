"""The periods a dashboard looks at: named ranges of local dates, both ends included.

A period never runs past today: figures "at the end of the period" of this month are
figures now, not of a day that has not happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LAST_30 = "last_30"
LAST_90 = "last_90"
THIS_MONTH = "this_month"
LAST_MONTH = "last_month"
THIS_QUARTER = "this_quarter"
THIS_YEAR = "this_year"
CUSTOM = "custom"

PERIODS: dict[str, Promise] = {
    LAST_90: _("Last 90 days"),
    LAST_30: _("Last 30 days"),
    THIS_MONTH: _("This month"),
    LAST_MONTH: _("Last month"),
    THIS_QUARTER: _("This quarter"),
    THIS_YEAR: _("This year"),
    CUSTOM: _("From … to"),
}
DEFAULT_PERIOD = LAST_90
#: the longest custom period: the pool chart has one point a day
MAX_DAYS = 731


@dataclass(frozen=True, slots=True)
class Period:
    key: str
    start: date
    end: date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def period_of(key: str, today: date, start: date | None = None, end: date | None = None) -> Period:
    """The period named `key` as of `today`; CUSTOM uses `start`…`end` (swapped if given
    backwards, clipped to today and to MAX_DAYS). An unknown key is the default."""
    if key == LAST_30:
        return Period(key, today - timedelta(days=29), today)
    if key == THIS_MONTH:
        return Period(key, today.replace(day=1), today)
    if key == LAST_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return Period(key, last.replace(day=1), last)
    if key == THIS_QUARTER:
        return Period(key, _quarter_start(today), today)
    if key == THIS_YEAR:
        return Period(key, date(today.year, 1, 1), today)
    if key == CUSTOM and start is not None and end is not None:
        first, last = min(start, end), min(max(start, end), today)
        first = min(first, last)
        first = max(first, last - timedelta(days=MAX_DAYS - 1))
        return Period(key, first, last)
    return Period(DEFAULT_PERIOD, today - timedelta(days=89), today)
