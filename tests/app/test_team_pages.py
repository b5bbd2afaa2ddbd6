"""Reps and teams pages (销售与团队): loads, tier mix, access and the edit services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fenpei.customers.models import Customer
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Level, Rep, RepStatus, Team
from fenpei.teams.selectors import reps_with_load, team_summaries
from fenpei.teams.services import rep_create, rep_update, team_create, team_update

pytestmark = pytest.mark.django_db

REPS = reverse("teams:reps")


def own(customer: Customer, rep: Rep | None, tier: str, team: Team | None = None) -> None:
    customer.owner = rep
    customer.tier = tier
    customer.team = team if team is not None else (rep.team if rep else None)
    customer.save()


@pytest.fixture
def owned(company, customers):
    """rep: 2×A + 1×C; rep2: 1×B; other_rep: 1×A; one 华东 customer left in the pool."""
    own(customers[0], company.rep, "A")
    own(customers[1], company.rep, "A")
    own(customers[2], company.rep, "C")
    own(customers[3], company.rep2, "B")
    own(customers[4], company.other_rep, "A")
    own(customers[5], None, "B", team=company.east)
    return customers


def edit_data(company, **changes):
    data = {
        "team": company.east.pk,
        "level": Level.MID,
        "regions": "上海、江苏",
        "industries": "制造业",
        "products": "",
        "capacity": "25",
        "status": RepStatus.ACTIVE,
        "leave_from": "",
        "leave_until": "",
    }
    data.update(changes)
    return data


# ------------------------------------------------------------------ figures


def test_loads_and_tier_mix_in_one_query(company, owned):
    rep2 = Rep.objects.get(pk=company.rep2.pk)
    rep2.capacity = None  # falls back to the policy default (200)
    rep2.save()
    viewer = viewer_of(company.manager)
    with CaptureQueriesContext(connection) as queries:
        rows = {r.key: r for r in reps_with_load(viewer, capacity_default=200)}
    assert len(queries) == 1
    assert set(rows) == {"E01", "E02"}  # only the manager's team
    e01, e02 = rows["E01"], rows["E02"]
    assert (e01.load, e01.tier_a, e01.tier_b, e01.tier_c, e01.capacity_used) == (3, 2, 0, 1, 20)
    assert (e02.load, e02.tier_a, e02.tier_b, e02.tier_c, e02.capacity_used) == (1, 0, 1, 0, 200)


def test_team_summary_figures(company, owned):
    summaries = {
        s.team.name: s for s in team_summaries(viewer_of(company.admin), capacity_default=200)
    }
    east, south = summaries["华东"], summaries["华南"]
    assert (east.reps, east.customers, east.load, east.capacity, east.pool) == (2, 5, 4, 40, 1)
    assert (south.reps, south.customers, south.load, south.capacity, south.pool) == (1, 1, 1, 20, 0)
    assert east.team.manager == company.manager
    # a manager sees only their own team
    assert [
        s.team.name for s in team_summaries(viewer_of(company.manager), capacity_default=200)
    ] == ["华东"]


def test_reps_page_shows_load_and_mix(client, company, owned):
    client.force_login(company.manager)
    response = client.get(REPS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "张伟" in html and "李娜" in html and "王芳" not in html
    assert "3 / 20" in html and 'id="team-summary"' in html
    page_rows = {r.key: r for r in response.context["page"]}
    assert page_rows["E01"].tier_a == 2


def test_reps_page_filters_by_status_and_team(client, company, owned):
    Rep.objects.filter(pk=company.rep2.pk).update(status=RepStatus.ON_LEAVE)
    client.force_login(company.admin)
    on_leave = client.get(REPS, {"status": RepStatus.ON_LEAVE})
    assert [r.key for r in on_leave.context["page"]] == ["E02"]
    south = client.get(REPS, {"team": company.south.pk})
    assert [r.key for r in south.context["page"]] == ["S01"]


def test_rep_detail_lists_customers_and_links_to_table(client, company, owned):
    client.force_login(company.manager)
    response = client.get(reverse("teams:rep", args=[company.rep.pk]))
    assert response.status_code == 200
    assert [c.pk for c in response.context["customers"]] == sorted(
        [owned[0].pk, owned[1].pk, owned[2].pk],
        key=lambda pk: (-Customer.objects.get(pk=pk).priority, Customer.objects.get(pk=pk).key),
    )
    html = response.content.decode()
    assert f"/customers/?owner={company.rep.pk}" in html
    assert f'action="{reverse("teams:rep_edit", args=[company.rep.pk])}"' in html


# ------------------------------------------------------------------ access


def test_rep_sees_only_self(client, company, owned):
    client.force_login(company.rep_user)
    response = client.get(REPS)
    assert response.status_code == 200
    assert [r.key for r in response.context["page"]] == ["E01"]
    assert response.context["summaries"] == []
    own_page = client.get(reverse("teams:rep", args=[company.rep.pk]))
    assert own_page.status_code == 200 and own_page.context["form"] is None
    assert client.get(reverse("teams:rep", args=[company.rep2.pk])).status_code == 404
    assert client.get(reverse("teams:rep_edit", args=[company.rep.pk])).status_code == 403
    assert (
        client.post(
            reverse("teams:rep_edit", args=[company.rep.pk]), edit_data(company)
        ).status_code
        == 403
    )
    assert client.get(reverse("teams:rep_new")).status_code == 403
    assert client.get(reverse("teams:teams")).status_code == 403


def test_manager_of_another_team_gets_404(client, company, owned):
    client.force_login(company.other_manager)
    assert client.get(reverse("teams:rep", args=[company.rep.pk])).status_code == 404
    assert client.get(reverse("teams:rep_edit", args=[company.rep.pk])).status_code == 404
    assert client.get(reverse("teams:rep", args=[company.other_rep.pk])).status_code == 200


def test_outsider_is_refused(client, company):
    client.force_login(company.outsider)
    assert client.get(REPS).status_code == 403
    assert client.get(reverse("teams:rep", args=[company.rep.pk])).status_code == 403
    assert client.get(reverse("teams:teams")).status_code == 403


# ------------------------------------------------------------------ editing reps


def test_manager_edits_a_rep(client, company):
    client.force_login(company.manager)
    data = edit_data(
        company,
        level=Level.SENIOR,
        regions="上海, 浙江、江苏",
        products="ERP；CRM",
        capacity="",
        status=RepStatus.ON_LEAVE,
        leave_from="2026-03-01",
        leave_until="2026-03-31",
    )
    response = client.post(reverse("teams:rep_edit", args=[company.rep2.pk]), data)
    assert response.status_code == 302
    rep2 = Rep.objects.get(pk=company.rep2.pk)
    assert rep2.level == Level.SENIOR and rep2.capacity is None
    assert rep2.regions == ["上海", "浙江", "江苏"] and rep2.products == ["ERP", "CRM"]
    assert (rep2.leave_from, rep2.leave_until) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_leave_ending_before_it_starts_is_refused(client, company):
    client.force_login(company.manager)
    data = edit_data(
        company,
        capacity="99",
        status=RepStatus.ON_LEAVE,
        leave_from="2026-03-31",
        leave_until="2026-03-01",
    )
    response = client.post(reverse("teams:rep_edit", args=[company.rep2.pk]), data)
    assert response.status_code == 200
    assert "leave_until" in response.context["form"].errors
    rep2 = Rep.objects.get(pk=company.rep2.pk)
    assert rep2.capacity == 20 and rep2.status == RepStatus.ACTIVE  # nothing saved


def test_open_ended_leave_is_allowed_and_active_clears_dates(company):
    manager = viewer_of(company.manager)
    rep = rep_update(manager, company.rep2, status=RepStatus.ON_LEAVE)
    assert rep.status == RepStatus.ON_LEAVE and not rep.available_on(dt.date(2030, 1, 1))
    rep = rep_update(
        manager, company.rep2, status=RepStatus.ON_LEAVE, leave_from=dt.date(2026, 5, 1)
    )
    assert rep.available_on(dt.date(2026, 4, 30)) and not rep.available_on(dt.date(2026, 5, 2))
    rep = rep_update(manager, company.rep2, status=RepStatus.ACTIVE)
    assert (rep.leave_from, rep.leave_until) == (None, None)


def test_manager_cannot_move_a_rep_into_another_managers_team(client, company):
    client.force_login(company.manager)
    response = client.post(
        reverse("teams:rep_edit", args=[company.rep2.pk]), edit_data(company, team=company.south.pk)
    )
    assert response.status_code == 200 and "team" in response.context["form"].errors
    with pytest.raises(ValidationError) as caught:
        rep_update(viewer_of(company.manager), company.rep2, team=company.south)
    assert "team" in caught.value.error_dict
    assert Rep.objects.get(pk=company.rep2.pk).team == company.east


def test_rep_update_refuses_reps_and_strangers(company):
    with pytest.raises(PermissionDenied):
        rep_update(viewer_of(company.rep_user), company.rep, capacity=99)
    with pytest.raises(Rep.DoesNotExist):
        rep_update(viewer_of(company.other_manager), company.rep, capacity=99)
    with pytest.raises(TypeError):
        rep_update(viewer_of(company.manager), company.rep, key="X")
    assert Rep.objects.get(pk=company.rep.pk).capacity == 20


def test_admin_moves_a_rep_anywhere(company):
    rep = rep_update(viewer_of(company.admin), company.rep2, team=company.south)
    assert rep.team == company.south


# ------------------------------------------------------------------ new reps and teams


def test_manager_creates_a_rep_with_a_login(client, company):
    client.force_login(company.manager)
    data = edit_data(company, key="E03", name="陈静", username="chenjing", password="Sales-2026-zh")
    response = client.post(reverse("teams:rep_new"), data)
    assert response.status_code == 302
    rep = Rep.objects.get(key="E03")
    assert rep.team == company.east and rep.user.username == "chenjing"
    assert rep.user.check_password("Sales-2026-zh")
    assert viewer_of(rep.user).rep_id == rep.pk


def test_rep_create_refusals_save_nothing(company):
    manager = viewer_of(company.manager)
    base = {"team": company.east, "level": Level.MID, "status": RepStatus.ACTIVE}
    with pytest.raises(ValidationError) as caught:
        rep_create(manager, key="E01", name="重复", **base)
    assert "key" in caught.value.error_dict
    with pytest.raises(ValidationError) as caught:
        rep_create(
            manager, key="E09", name="x", username="manager", password="Sales-2026-zh", **base
        )
    assert "username" in caught.value.error_dict
    with pytest.raises(ValidationError) as caught:
        rep_create(manager, key="E09", name="x", username="newbie", password="123", **base)
    assert "password" in caught.value.error_dict
    with pytest.raises(ValidationError) as caught:
        rep_create(manager, key="E09", name="x", **{**base, "team": company.south})
    assert "team" in caught.value.error_dict
    assert not Rep.objects.filter(key="E09").exists()
    assert not User.objects.filter(username="newbie").exists()


def test_admin_creates_and_edits_teams(client, company):
    client.force_login(company.admin)
    response = client.post(
        reverse("teams:teams"), {"name": "华北", "region": "北京", "manager": company.outsider.pk}
    )
    assert response.status_code == 302
    north = Team.objects.get(name="华北")
    assert north.manager == company.outsider
    assert viewer_of(company.outsider).is_manager  # they now manage a team
    duplicate = client.post(reverse("teams:teams"), {"name": "华北"})
    assert duplicate.status_code == 200 and "name" in duplicate.context["form"].errors
    edit = client.post(
        reverse("teams:team_edit", args=[north.pk]),
        {"name": "华北区", "region": "天津", "manager": ""},
    )
    assert edit.status_code == 302
    north.refresh_from_db()
    assert (north.name, north.region, north.manager) == ("华北区", "天津", None)


def test_managers_see_teams_but_cannot_create_them(client, company):
    client.force_login(company.manager)
    page = client.get(reverse("teams:teams"))
    assert page.status_code == 200 and page.context["form"] is None
    assert [s.team.name for s in page.context["summaries"]] == ["华东"]
    assert client.post(reverse("teams:teams"), {"name": "x"}).status_code == 403
    assert client.get(reverse("teams:team_edit", args=[company.east.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        team_create(viewer_of(company.manager), name="x")
    with pytest.raises(PermissionDenied):
        team_update(viewer_of(company.manager), company.east, name="x")
    assert not Team.objects.filter(name="x").exists()
