"""The dashboards' named periods, as of a fixed day."""

from __future__ import annotations

from datetime import date

import pytest

from fenpei.dashboards.periods import (
    CUSTOM,
    LAST_30,
    LAST_90,
    LAST_MONTH,
    MAX_DAYS,
    THIS_MONTH,
    THIS_QUARTER,
    THIS_YEAR,
    period_of,
)

TODAY = date(2026, 3, 15)


@pytest.mark.parametrize(
    ("key", "start", "end", "days"),
    [
        (LAST_30, date(2026, 2, 14), TODAY, 30),
        (LAST_90, date(2025, 12, 16), TODAY, 90),
        (THIS_MONTH, date(2026, 3, 1), TODAY, 15),
        (LAST_MONTH, date(2026, 2, 1), date(2026, 2, 28), 28),
        (THIS_QUARTER, date(2026, 1, 1), TODAY, 74),
        (THIS_YEAR, date(2026, 1, 1), TODAY, 74),
    ],
)
def test_named_periods(key: str, start: date, end: date, days: int) -> None:
    period = period_of(key, TODAY)
    assert (period.key, period.start, period.end, period.days) == (key, start, end, days)


def test_last_month_in_january_is_last_december() -> None:
    period = period_of(LAST_MONTH, date(2026, 1, 10))
    assert (period.start, period.end) == (date(2025, 12, 1), date(2025, 12, 31))


def test_custom_period_is_ordered_and_clipped_to_today() -> None:
    period = period_of(CUSTOM, TODAY, date(2026, 4, 30), date(2026, 3, 1))
    assert (period.key, period.start, period.end) == (CUSTOM, date(2026, 3, 1), TODAY)


def test_custom_period_is_at_most_max_days() -> None:
    period = period_of(CUSTOM, TODAY, date(2020, 1, 1), date(2026, 3, 1))
    assert period.end == date(2026, 3, 1)
    assert period.days == MAX_DAYS


def test_custom_without_dates_and_unknown_keys_are_the_default() -> None:
    assert period_of(CUSTOM, TODAY).key == LAST_90
    assert period_of("forever", TODAY).key == LAST_90
