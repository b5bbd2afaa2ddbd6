"""The policy editor (分配策略): form, rules formset, versions, rollbacks and access."""

from __future__ import annotations

import tomllib
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from fenpei.allocation.models import PolicyVersion
from fenpei.allocation.policy_forms import policy_initial
from fenpei.allocation.policy_services import policy_version_activate, policy_version_create
from fenpei.allocation.selectors import policy_active, policy_engine
from fenpei.engine import Policy, default_policy
from fenpei.engine.policy import policy_to_toml
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db

POLICY = reverse("allocation:policy")
RULES = reverse("allocation:policy_rules")


def form_data(**changes: object) -> dict[str, object]:
    """A complete POST of the editor for the default policy, no rules, with changes."""
    data: dict[str, object] = dict(policy_initial(default_policy()))
    data.update({"rules-TOTAL_FORMS": "0", "rules-INITIAL_FORMS": "0", "note": "test"})
    data.update(changes)
    return data


def rule_fields(index: int, name: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {"name": name, "teams": "华东"}
    row.update(fields)
    return {f"rules-{index}-{k}": v for k, v in row.items()}


def with_rules(*names: str, **changes: object) -> dict[str, object]:
    data = form_data(**changes)
    data["rules-TOTAL_FORMS"] = str(len(names))
    data["rules-INITIAL_FORMS"] = str(len(names))
    for i, name in enumerate(names):
        data.update(rule_fields(i, name))
    return data


def rule_names_in(html: str, count: int) -> list[str]:
    """The values of rules-N-name inputs, in page order."""
    names = []
    for i in range(count):
        marker = f'name="rules-{i}-name"'
        assert marker in html, f"rule {i} missing"
        tag = html[
            html.rindex("<input", 0, html.index(marker)) : html.index(">", html.index(marker))
        ]
        value = tag.split('value="', 1)[1].split('"', 1)[0] if 'value="' in tag else ""
        names.append(value)
    assert f'name="rules-{count}-name"' not in html
    return names


# ------------------------------------------------------------------ access


def test_manager_sees_the_editor_with_every_field(client, company):
    client.force_login(company.manager)
    response = client.get(POLICY)
    assert response.status_code == 200
    html = response.content.decode()
    for field in (
        "priority_value",
        "intent_unknown",
        "value_full",
        "history_half_life_days",
        "tiers_b",
        "fit_incumbent",
        "allocation_coverage_weight",
        "allocation_balance_weight",
        "allocation_default_capacity",
        "allocation_territory",
        "note",
    ):
        assert f'name="{field}"' in html
    assert 'value="save"' in html and 'value="add_rule"' in html
    assert PolicyVersion.objects.get().number == 1  # v1 created from the default


def test_rep_reads_the_policy_but_cannot_change_it(client, company):
    client.force_login(company.rep_user)
    response = client.get(POLICY)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="allocation_balance_weight"' in html and "disabled" in html
    assert 'value="save"' not in html and 'value="add_rule"' not in html
    assert client.get(reverse("allocation:policy_history")).status_code == 200
    assert client.get(reverse("allocation:policy_download")).status_code == 200
    assert client.post(POLICY, form_data(allocation_balance_weight=5)).status_code == 403
    assert client.post(RULES, {"action": "add_rule"}).status_code == 403
    assert client.post(reverse("allocation:policy_activate", args=[1])).status_code == 403
    toml_post = {"toml": "[allocation]\nbalance_weight = 1\n"}
    assert client.post(reverse("allocation:policy_toml"), toml_post).status_code == 403
    assert PolicyVersion.objects.count() == 1


def test_outsider_is_refused(client, company):
    client.force_login(company.outsider)
    assert client.get(POLICY).status_code == 403
    assert client.get(reverse("allocation:policy_history")).status_code == 403
    assert client.get(reverse("allocation:policy_download")).status_code == 403
    assert client.post(POLICY, form_data()).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(POLICY)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_services_refuse_reps(company):
    rep = viewer_of(company.rep_user)
    with pytest.raises(PermissionDenied):
        policy_version_create(rep, "[allocation]\nbalance_weight = 1\n")
    with pytest.raises(PermissionDenied):
        policy_version_activate(rep, 1)


# ------------------------------------------------------------------ saving


def test_valid_change_creates_an_active_version(client, company):
    client.force_login(company.manager)
    response = client.post(POLICY, form_data(allocation_balance_weight="12.5", note="更均衡"))
    assert response.status_code == 302
    v1, v2 = PolicyVersion.objects.order_by("number")
    assert (v1.number, v1.is_active, v2.number, v2.is_active) == (1, False, 2, True)
    assert v2.note == "更均衡" and v2.created_by == company.manager
    assert policy_engine(v2).balance_weight == 12.5
    assert policy_active() == v2
    page = client.get(POLICY).content.decode()
    assert 'id="active-version">' in page and "12.5" in page


def test_invalid_tiers_show_the_error_and_save_nothing(client, company):
    client.force_login(company.manager)
    response = client.post(POLICY, form_data(tiers_a="30", tiers_b="50"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "tiers" in " ".join(form.errors["tiers_b"])  # engine message on the B field
    assert PolicyVersion.objects.count() == 1


def test_negative_balance_weight_is_refused(client, company):
    client.force_login(company.manager)
    response = client.post(POLICY, form_data(allocation_balance_weight="-1"))
    assert response.status_code == 200
    assert "allocation_balance_weight" in response.context["form"].errors
    assert PolicyVersion.objects.count() == 1


def test_engine_limit_lands_on_the_field(client, company):
    # No form validator knows the solver's ceiling: the engine's message is mapped.
    client.force_login(company.manager)
    response = client.post(POLICY, form_data(allocation_coverage_weight="1e9"))
    errors = response.context["form"].errors["allocation_coverage_weight"]
    assert "allocation.coverage_weight" in errors[0]
    assert PolicyVersion.objects.count() == 1


def test_unchanged_policy_is_not_a_new_version(client, company):
    client.force_login(company.manager)
    response = client.post(POLICY, form_data())
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert PolicyVersion.objects.count() == 1


def test_saved_rules_keep_their_order_and_values(client, company):
    client.force_login(company.manager)
    data = with_rules("乙 second", "甲 first", "丙 third")
    data.update(
        rule_fields(
            1,
            "甲 first",
            teams="",
            reps="E01、E02",
            regions="上海, 江苏",
            tiers=["A", "B"],
            intents=["high"],
            min_value="500000",
            ignore_territory="on",
        )
    )
    assert client.post(POLICY, data).status_code == 302
    version = PolicyVersion.objects.get(is_active=True)
    doc = tomllib.loads(version.toml)
    assert [r["name"] for r in doc["rules"]] == ["乙 second", "甲 first", "丙 third"]
    rule = policy_engine(version).rules[1]
    assert rule.reps == {"E01", "E02"} and rule.when.regions == {"上海", "江苏"}
    assert rule.when.tiers == {"A", "B"} and rule.when.intents == {"high"}
    assert rule.when.min_value == 500000 and rule.ignore_territory
    assert version.toml == policy_to_toml(policy_engine(version))
    # and the editor shows them back in the same order
    assert rule_names_in(client.get(POLICY).content.decode(), 3) == [
        "乙 second",
        "甲 first",
        "丙 third",
    ]


def test_rule_without_team_or_rep_is_refused(client, company):
    client.force_login(company.manager)
    data = with_rules("no target")
    data["rules-0-teams"] = ""
    response = client.post(POLICY, data)
    assert response.status_code == 200
    assert response.context["rules"].forms[0].non_field_errors()
    assert PolicyVersion.objects.count() == 1


def test_blank_added_rule_is_an_error_not_dropped(client, company):
    client.force_login(company.manager)
    data = with_rules("ok")
    data.update({"rules-TOTAL_FORMS": "2", "rules-INITIAL_FORMS": "0", "rules-1-name": ""})
    response = client.post(POLICY, data)
    assert response.status_code == 200
    assert "name" in response.context["rules"].forms[1].errors
    assert PolicyVersion.objects.count() == 1


# ------------------------------------------------------------------ rule rows


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("add_rule", ["a", "b", "c", ""]),
        ("remove_rule_1", ["a", "c"]),
        ("up_2", ["a", "c", "b"]),
        ("down_0", ["b", "a", "c"]),
        ("up_0", ["a", "b", "c"]),  # already first: nothing moves
        ("down_2", ["a", "b", "c"]),
        ("remove_rule_9", ["a", "b", "c"]),
    ],
)
def test_rule_buttons_without_js(client, company, action, expected):
    client.force_login(company.manager)
    data = with_rules("a", "b", "c", allocation_balance_weight="7")
    data["action"] = action
    response = client.post(POLICY, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert rule_names_in(html, len(expected)) == expected
    assert 'name="allocation_balance_weight" value="7"' in html  # typed values kept
    assert "errorlist" not in html  # a half-filled new row is not an error yet
    assert PolicyVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("action", "expected"),
    [("add_rule", ["a", "b", ""]), ("remove_rule_0", ["b"]), ("down_0", ["b", "a"])],
)
def test_rule_buttons_through_htmx(client, company, action, expected):
    client.force_login(company.manager)
    data = with_rules("a", "b")
    data["action"] = action
    response = client.post(RULES, data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="rules">')
    assert "<html" not in html
    assert rule_names_in(html, len(expected)) == expected
    assert f'name="rules-TOTAL_FORMS" value="{len(expected)}"' in html


def test_moved_rule_keeps_its_ticked_boxes(client, company):
    client.force_login(company.manager)
    data = with_rules("a", "b")
    data.update({"rules-1-tiers": ["A", "C"], "rules-1-ignore_territory": "on", "action": "up_1"})
    response = client.post(RULES, data, headers={"HX-Request": "true"})
    rule = response.context["rules"].forms[0]
    assert rule.initial["name"] == "b"
    assert rule.initial["tiers"] == ["A", "C"] and rule.initial["ignore_territory"] is True


def test_reordered_rules_save_in_the_new_order(client, company):
    client.force_login(company.manager)
    moved = client.post(RULES, {**with_rules("a", "b", "c"), "action": "up_2"})
    rows = [f.initial for f in moved.context["rules"].forms]
    data = form_data()
    data.update({"rules-TOTAL_FORMS": "3", "rules-INITIAL_FORMS": "3"})
    for i, row in enumerate(rows):
        data.update(rule_fields(i, row["name"]))
    assert client.post(POLICY, data).status_code == 302
    assert [r.name for r in policy_engine(policy_active()).rules] == ["a", "c", "b"]


# ------------------------------------------------------------------ history and rollback


def test_history_shows_diff_and_rolls_back(client, company):
    client.force_login(company.manager)
    client.post(POLICY, form_data(allocation_balance_weight="5", note="first change"))
    client.post(POLICY, form_data(allocation_default_capacity="150", note="second"))
    assert PolicyVersion.objects.get(is_active=True).number == 3
    html = client.get(reverse("allocation:policy_history")).content.decode()
    assert "first change" in html and "-default_capacity = 200" in html
    assert "+default_capacity = 150" in html and "+balance_weight = 5" in html
    assert "每个数值都可以修改" not in html  # compared by value, not the default's comments

    response = client.post(reverse("allocation:policy_activate", args=[1]))
    assert response.status_code == 302
    assert PolicyVersion.objects.count() == 3  # a rollback creates no version
    assert list(PolicyVersion.objects.filter(is_active=True).values_list("number", flat=True)) == [
        1
    ]
    assert policy_engine(policy_active()) == Policy()
    assert client.post(reverse("allocation:policy_activate", args=[99])).status_code == 404


def test_version_page_and_download(client, company):
    client.force_login(company.manager)
    client.post(POLICY, form_data(allocation_territory="soft"))
    page = client.get(reverse("allocation:policy_version", args=[2]))
    assert page.status_code == 200 and '+territory = "soft"' in unescape(page.content.decode())
    download = client.get(reverse("allocation:policy_version_download", args=[2]))
    assert download["Content-Disposition"] == 'attachment; filename="policy-v2.toml"'
    assert 'territory = "soft"' in download.content.decode()
    assert client.get(reverse("allocation:policy_version", args=[9])).status_code == 404


def test_toml_editor_saves_and_reports_errors(client, company):
    client.force_login(company.admin)
    url = reverse("allocation:policy_toml")
    bad = client.post(url, {"toml": "[tiers]\na = 30\nb = 50\n"})
    assert bad.status_code == 200 and "tiers" in bad.context["toml_form"].errors["toml"][0]
    good = client.post(url, {"toml": "# hand-written\n[fit]\nregion = 0.4\n", "note": "x"})
    assert good.status_code == 302
    active = PolicyVersion.objects.get(is_active=True)
    assert active.number == 2 and active.toml.startswith("# hand-written")


def test_one_active_version_always(company):
    manager = viewer_of(company.manager)
    for weight in (1, 2, 3):
        policy_version_create(manager, f"[allocation]\nbalance_weight = {weight}\n", "n")
        assert PolicyVersion.objects.filter(is_active=True).count() == 1
    policy_version_activate(manager, 2)
    policy_version_activate(manager, 2)  # activating the active one changes nothing
    assert list(PolicyVersion.objects.filter(is_active=True).values_list("number", flat=True)) == [
        2
    ]
    with pytest.raises(ValidationError, match=r"allocation\.balance_weight"):
        policy_version_create(manager, "[allocation]\nbalance_weight = -1\n")
    assert PolicyVersion.objects.count() == 4
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.filter(number=3).update(is_active=True)


def test_move_cost_is_edited_and_kept_by_the_form(client, company):
    """The rebalance's move cost is a field like the others: saving the form keeps it."""
    from fenpei.allocation.selectors import policy_current  # noqa: PLC0415

    client.force_login(company.manager)
    assert 'name="rebalance_move_cost"' in client.get(POLICY).content.decode()
    response = client.post(POLICY, form_data(rebalance_move_cost="80"))
    assert response.status_code == 302
    assert policy_current().move_cost == 80
    # a later save of another field keeps it
    client.post(POLICY, form_data(rebalance_move_cost="80", allocation_balance_weight="40"))
    assert policy_current().move_cost == 80
