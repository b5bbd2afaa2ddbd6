"""The demo company: its data (no database), its loading, and `fenpei demo` end to end."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from fenpei.allocation.models import Assignment, AssignmentSource, Run, RunStatus
from fenpei.appeals.models import Appeal, AppealStatus
from fenpei.customers.conflicts import duplicate_groups
from fenpei.customers.models import Customer, Stage
from fenpei.followups.models import Deal, FollowUp
from fenpei.pool.models import PoolEvent
from fenpei.tables.values import parse_credit_code
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Rep, RepStatus, Team
from fenpei.web.demo import (
    DEMO_PASSWORD,
    FIRST_RUN_DAYS_AGO,
    HISTORY_DAYS,
    N_CUSTOMERS,
    N_DUPLICATES,
    OUTSIDE_PROVINCES,
    PROFILES,
    REP_LOGIN_KEY,
    TEAM_SPECS,
    demo_activity,
    demo_company,
    demo_load,
)
from fenpei.web.management.commands.demo import (
    database_reset,
    default_sqlite_file,
    sqlite_files_delete,
)

TODAY = date(2026, 3, 2)


# ------------------------------------------------------------------------ the data


def test_same_seed_and_day_give_the_same_company() -> None:
    first, second = demo_company(today=TODAY), demo_company(today=TODAY)
    assert first == second
    assert [c.name for c in first.customers] == [c.name for c in second.customers]
    assert demo_company(seed=7, today=TODAY).customers != first.customers


def test_company_shape() -> None:
    company = demo_company(today=TODAY)
    assert [t.name for t in company.teams] == ["华东", "华南", "华北", "西南", "华中"]
    assert 38 <= len(company.reps) <= 42
    assert len(company.customers) == N_CUSTOMERS + N_DUPLICATES
    assert len({c.key for c in company.customers}) == N_CUSTOMERS + N_DUPLICATES
    assert len({c.name for c in company.customers[:N_CUSTOMERS]}) == N_CUSTOMERS
    statuses = Counter(r.status for r in company.reps)
    assert statuses[RepStatus.DEPARTED] == 1 and statuses[RepStatus.ON_LEAVE] == 2
    on_leave = [r for r in company.reps if r.status == RepStatus.ON_LEAVE]
    assert all(
        r.leave_from and r.leave_until and r.leave_from < TODAY < r.leave_until for r in on_leave
    )
    assert {r.level for r in company.reps} == {1, 2, 3}
    assert all(40 <= r.capacity <= 90 for r in company.reps)
    assert all(2 <= len(r.industries) <= 3 for r in company.reps)


def test_demo_has_duplicates_to_merge() -> None:
    """撞单: each extra record repeats an owned company's name or phone under another rep;
    four of them in another team."""
    company = demo_company(today=TODAY)
    originals, extras = company.customers[:N_CUSTOMERS], company.customers[N_CUSTOMERS:]
    by_name = {c.name: c for c in originals}
    by_phone = {c.phone: c for c in originals if c.phone}
    team_of = {r.key: r.team for r in company.reps}
    across = 0
    for extra in extras:
        original = by_name.get(extra.name) or by_phone[extra.phone]
        assert original.owner and extra.owner and extra.owner != original.owner
        assert not extra.credit_code  # the unique code stays with the original
        across += team_of[extra.owner] != team_of[original.owner]
    assert len(extras) == N_DUPLICATES and across == 4


def test_reps_cover_only_their_teams_regions() -> None:
    company = demo_company(today=TODAY)
    cities = {spec.name: set(spec.provinces) for spec in TEAM_SPECS}
    for c in company.customers[:N_CUSTOMERS]:
        if c.region not in OUTSIDE_PROVINCES:
            cities[next(s.name for s in TEAM_SPECS if c.region in s.provinces)].add(c.city)
    for rep in company.reps:
        assert set(rep.regions) <= cities[rep.team], rep


def test_customer_values_are_realistic_and_valid() -> None:
    company = demo_company(today=TODAY)
    customers = company.customers[:N_CUSTOMERS]  # the duplicates are checked on their own
    codes = [c.credit_code for c in customers if c.credit_code]
    assert len(codes) > 1700 and len(set(codes)) == len(codes)
    for code in codes:
        assert parse_credit_code(code) == code  # raises on a bad check character
    phones = [c.phone for c in customers if c.phone]
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)
    assert len(set(phones)) == len(phones)
    assert all(10_000 <= c.potential_value <= 5_000_000 for c in customers)
    assert all(c.name.endswith("有限公司") for c in customers)
    assert all(c.last_deal is None or c.last_deal < TODAY for c in customers)
    outside = [c for c in customers if c.region in OUTSIDE_PROVINCES]
    assert 30 <= len(outside) <= 50
    assert all(not c.team and not c.owner for c in outside)
    owned = [c for c in customers if c.owner]
    assert 300 <= len(owned) <= 500
    rep_of = {r.key: r for r in company.reps}
    assert all(
        c.region in rep_of[c.owner].regions or c.city in rep_of[c.owner].regions for c in owned
    )


# -------------------------------------------------------------------------- loading


@pytest.mark.django_db
def test_demo_load_builds_an_allocated_company() -> None:
    loaded = demo_load(TODAY)
    assert loaded is not None
    assert Team.objects.count() == 5
    assert 38 <= Rep.objects.count() <= 42
    assert Customer.objects.count() == N_CUSTOMERS + N_DUPLICATES

    logins = {
        u: authenticate(username=u, password=DEMO_PASSWORD) for u in ("admin", "manager", "rep")
    }
    assert all(logins.values()), logins
    east = Team.objects.get(name="华东")
    assert east.manager is not None and east.manager.username == "manager"
    manager = viewer_of(east.manager)
    assert manager.is_manager and manager.team_ids == frozenset({east.pk})
    rep = Rep.objects.get(user__username="rep")
    assert rep.team == east
    assert viewer_of(rep.user).is_rep
    assert viewer_of(logins["admin"]).is_admin
    assert Team.objects.get(name="华南").manager.username == "manager_south"

    # The "import" brought owners with their assignment rows; the first run did the rest.
    imported = Assignment.objects.filter(source=AssignmentSource.IMPORT, ended_at__isnull=True)
    assert imported.count() == loaded.owned_before > 300
    run = Run.objects.get(pk=loaded.run_id)
    assert run.status == RunStatus.APPLIED
    owned = Customer.objects.filter(owner__isnull=False)
    # About a tenth waits in the pool (公海) to be claimed: held back from the first run.
    assert 0.87 * N_CUSTOMERS < owned.count() < 0.93 * N_CUSTOMERS
    assert Assignment.objects.filter(ended_at__isnull=True).count() == owned.count()
    assert rep.customers.count() > 10
    # No team covers 新疆 / 西藏 / 内蒙古: those stay in the pool, with a reason.
    far = Customer.objects.filter(region__in=OUTSIDE_PROVINCES)
    assert far.count() > 0 and not far.filter(owner__isnull=False).exists()
    item = run.items.filter(customer__region="新疆").first()
    assert item is not None and item.reasons[0]["code"] == "no_rep_in_region"
    # Customers go through the same derivation and scoring as imported ones.
    sample = Customer.objects.order_by("key").first()
    assert sample is not None and sample.name_key and sample.initials
    assert Customer.objects.filter(tier="A").exists() and Customer.objects.filter(tier="C").exists()

    _assert_activity(loaded)
    groups = duplicate_groups(viewer_of(logins["admin"]))
    assert len([g for g in groups if len(g.owners) > 1]) >= N_DUPLICATES

    # A second call on the same database loads nothing.
    assert demo_load(TODAY) is None
    assert Customer.objects.count() == N_CUSTOMERS + N_DUPLICATES and Run.objects.count() == 1


def test_activity_is_deterministic_and_keeps_the_followup_rules() -> None:
    company = demo_company(today=TODAY)
    activity = demo_activity(company, today=TODAY)
    assert activity == demo_activity(company, today=TODAY)
    assert demo_activity(company, seed=7, today=TODAY).followups != activity.followups
    profiles = Counter(profile for _key, profile, _days in activity.profiles)
    assert set(profiles) == {*PROFILES, "stale"}
    assert all(n >= 20 for n in profiles.values()), profiles
    assert 0.07 * 2000 < len(activity.pool) < 0.11 * 2000
    for f in activity.followups:
        day = f.contact_at.date()
        assert TODAY - timedelta(days=HISTORY_DAYS) < day < TODAY  # never in the future
        assert f.next_step_due is None or f.next_step_due >= day
        assert bool(f.next_step) == (f.next_step_due is not None)
    assert all(TODAY - timedelta(days=HISTORY_DAYS) < d.closed_on < TODAY for d in activity.deals)
    # The import's owners' deals are decided by their skill at once; the others when the
    # first run has given the customer its rep.
    assert {d.result for d in activity.deals} == {"won", "lost", ""}
    assert all(bool(d.result) == bool(d.rep) for d in activity.deals)
    # A year of arrivals; those after the first run are routed on arrival.
    created = dict(activity.created)
    assert len(created) == len(company.customers)
    assert max(created.values()) >= HISTORY_DAYS - 30 and min(created.values()) <= 10
    assert activity.arrivals and all(created[k] < FIRST_RUN_DAYS_AGO for k in activity.arrivals)
    pool_keys = {c.key for c in company.customers if c.owner} & activity.pool
    assert not pool_keys  # the import's owners keep their customers


def _days_since(day: date | None) -> int | None:
    return None if day is None else (TODAY - day).days


def _assert_activity(loaded) -> None:
    """The pool, the reclaim rules (default policy: 30 days without a follow-up or 180
    without a deal, counted from the later of those and owned_since, warned 7 days
    before) and the overdue list all have customers to show."""
    from django.utils import timezone  # noqa: PLC0415

    assert loaded.followups == FollowUp.objects.count() > 3000
    assert loaded.deals == Deal.objects.count() > 200
    owned = list(Customer.objects.filter(owner__isnull=False).select_related("owner"))
    cases: Counter[str] = Counter()
    for c in owned:
        assert c.owned_since is not None and timezone.localdate(c.owned_since) < TODAY
        if c.next_step_due is not None and c.next_step_due < TODAY:
            cases["overdue"] += 1
            cases["overdue " + c.owner.key] += 1
        if c.stage == Stage.WON or c.locked:
            continue
        last = max(
            d
            for d in (
                timezone.localdate(c.owned_since),
                c.last_deal,
                timezone.localdate(c.last_followup_at) if c.last_followup_at else None,
            )
            if d is not None
        )
        no_followup = _days_since(last)
        no_deal = _days_since(max(d for d in (timezone.localdate(c.owned_since), c.last_deal) if d))
        if no_followup >= 30 or no_deal >= 180:
            cases["reclaim"] += 1
            cases["reclaim for no deal"] += no_deal >= 180
        elif no_followup >= 30 - 7:
            cases["warning"] += 1
            cases["warning " + c.owner.key] += 1
    assert cases["overdue"] > 150 and cases["warning"] > 100, cases
    assert 80 < cases["reclaim"] < 0.15 * len(owned), cases
    assert cases["reclaim for no deal"] > 10, cases
    # The demo's rep login has work to show at once.
    assert cases["overdue " + REP_LOGIN_KEY] > 0 and cases["warning " + REP_LOGIN_KEY] > 0
    deals = Counter(Deal.objects.values_list("result", flat=True))
    assert deals["won"] > 150 and deals["lost"] > 50
    # The stage follows each customer's most recent deal.
    latest: dict[int, str] = {}
    for customer_id, result in Deal.objects.order_by("closed_on", "pk").values_list(
        "customer_id", "result"
    ):
        latest[customer_id] = result
    lost = sum(1 for r in latest.values() if r == "lost")
    assert Customer.objects.filter(stage=Stage.LOST).count() == lost
    # Months of deals, each closed by the rep who owned the customer at the time.
    months = {d.strftime("%Y-%m") for d in Deal.objects.values_list("closed_on", flat=True)}
    assert len(months) >= 9, months
    for deal in Deal.objects.select_related("customer"):
        assert deal.rep_id == deal.customer.owner_id
        assert timezone.localdate(deal.customer.owned_since) <= deal.closed_on
    # Win rates differ by rep (the hidden skill): what the win-rate term learns from.
    by_rep: dict[int, list[int]] = {}
    for rep_id, result in Deal.objects.values_list("rep_id", "result"):
        by_rep.setdefault(rep_id, []).append(result == "won")
    rates = [sum(v) / len(v) for v in by_rep.values() if len(v) >= 10]
    assert len(rates) >= 10 and max(rates) - min(rates) > 0.25, rates
    # Arrivals after the first run were routed on the day they came.
    routed = Assignment.objects.filter(source=AssignmentSource.ROUTE, ended_at__isnull=True)
    assert routed.count() > 100
    for a in routed.select_related("customer")[:50]:
        assert timezone.localdate(a.started_at) == timezone.localdate(a.customer.created_at)
    # Every follow-up was logged by the customer's owner at the time, never before they
    # had it; pool customers keep their former owner's.
    for f in FollowUp.objects.select_related("customer"):
        if f.customer.owner_id is not None and f.rep_id == f.customer.owner_id:
            assert f.contact_at >= f.customer.owned_since
        else:
            assert f.customer.owner_id is None
    latest = FollowUp.objects.filter(customer=owned[0]).order_by("-contact_at").first()
    if latest is not None:
        assert owned[0].last_followup_at == latest.contact_at
    pool = Customer.objects.filter(owner__isnull=True)
    reclaimed = pool.filter(assignments__isnull=False).distinct()
    assert reclaimed.count() > 20 and pool.count() - reclaimed.count() > 100
    # Each of those was claimed and reclaimed: the pool's own events say when.
    events = Counter(PoolEvent.objects.values_list("kind", flat=True))
    handed_back = reclaimed.filter(appeals__status=AppealStatus.APPROVED).count()
    assert handed_back == 1  # the rep's hand-back the manager approved (see appeals below)
    assert events["claim"] == events["reclaim"] == reclaimed.count() - handed_back
    # The rep login's appeals: one of each outcome, dated over the last weeks.
    statuses = Counter(Appeal.objects.values_list("status", flat=True))
    assert statuses == {AppealStatus.REJECTED: 1, AppealStatus.OPEN: 1, AppealStatus.APPROVED: 1}
    opened = sorted((TODAY - timezone.localdate(a.created_at)).days for a in Appeal.objects.all())
    assert opened == [3, 9, 16]


def test_demo_load_never_mixes_into_existing_data(company) -> None:
    assert demo_load(TODAY) is None
    assert not Customer.objects.exists()
    assert Team.objects.count() == 2


def test_demo_command_leaves_other_data_alone(company) -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    assert "未加载任何内容" in text and "fenpei-demo" not in text  # zh-hans by default
    assert not Customer.objects.exists()


# --------------------------------------------------------------------------- reset


def test_reset_only_deletes_the_default_sqlite_file(tmp_path: Path) -> None:
    sqlite = "django.db.backends.sqlite3"
    own = {"ENGINE": sqlite, "NAME": str(tmp_path / "fenpei.sqlite3")}
    assert default_sqlite_file(own, tmp_path) == tmp_path / "fenpei.sqlite3"
    elsewhere = {"ENGINE": sqlite, "NAME": "/srv/data/other.sqlite3"}
    assert default_sqlite_file(elsewhere, tmp_path) is None
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "fenpei"}
    assert default_sqlite_file(postgres, tmp_path) is None

    for name in ("fenpei.sqlite3", "fenpei.sqlite3-wal", "fenpei.sqlite3-shm", "keep.txt"):
        (tmp_path / name).write_text("x")
    sqlite_files_delete(tmp_path / "fenpei.sqlite3")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_reset_refuses_a_database_that_is_not_the_demo_file() -> None:
    # Under pytest the database is the test database, not fenpei.sqlite3 of the folder.
    with pytest.raises(CommandError, match="DATABASE_URL"):
        database_reset()


# ---------------------------------------------------------------------- end to end


def test_fenpei_demo_no_serve_in_an_empty_folder(tmp_path: Path) -> None:
    env = {
        name: value
        for name, value in os.environ.items()
        if name != "DJANGO_SETTINGS_MODULE" and not name.startswith(("FENPEI_", "DATABASE_"))
    }
    code = "import sys; from fenpei.cli import main; sys.exit(main())"
    result = subprocess.run(
        [sys.executable, "-c", code, "demo", "--no-serve", "--port", "8123"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "fenpei.sqlite3").stat().st_size > 0
    out = result.stdout
    assert "http://127.0.0.1:8123/" in out
    for login in ("admin", "manager", "rep", DEMO_PASSWORD, "manager_south"):
        assert login in out
    for team in ("华东", "华南", "华北", "西南", "华中"):
        assert team in out


def test_fenpei_help_lists_demo_and_serve(capsys: pytest.CaptureFixture[str]) -> None:
    from fenpei.cli import main  # noqa: PLC0415

    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "demo " in text and "serve " in text and "--no-serve" in text
