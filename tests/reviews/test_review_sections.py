"""Each section of a review against the hand-built October of review_setup, figures
worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests.conftest import Company
from tests.reviews.review_setup import NOW, OCT_END, OCT_START, at, october

from fenpei.audit.models import AuditEvent, AuditKind, AuditSource
from fenpei.reviews.attainment import BEHIND, MET, MISSED
from fenpei.reviews.changes import CAP
from fenpei.reviews.selectors import Review, review_build
from fenpei.reviews.suggestions import BALANCED, GOAL, REBALANCE, UNDER
from fenpei.teams.access import viewer_of
from fenpei.teams.models import RepStatus

pytestmark = pytest.mark.django_db


def _east(company: Company, **kw: object) -> Review:
    return review_build(
        viewer_of(company.manager), company.east.pk, OCT_START, OCT_END, now=NOW, **kw
    )


def test_what_changed_counts_each_kind_once_and_only_the_team(company: Company) -> None:
    october(company)
    c = _east(company, suggest=False).changes
    # arrivals 丙 (10-03) and 丁 (10-20); 己 is 华南's, 辛 came in November
    assert c.arrivals == 2
    assert {a.customer_name for a in c.arrival_rows} == {"丙公司", "丁公司"}
    # the claim and reclaim are on the audit trail too, but counted once, from the pool log
    assert (c.assigned, c.moves, c.handovers, c.released) == (1, 1, 1, 0)
    assert (c.claims, c.returns, c.reclaims) == (1, 0, 1)
    assert c.changes_total == 5
    rows = [(r.what, r.customer_name, r.from_name, r.to_name) for r in c.change_rows]
    assert rows == [  # newest first
        ("handover", "庚公司", "张伟", "李娜"),
        ("claim", "丁公司", "", "张伟"),
        ("reclaim", "戊公司", "李娜", ""),
        ("move", "乙公司", "张伟", "李娜"),
        ("assigned", "丙公司", "", "李娜"),
    ]
    assert "35" in c.change_rows[2].note  # the reclaim's idle days


def test_appeals_by_outcome(company: Company) -> None:
    october(company)
    c = _east(company, suggest=False).changes
    # opened in October: 甲 (approved 10-12) and 乙 (still open); 庚 was opened in
    # September and rejected on 10-02: decided in the period, not opened in it
    assert c.appeals_opened == 2
    assert c.appeals_by_status == {"open": 1, "approved": 1, "rejected": 0, "withdrawn": 0}
    assert c.appeals_decided == 2
    assert [a.customer_name for a in c.appeal_rows] == ["乙公司", "甲公司"]


def test_another_teams_review_sees_only_its_own(company: Company) -> None:
    october(company)
    south = review_build(
        viewer_of(company.other_manager),
        company.south.pk,
        OCT_START,
        OCT_END,
        now=NOW,
        suggest=False,
    )
    c = south.changes
    assert (c.arrivals, c.assigned, c.claims, c.moves, c.appeals_opened) == (1, 1, 1, 0, 1)
    assert [r.name for r in south.results.reps] == ["王芳"]


def test_fairness_at_start_and_end(company: Company) -> None:
    october(company)
    b = _east(company, suggest=False).balance
    lines = {r.key: r for r in b.reps}
    # start: 张伟 甲 乙 庚 (3, 410k), 李娜 戊 (1, 80k); end: 张伟 甲 丁 (2, 300k),
    # 李娜 乙 丙 庚 (3, 360k)
    assert (lines["E01"].load_start, lines["E01"].value_start) == (3, 410_000)
    assert (lines["E02"].load_start, lines["E02"].value_start) == (1, 80_000)
    assert (lines["E01"].load_end, lines["E01"].value_end) == (2, 300_000)
    assert (lines["E02"].load_end, lines["E02"].value_end) == (3, 360_000)
    # two reps: Gini = |a − b| / (2 (a + b))
    assert b.start.load_gini == pytest.approx(2 / 8)
    assert b.start.value_gini == pytest.approx(330 / 980)
    assert b.end.load_gini == pytest.approx(1 / 10)
    assert b.end.value_gini == pytest.approx(60 / 1320)
    assert b.end.reps == 2


def test_fairness_is_prorated_for_leave(company: Company) -> None:
    october(company)
    rep2 = company.rep2
    rep2.status, rep2.leave_from, rep2.leave_until = RepStatus.ON_LEAVE, date(2026, 10, 17), None
    rep2.save()
    b = _east(company, suggest=False).balance
    # 李娜 away 10-17…10-31 (15 of 31 days): share 16/31, end load 3 → 3 × 31/16 = 5.8125
    assert {r.key: r.available for r in b.reps}["E02"] == pytest.approx(16 / 31)
    assert b.end.load_gini == pytest.approx(3.8125 / (2 * 7.8125))


def test_goals_overlapping_the_period_with_pace(company: Company) -> None:
    october(company)
    goals = {(g.who, g.metric): g for g in _east(company, suggest=False).goals}
    # 张伟's September goal and 王芳's (华南) are left out
    assert set(goals) == {("张伟", "followups"), ("华东", "won_amount"), ("李娜", "new_customers")}
    follow = goals[("张伟", "followups")]  # 3 follow-ups in October of 4
    assert (follow.value, follow.percent, follow.status) == (3, 75, MISSED)
    team = goals[("华东", "won_amount")]  # 60k + 50k won in October
    assert (team.value, team.status) == (Decimal(110_000), MET)
    # Q4 on 11-15: 45 of 92 days gone (49 %); 李娜 started 乙 丙 庚: 3 of 10 = 30 %
    new = goals[("李娜", "new_customers")]
    assert (new.value, new.percent, new.pace_percent, new.status) == (3, 30, 49, BEHIND)


def test_results_by_rep(company: Company) -> None:
    october(company)
    res = _east(company, suggest=False).results
    lines = {r.key: r for r in res.reps}
    zw, ln = lines["E01"], lines["E02"]
    # 张伟: follow-ups 10-02 10-09 10-30 (11-01 is out), took 丁, won 60k, lost one
    assert (zw.followups, zw.new_customers, zw.won, zw.lost) == (3, 1, 1, 1)
    assert zw.won_amount == 60_000 and zw.conversion == pytest.approx(0.5)
    # 李娜: one follow-up, took 乙 丙 庚, won 50k
    assert (ln.followups, ln.new_customers, ln.won, ln.lost) == (1, 3, 1, 0)
    assert ln.conversion == pytest.approx(1.0)
    t = res.total
    assert (t.followups, t.new_customers, t.won, t.lost, t.won_amount) == (4, 4, 2, 1, 110_000)


def test_suggestions(company: Company) -> None:
    october(company)
    s = _east(company).suggestions
    rebalance = [x for x in s if x.kind in (REBALANCE, BALANCED)]
    assert len(rebalance) == 1
    assert rebalance[0].url == f"/runs/rebalance/?team={company.east.pk}"
    assert isinstance(rebalance[0].figures["moves"], int)
    # loads now 2 and 3 of 20: both under half their capacity
    under = sorted(x.figures["rep"] for x in s if x.kind == UNDER)
    assert under == ["张伟", "李娜"]
    behind = {x.figures["who"] for x in s if x.kind == GOAL}
    assert behind == {"张伟", "李娜"}  # 张伟 missed follow-ups, 李娜 behind on new customers


def test_lists_are_capped_and_counts_are_not(company: Company) -> None:
    october(company)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            kind=AuditKind.OWNER_CHANGE,
            source=AuditSource.MANUAL,
            customer_key=f"X{i}",
            customer_name=f"X{i}",
            team_id=company.east.pk,
            from_rep_id=company.rep.pk,
            to_rep_id=company.rep2.pk,
            at=at(date(2026, 10, 12)),
        )
        for i in range(CAP)
    )
    c = _east(company, suggest=False).changes
    assert c.moves == CAP + 1 and c.changes_total == CAP + 5
    assert len(c.change_rows) == CAP
