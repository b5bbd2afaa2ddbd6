"""Review periods (审核周期): a week, a month or a quarter, both ends included.

A report is named by its period ("2026-11", "2026-Q4", "2026-W47"), which is also how
the command line and the page's links say which one they mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEK = "week"
MONTH = "month"
QUARTER = "quarter"
KINDS: tuple[str, ...] = (WEEK, MONTH, QUARTER)

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_WEEK = re.compile(r"^(\d{4})-[Ww](\d{1,2})$")


@dataclass(frozen=True, slots=True)
class Period:
    kind: str
    start: date
    end: date  # the last day, included

    @property
    def name(self) -> str:
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == WEEK:
            year, week, _day = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start:%Y-%m}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def period_containing(kind: str, day: date) -> Period:
    """The week (Monday to Sunday), month or quarter that contains `day`."""
    if kind == WEEK:
        start = day - timedelta(days=day.weekday())
        return Period(WEEK, start, start + timedelta(days=6))
    if kind == QUARTER:
        first = (day.month - 1) // 3 * 3 + 1
        return Period(QUARTER, date(day.year, first, 1), _month_end(day.year, first + 2))
    return Period(MONTH, day.replace(day=1), _month_end(day.year, day.month))


def period_before(kind: str, today: date) -> Period:
    """The last whole period before the one `today` is in (what a schedule reports on)."""
    return period_containing(kind, period_containing(kind, today).start - timedelta(days=1))


def period_parse(text: str) -> Period:
    """ "2026-11" (a month), "2026-Q4" (a quarter) or "2026-W47" (an ISO week);
    ValueError for anything else."""
    text = text.strip()
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(text)
        return period_containing(MONTH, date(year, month, 1))
    if m := _QUARTER.match(text):
        return period_containing(QUARTER, date(int(m[1]), (int(m[2]) - 1) * 3 + 1, 1))
    if m := _WEEK.match(text):
        return period_containing(WEEK, date.fromisocalendar(int(m[1]), int(m[2]), 1))
    raise ValueError(text)
