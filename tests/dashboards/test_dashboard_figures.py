"""Every dashboard figure against the hand-built March of conftest.py, counted by hand.

The book "at the end of March" is the moment 04-01 00:00:
E01 holds c1 c2 c3, E02 holds c4 c5 c9, S01 holds c6 (c7 comes on 04-02).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.dashboards.conftest import FEBRUARY, MARCH, NOW, March, at

from fenpei.allocation.models import Assignment, AssignmentSource
from fenpei.dashboards.selectors import (
    Dashboard,
    PoolPoint,
    dashboard_figures,
    dashboard_scope,
    lorenz_points,
    pool_series,
    quantile,
)
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Level, Rep, RepStatus

pytestmark = pytest.mark.django_db


def _figures(march: March, user: str = "admin", period=MARCH, **filters: int) -> Dashboard:
    viewer = viewer_of(getattr(march.company, user))
    scope = dashboard_scope(viewer, period, **filters)
    return dashboard_figures(scope, period, now=NOW)


def _by_key(rows):
    return {r.rep.key: r for r in rows}


def test_held_figures_describe_the_end_of_the_period(march: March) -> None:
    d = _figures(march)
    assert d.at == at(4, 1, 0)
    load = _by_key(d.load.reps)
    assert {k: (r.load, r.capacity) for k, r in load.items()} == {
        "E01": (3, 20),
        "E02": (3, 20),
        "S01": (1, 20),
    }
    assert load["E01"].share == pytest.approx(3 / 20)
    teams = {t.team: (t.reps, t.load, t.capacity) for t in d.load.teams}
    assert teams == {"华东": (2, 6, 40), "华南": (1, 1, 20)}
    assert (d.load.load, d.load.capacity) == (7, 60)


def test_potential_value_held(march: March) -> None:
    d = _figures(march)
    values = {r.rep.key: (r.customers, r.value) for r in d.value.rows}
    assert values == {
        "E01": (3, Decimal(800000)),  # c1 500k + c2 200k + c3 100k
        "E02": (3, Decimal(370000)),  # c4 300k + c5 50k + c9 20k
        "S01": (1, Decimal(80000)),
    }
    assert d.value.total == Decimal(1250000)


def test_tier_mix_by_rep_level(march: March) -> None:
    d = _figures(march)
    rows = {r.level: (r.reps, r.a, r.b, r.c) for r in d.tiers.rows}
    assert rows == {
        Level.JUNIOR: (1, 1, 0, 2),  # E02: c4 A, c5 C, c9 C
        Level.MID: (1, 0, 1, 0),  # S01: c6 B
        Level.SENIOR: (1, 1, 1, 1),  # E01: c1 A, c2 B, c3 C
    }
    assert (d.tiers.tier_a, d.tiers.tier_a_senior) == (2, 1)
    assert d.tiers.senior_share_of_a == pytest.approx(0.5)


def test_fairness_is_prorated_for_leave(march: March) -> None:
    d = _figures(march)
    rows = _by_key(d.fairness.rows)
    # E02 is away 03-17…03-31: 16 of March's 31 days at work.
    assert rows["E02"].available == pytest.approx(16 / 31)
    assert rows["E01"].available == rows["S01"].available == 1.0
    assert rows["E02"].load_prorated == pytest.approx(3 * 31 / 16)  # 5.8125
    # Loads pro-rated 3, 5.8125, 1: Σ|xi − xj| over ordered pairs = 2 × (2.8125 + 2 +
    # 4.8125) = 19.25; Gini = 19.25 / (2 n² mean) = 19.25 / (2 × 9 × 9.8125/3).
    assert d.fairness.figures.load_gini == pytest.approx(19.25 / (18 * 9.8125 / 3))
    # Values pro-rated 800,000, 716,875, 80,000: pairs 83,125 + 720,000 + 636,875.
    assert d.fairness.figures.value_gini == pytest.approx(2 * 1_440_000 / (18 * 1_596_875 / 3))
    assert d.fairness.figures.reps == 3


def test_fairness_without_prorating_would_differ(march: March) -> None:
    """The leave matters: unprorated loads 3, 3, 1 give another Gini (2×4 / (18×7/3))."""
    d = _figures(march)
    assert d.fairness.figures.load_gini != pytest.approx(8 / (18 * 7 / 3))


def test_a_rep_joined_by_their_first_customer(march: March) -> None:
    """Records created on 03-20 (an import) of reps who held customers before: E02 first
    held c8 on 03-05, so worked 03-05…03-16 of March (12 days); a rep with no history
    joined when created."""
    Rep.objects.update(created_at=at(3, 20))
    Assignment.objects.filter(rep=march.company.other_rep).delete()
    rows = _by_key(_figures(march).fairness.rows)
    assert rows["E01"].available == 1.0  # held c1 since 02-01
    assert rows["E02"].available == pytest.approx(12 / 31)
    assert rows["S01"].available == pytest.approx(12 / 31)  # 03-20…03-31


def test_a_rep_who_left_before_the_period_is_not_counted(march: March) -> None:
    Rep.objects.filter(pk=march.company.other_rep.pk).update(
        status=RepStatus.DEPARTED, updated_at=at(2, 20)
    )
    d = _figures(march)
    assert [r.rep.key for r in d.load.reps] == ["E01", "E02"]
    assert d.fairness.figures.reps == 2


def test_a_rep_who_left_during_the_period_is_prorated(march: March) -> None:
    Rep.objects.filter(pk=march.company.other_rep.pk).update(
        status=RepStatus.DEPARTED, updated_at=at(3, 10)
    )
    d = _figures(march)
    rows = _by_key(d.fairness.rows)
    assert rows["S01"].available == pytest.approx(10 / 31)
    # a departed rep's capacity is not the team's any more
    assert {t.team: t.capacity for t in d.load.teams}["华南"] == 0


def test_speed_to_first_followup(march: March) -> None:
    d = _figures(march)
    rows = _by_key(d.speed.rows)
    # E02 got c8 (26 h), c5 (54 h), c4 (24 h) and c9 (not yet) in March.
    e02 = rows["E02"]
    assert (e02.started, e02.followed, e02.waiting) == (4, 3, 1)
    assert e02.median_hours == pytest.approx(26)
    # 90th percentile of 24, 26, 54: rank 0.9 × 2 = 1.8 → 26 + 0.8 × (54 − 26)
    assert e02.p90_hours == pytest.approx(48.4)
    # E01 got c10 on 03-15 and lost it on 03-16; the follow-up of 03-17 is too late.
    e01 = rows["E01"]
    assert (e01.started, e01.followed, e01.median_hours, e01.p90_hours) == (1, 0, None, None)
    assert (rows["S01"].started, rows["S01"].followed) == (0, 0)
    assert (d.speed.started, d.speed.followed) == (5, 3)
    assert d.speed.median_hours == pytest.approx(26)


def test_followup_coverage_of_the_last_30_days(march: March) -> None:
    d = _figures(march)
    rows = _by_key(d.coverage.rows)
    # E01: c1 (03-25) yes, c2 (02-20) no, c3 never; E02: c4, c5 yes, c9 no; S01: c6 no.
    assert {k: (r.held, r.covered) for k, r in rows.items()} == {
        "E01": (3, 1),
        "E02": (3, 2),
        "S01": (1, 0),
    }
    assert d.coverage.share == pytest.approx(3 / 7)
    assert d.coverage.days == 30


def test_stale_customers_use_the_reclaim_days(march: March) -> None:
    d = _figures(march)
    assert d.stale.days == 30  # the default policy's no-follow-up reclaim
    # Held since before 03-02 with no follow-up since: c2, c3 (E01) and c6 (S01).
    # c4, c5, c9 came to E02 in March: not stale, however quiet.
    assert {r.rep.key: r.stale for r in d.stale.rows} == {"E01": 2, "E02": 0, "S01": 1}
    assert d.stale.stale == 3


def test_conversion_by_rep_industry_and_region(march: March) -> None:
    d = _figures(march)
    by_rep = {r.label: (r.won, r.lost, r.won_amount) for r in d.conversion.by_rep}
    assert by_rep == {
        "张伟": (1, 1, Decimal(100000)),
        "李娜": (1, 0, Decimal(200000)),
        "王芳": (0, 1, Decimal(0)),
    }
    rates = {r.label: r.rate for r in d.conversion.by_rep}
    assert rates == {"张伟": 0.5, "李娜": 1.0, "王芳": 0.0}
    by_industry = {r.label: (r.won, r.lost, r.won_amount) for r in d.conversion.by_industry}
    assert by_industry == {
        "制造业": (2, 0, Decimal(300000)),
        "零售": (0, 1, Decimal(0)),
        "电子": (0, 1, Decimal(0)),
    }
    by_region = {r.label: (r.won, r.lost) for r in d.conversion.by_region}
    assert by_region == {"上海": (2, 0), "江苏": (0, 1), "广东": (0, 1)}
    total = d.conversion.total
    assert (total.won, total.lost, total.won_amount, total.rate) == (2, 2, Decimal(300000), 0.5)


def test_pool_size_each_day(march: March) -> None:
    d = _figures(march)
    sizes = {p.day.day: p.size for p in d.pool.points}
    assert len(sizes) == 31
    expected = {}
    for day in range(1, 32):
        if day <= 4:
            expected[day] = 4  # c5 c8 c9 c10
        elif day <= 9:
            expected[day] = 3  # c8 went to E02 on 03-05
        elif day <= 14:
            expected[day] = 3  # c5 to E02, c11 arrived (03-10)
        elif day == 15:
            expected[day] = 2  # c10 to E01
        elif day <= 24:
            expected[day] = 3  # c10 back on 03-16
        elif day <= 27:
            expected[day] = 4  # c8 back on 03-25
        else:
            expected[day] = 3  # c9 to E02 on 03-28
    assert sizes == expected


def test_pool_size_with_a_team_filter(march: March) -> None:
    """华东's pool leaves out c11, which has no team (the unrouted pool)."""
    d = _figures(march, team_id=march.company.east.pk)
    sizes = {p.day.day: p.size for p in d.pool.points}
    assert (sizes[9], sizes[10], sizes[15], sizes[31]) == (3, 2, 1, 2)


def test_pool_counts_a_record_from_its_first_owner(march: March) -> None:
    """A record created after its owner history began (a workbook imported with its past)
    existed before: it must not make the pool smaller than it was."""
    c = march.c[9]
    Assignment.objects.create(
        customer=c,
        rep=march.company.rep2,
        source=AssignmentSource.IMPORT,
        started_at=at(1, 10),
        ended_at=at(2, 1),
    )
    type(c).objects.filter(pk=c.pk).update(created_at=at(3, 29))
    scope = dashboard_scope(viewer_of(march.company.admin), MARCH)
    points = pool_series(scope, MARCH, NOW).points
    sizes = {p.day.day: p.size for p in points}
    assert (sizes[1], sizes[27], sizes[28], sizes[31]) == (4, 4, 3, 3)


def test_pool_series_of_a_period_before_today(march: March) -> None:
    scope = dashboard_scope(viewer_of(march.company.admin), FEBRUARY)
    points = pool_series(scope, FEBRUARY, NOW).points
    # In February: c5 c8 c9 c10 in the pool all month (c11 not yet there), and c6
    # until S01 got it on 02-15.
    assert points[0] == PoolPoint(dt.date(2026, 2, 1), 5)
    assert [p.size for p in points] == [5] * 14 + [4] * 14


def test_the_period_changes_the_figures(march: March) -> None:
    d = _figures(march, period=FEBRUARY)
    assert d.at == at(3, 1, 0)
    # At the end of February E01 still had c4 and E02 nothing.
    assert {r.rep.key: r.load for r in d.load.reps} == {"E01": 4, "E02": 0, "S01": 1}
    assert [(r.label, r.won, r.won_amount) for r in d.conversion.by_rep if r.won] == [
        ("张伟", 1, Decimal(30000))
    ]
    # February's new books: c1–c4 to E01 on 02-01, c6 to S01 on 02-15; E01 called c2
    # after 19 days (456 h) and c1 after 52 days (1,248 h).
    assert (d.speed.started, d.speed.followed) == (5, 2)
    assert d.speed.median_hours == pytest.approx((456 + 1248) / 2)


def test_the_team_filter(march: March) -> None:
    d = _figures(march, team_id=march.company.south.pk)
    assert [r.rep.key for r in d.load.reps] == ["S01"]
    assert [r.label for r in d.conversion.by_rep] == ["王芳"]
    assert [r.label for r in d.conversion.by_industry] == ["电子"]


def test_the_rep_filter(march: March) -> None:
    d = _figures(march, rep_id=march.company.rep2.pk)
    assert [r.rep.key for r in d.load.reps] == ["E02"]
    assert d.speed.started == 4
    assert d.conversion.total.won_amount == Decimal(200000)
    assert d.fairness.figures.reps == 1
    assert d.fairness.figures.load_gini == 0.0


def test_a_manager_sees_only_their_teams(march: March) -> None:
    d = _figures(march, user="manager")
    assert [r.rep.key for r in d.load.reps] == ["E01", "E02"]
    # another team's id narrows to nothing rather than showing that team
    other = _figures(march, user="manager", team_id=march.company.south.pk)
    assert other.load.reps == ()
    assert other.pool.points[0].size == 0
    # the manager's pool: 华东's and the unrouted one (c11 from 03-10)
    assert {p.day.day: p.size for p in d.pool.points}[10] == 3


def test_a_rep_sees_only_themselves(march: March) -> None:
    d = _figures(march, user="rep_user")
    assert [r.rep.key for r in d.load.reps] == ["E01"]
    assert [r.label for r in d.conversion.by_rep] == ["张伟"]
    # asking for a colleague gives nothing
    assert _figures(march, user="rep_user", rep_id=march.company.rep2.pk).load.reps == ()


def test_an_outsider_gets_no_figures(march: March) -> None:
    d = _figures(march, user="outsider")
    assert d.load.reps == ()
    assert {p.size for p in d.pool.points} == {0}


def test_quantile_interpolates_between_ranks() -> None:
    assert quantile([], 0.5) is None
    assert quantile([5.0], 0.9) == 5.0
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == pytest.approx(2.5)
    assert quantile([0.0, 10.0], 0.9) == pytest.approx(9.0)


def test_lorenz_points() -> None:
    assert lorenz_points([3.0, 1.0]) == [(0.0, 0.0), (0.5, 0.25), (1.0, 1.0)]
    assert lorenz_points([0.0, 0.0]) == [(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)]


def test_one_query_per_metric(march: March, django_assert_max_num_queries) -> None:
    viewer = viewer_of(march.company.admin)
    with django_assert_max_num_queries(10):
        dashboard_figures(dashboard_scope(viewer, MARCH), MARCH, now=NOW)
