"""Fairness figures of a book: the Gini coefficient of load or value, pro-rated for the
days each rep was available.

Pure functions over plain numbers, shared by the dashboards, the review report and the
what-if comparison, so that "fairness" means one thing everywhere.

Why Gini: it is the figure sales managers already meet in pay and territory reviews, it
reads the same for 5 reps and for 500 (0 = everyone holds the same, towards 1 = one rep
holds everything), and unlike max/min it is not thrown by one empty book.

Why pro-rated: a rep who was on leave for half the month *should* hold less. Without
pro-rating, leave shows up as unfairness; with it, each rep's figure is divided by the
share of the period they were available, and reps available for none of it drop out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of non-negative values: mean absolute difference over all ordered
    pairs divided by twice the mean. 0.0 for no values, one value or all zeros.

    Computed from the sorted values, G = 2·Σ i·x₍ᵢ₎ / (n·Σx) − (n+1)/n with i = 1…n,
    which equals the pairwise definition exactly (tests check both)."""
    xs = sorted(float(v) for v in values)
    if any(x < 0 for x in xs):
        raise ValueError("gini needs non-negative values")
    n = len(xs)
    total = sum(xs)
    if n < 2 or total <= 0:
        return 0.0
    ranked = sum((i + 1) * x for i, x in enumerate(xs))
    return max(0.0, 2.0 * ranked / (n * total) - (n + 1) / n)


def prorated(values: Sequence[float], available: Sequence[float]) -> list[float]:
    """Each value divided by its rep's available share of the period (0–1); reps with no
    available days are left out (there is nothing fair or unfair about them)."""
    if len(values) != len(available):
        raise ValueError("values and available shares differ in length")
    return [v / a for v, a in zip(values, available, strict=True) if a > 0]


def gini_prorated(values: Sequence[float], available: Sequence[float]) -> float:
    """Gini of the values pro-rated for the share of the period each rep was available."""
    return gini(prorated(values, available))


def available_share(
    start: date,
    end: date,
    *,
    joined: date | None = None,
    left: date | None = None,
    leave_from: date | None = None,
    leave_until: date | None = None,
) -> float:
    """Share (0–1) of the days `start`…`end` (both included) a rep could work: after
    joining, before leaving, outside the leave (`leave_until` None = open-ended)."""
    days = (end - start).days + 1
    if days <= 0:
        return 0.0
    first = max(start, joined) if joined else start
    last = min(end, left) if left else end
    if last < first:
        return 0.0
    worked = (last - first).days + 1
    if leave_from is not None:
        off_first = max(first, leave_from)
        off_last = min(last, leave_until) if leave_until else last
        if off_last >= off_first:
            worked -= (off_last - off_first).days + 1
    return max(worked, 0) / days


@dataclass(frozen=True, slots=True)
class Fairness:
    """Fairness of one book at one moment (what dashboards, reviews and what-if print)."""

    reps: int  # reps counted (available for some of the period)
    load_gini: float
    value_gini: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "reps": self.reps,
            "load_gini": round(self.load_gini, 4),
            "value_gini": round(self.value_gini, 4),
        }


def fairness(
    loads: Sequence[float], values: Sequence[float], available: Sequence[float]
) -> Fairness:
    """Gini of load and of potential value held, both pro-rated for availability."""
    return Fairness(
        reps=sum(1 for a in available if a > 0),
        load_gini=gini_prorated(loads, available),
        value_gini=gini_prorated(values, available),
    )


def period_days(start: date, end: date) -> list[date]:
    """The days of a period, both ends included (for day-by-day series)."""
    return [start + timedelta(days=k) for k in range((end - start).days + 1)]


def utilisation_spread(values: Sequence[float]) -> dict[str, float]:
    """Min, max, mean and (population) standard deviation of the reps' utilisation
    (load ÷ capacity), rounded for display: what a run, a handover and a rebalance show
    as load before → after. All zeros for no reps."""
    xs = [float(v) for v in values]
    if not xs:
        return {"min": 0.0, "max": 0.0, "mean": 0.0, "std": 0.0}
    mean = sum(xs) / len(xs)
    std = (sum((x - mean) ** 2 for x in xs) / len(xs)) ** 0.5
    return {
        "min": round(min(xs), 4),
        "max": round(max(xs), 4),
        "mean": round(mean, 4),
        "std": round(std, 4),
    }
