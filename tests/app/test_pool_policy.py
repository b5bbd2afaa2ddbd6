"""The pool rules in the policy editor and on the help page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.app.pool_setup import pool_policy
from tests.conftest import Company

from fenpei.allocation.policy_forms import policy_initial
from fenpei.allocation.selectors import policy_current
from fenpei.engine import default_policy
from fenpei.engine.policy import PoolRules

pytestmark = pytest.mark.django_db

POLICY = reverse("allocation:policy")


def form_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = dict(policy_initial(default_policy()))
    data.update({"rules-TOTAL_FORMS": "0", "rules-INITIAL_FORMS": "0", "note": "pool"})
    data.update(changes)
    return data


def test_editor_shows_and_saves_the_pool_rules(client: Client, company: Company) -> None:
    client.force_login(company.manager)
    page = client.get(POLICY).content.decode()
    for name in (
        "pool_scope",
        "pool_claims_per_day",
        "pool_cooldown_days",
        "pool_reclaim_no_followup_days",
        "pool_reclaim_no_deal_days",
        "pool_warn_days",
    ):
        assert f'name="{name}"' in page, name
    response = client.post(
        POLICY,
        form_data(
            action="save",
            pool_scope="company",
            pool_claims_per_day=3,
            pool_cooldown_days=0,
            pool_reclaim_no_followup_days=45,
            pool_reclaim_no_deal_days=0,
            pool_warn_days=5,
        ),
    )
    assert response.status_code == 302
    assert policy_current().pool == PoolRules(
        scope="company",
        claims_per_day=3,
        cooldown_days=0,
        reclaim_no_followup_days=45,
        reclaim_no_deal_days=0,
        warn_days=5,
    )


def test_bad_pool_values_are_field_errors(client: Client, company: Company) -> None:
    client.force_login(company.manager)
    before = policy_current()
    response = client.post(POLICY, form_data(action="save", pool_scope="region", pool_warn_days=-1))
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"pool_scope", "pool_warn_days"}
    assert policy_current() == before


def test_help_prints_the_pool_rules_in_force(client: Client, company: Company) -> None:
    pool_policy(claims_per_day=7, cooldown_days=12, reclaim_no_followup_days=21, warn_days=4)
    page = client.get(reverse("help")).content.decode()
    section = page.split('id="pool"')[1].split("</section>")[0]
    for number in ("7", "12", "21", "4"):
        assert number in section
