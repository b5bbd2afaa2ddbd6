"""The public help page (使用说明) and the active policy's numbers on it."""

from __future__ import annotations

import pytest
from django.test import Client

from fenpei.allocation.models import PolicyVersion
from fenpei.allocation.selectors import policy_active

pytestmark = pytest.mark.django_db

POLICY_V2 = """
[tiers]
a = 72
b = 41
[fit]
industry = 0.45
[allocation]
coverage_weight = 2500
balance_weight = 12.5
default_capacity = 150
territory = "soft"
[[rules]]
name = "金融大客户归华东"
when = { industries = ["金融"], tiers = ["A"] }
teams = ["华东"]
"""


def help_text(client: Client) -> str:
    response = client.get("/help/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def policy_v2() -> PolicyVersion:
    policy_active()  # version 1, the built-in default
    PolicyVersion.objects.update(is_active=False)
    return PolicyVersion.objects.create(number=2, toml=POLICY_V2, is_active=True)


def test_help_is_public_and_guides_every_page(client: Client) -> None:
    text = help_text(client)
    for heading in (
        "Allocation table",
        "My customers",
        "Runs",
        "Policy",
        "Import",
        "Reps and teams",
        "Reading the reasons",
        "Runner-up",
    ):
        assert heading in text
    assert "priority × fit" in text


def test_help_shows_the_default_policy_numbers(client: Client) -> None:
    text = help_text(client)
    assert "Version 1." in text
    assert "the coverage weight (now 1000)" in text
    assert "the balance weight (now 30)" in text
    assert "at least 60 is tier A, at least 35 is tier B" in text
    assert "hard rule" in text


def test_help_follows_the_active_policy(client: Client, policy_v2: PolicyVersion) -> None:
    text = help_text(client)
    assert "Version 2." in text
    assert "(now 2500)" in text and "(now 12.5)" in text
    assert "at least 72 is tier A, at least 41 is tier B" in text
    assert "industry: +0.45" in text
    assert "policy's default, 150" in text
    assert "soft (bonus only)" in text


def test_rule_names_only_for_signed_in_team_members(
    client: Client, company, policy_v2: PolicyVersion
) -> None:
    assert "金融大客户归华东" not in help_text(client)
    client.force_login(company.outsider)
    assert "金融大客户归华东" not in help_text(client)
    client.force_login(company.rep_user)
    text = help_text(client)
    assert "金融大客户归华东" in text
    assert 'href="/rules/"' in text  # reps read the published rules from the nav
    client.force_login(company.manager)
    assert 'href="/policy/"' in help_text(client)
