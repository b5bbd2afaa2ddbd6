"""Fairness arithmetic against hand-computed values and the pairwise definition."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fenpei.engine.fairness import available_share, fairness, gini, gini_prorated


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], 0.0),
        ([5], 0.0),
        ([0, 0, 0], 0.0),
        ([3, 3, 3, 3], 0.0),
        # one of two holds everything: Σ|xi-xj| = 2·10, 2·n²·mean = 2·4·5 = 40 → 0.5
        ([0, 10], 0.5),
        # 1,2,3,4: Σ over ordered pairs |xi-xj| = 2·(1+2+3+1+2+1) = 20; 2·16·2.5 = 80
        ([4, 1, 3, 2], 0.25),
        # one of four holds everything: (n-1)/n
        ([0, 0, 0, 8], 0.75),
    ],
)
def test_gini_hand_computed(values: list[float], expected: float) -> None:
    assert gini(values) == pytest.approx(expected, abs=1e-12)


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), max_size=30))
def test_gini_equals_the_pairwise_definition(values: list[float]) -> None:
    n, total = len(values), sum(values)
    if n < 2 or total <= 0:
        assert gini(values) == 0.0
        return
    pairwise = sum(abs(a - b) for a, b in itertools.product(values, repeat=2))
    assert gini(values) == pytest.approx(pairwise / (2 * n * total), abs=1e-9)


def test_negative_values_are_refused() -> None:
    with pytest.raises(ValueError):
        gini([1, -1])


def test_prorating_removes_leave_from_the_unfairness() -> None:
    # Rep B was away half the period and holds half the customers: fair once pro-rated.
    assert gini([20, 10]) > 0
    assert gini_prorated([20, 10], [1.0, 0.5]) == 0.0
    # A rep available for none of it drops out instead of counting as empty.
    assert gini_prorated([20, 20, 0], [1.0, 1.0, 0.0]) == 0.0


def test_available_share_counts_days_both_ends_included() -> None:
    nov = (date(2026, 11, 1), date(2026, 11, 30))
    assert available_share(*nov) == 1.0
    assert (
        available_share(*nov, leave_from=date(2026, 11, 16), leave_until=date(2026, 11, 30)) == 0.5
    )
    assert available_share(*nov, joined=date(2026, 11, 21)) == pytest.approx(10 / 30)
    assert available_share(*nov, left=date(2026, 10, 31)) == 0.0
    # open-ended leave from the 26th: 25 of 30 days
    assert available_share(*nov, leave_from=date(2026, 11, 26)) == pytest.approx(25 / 30)


def test_fairness_reports_both_ginis() -> None:
    f = fairness([0, 10], [100, 100], [1.0, 1.0])
    assert (f.reps, f.load_gini, f.value_gini) == (2, 0.5, 0.0)
