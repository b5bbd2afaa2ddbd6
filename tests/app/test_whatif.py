"""What-if (模拟): the page, its two comparisons on hand-built books, permissions and
activating the draft."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.conftest import Company, make_customer

from fenpei.allocation import whatif
from fenpei.allocation.inputs import months_before
from fenpei.allocation.models import PolicyVersion
from fenpei.allocation.policy_forms import policy_initial
from fenpei.allocation.policy_services import policy_version_create
from fenpei.allocation.selectors import policy_active, policy_current
from fenpei.allocation.services import OwnerChange, owners_set
from fenpei.allocation.whatif import whatif_arrivals, whatif_current
from fenpei.audit.models import AuditEvent, AuditKind
from fenpei.customers.models import Customer, Intent
from fenpei.engine import default_policy, policy_from_toml
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Rep

pytestmark = pytest.mark.django_db

WHATIF = reverse("allocation:policy_whatif")

# Priority 100 for a high-intent customer (intent is the only weight), no level bonus:
# 张伟 E01 knows 制造业 (fit 1.3, score 130), 李娜 E02 does not (fit 1, score 100).
SIMPLE = """
[priority]
value = 0
intent = 100
newness = 0
history = 0
[fit]
level = 0
[allocation]
balance_weight = {lam}
"""


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def own(customer: Customer, rep: Rep) -> None:
    owners_set([OwnerChange(customer, rep, [])], source="manual", user_id=None)


def at_days_ago(days: int) -> datetime:
    day = timezone.localdate() - timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


# ------------------------------------------------------------------ permissions, errors


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 200),
        ("manager", 200),
        ("other_manager", 200),
        ("rep_user", 403),
        ("other_rep_user", 403),
        ("outsider", 403),
    ],
)
def test_page_is_for_managers(company: Company, persona: str, status: int) -> None:
    client = client_for(getattr(company, persona))
    assert client.get(WHATIF).status_code == status
    posted = client.post(WHATIF, {"toml": policy_active().toml, "months": 3})
    assert posted.status_code == (200 if status == 200 else 403)


def test_anonymous_is_sent_to_login(company: Company) -> None:
    response = Client().get(WHATIF)
    assert response.status_code == 302 and "login" in response["Location"]


def test_get_prefills_the_active_policy(company: Company) -> None:
    html = unescape(client_for(company.manager).get(WHATIF).content.decode())
    assert policy_active().toml.strip().splitlines()[1] in html
    assert 'id="whatif-current"' not in html


def test_invalid_toml_shows_the_policy_error_and_runs_nothing(
    company: Company, customers: list[Customer]
) -> None:
    client = client_for(company.manager)
    response = client.post(WHATIF, {"toml": "[allocation]\nbalance_weight = -1\n", "months": 3})
    html = unescape(response.content.decode())
    assert response.status_code == 400
    assert "allocation.balance_weight must be ≥ 0" in html
    assert 'id="whatif-current"' not in html and 'id="whatif-activate"' not in html
    broken = client.post(WHATIF, {"toml": "[allocation\n", "months": 3})
    assert broken.status_code == 400 and "not valid TOML" in unescape(broken.content.decode())


def test_another_managers_team_is_refused(company: Company, customers: list[Customer]) -> None:
    response = client_for(company.manager).post(
        WHATIF, {"toml": policy_active().toml, "months": 3, "team": company.south.pk}
    )
    assert response.status_code == 400
    assert 'id="whatif-current"' not in response.content.decode()


# ------------------------------------------------------------------ current data


def test_identical_draft_gives_zero_moves_and_identical_columns(
    company: Company, customers: list[Customer]
) -> None:
    own(customers[2], company.rep)  # 杭州 (浙江) held by 张伟, who does not cover 浙江
    viewer = viewer_of(company.manager)
    for result in (
        whatif_current(viewer, policy_current()),
        whatif_arrivals(viewer, policy_current(), months=3),
    ):
        c = result.comparison
        assert c.differ == ()
        assert c.active == c.draft
        assert [ld.active for ld in result.loads] == [ld.draft for ld in result.loads]
    response = client_for(company.manager).post(WHATIF, {"toml": policy_active().toml, "months": 3})
    html = unescape(response.content.decode())
    assert "0 customers would go elsewhere" in html or "0 个客户" in html


def test_current_data_hand_known(company: Company, customers: list[Customer]) -> None:
    """华东's book: the unrouted pool (four customers in 华东's regions, one in 广东, one in
    新疆) and 杭州百货 owned by 张伟, who does not cover 浙江."""
    own(customers[2], company.rep)
    viewer = viewer_of(company.manager)
    draft = policy_from_toml('[allocation]\nterritory = "off"\n')
    result = whatif_current(viewer, draft)
    c = result.comparison
    assert result.customers == 6
    assert [ld.key for ld in result.loads] == ["E01", "E02"]
    # today: 张伟 holds 杭州; five in the pool
    assert (c.before.assigned, c.before.unassigned) == (1, 5)
    assert [ld.before for ld in result.loads] == [1, 0]
    # active (hard territory): 杭州 must move to 李娜, the only rep covering 浙江;
    # 广东 and 新疆 have nobody; the three others come from the pool
    assert (c.active.moved, c.active.new, c.active.kept, c.active.released) == (1, 3, 0, 0)
    assert c.active.unassigned_reasons == (("no_rep_in_region", 2),)
    assert sum(ld.active for ld in result.loads) == 4
    # draft (territory off): everyone gets a rep
    assert c.draft.unassigned == 0 and c.draft.assigned == 6
    assert sum(ld.draft for ld in result.loads) == 6
    far = {customers[4].pk, customers[5].pk}
    assert far <= {d.customer_id for d in result.differ}


def test_locked_customers_stay(company: Company, customers: list[Customer]) -> None:
    own(customers[2], company.rep)
    Customer.objects.filter(pk=customers[2].pk).update(locked=True)
    c = whatif_current(viewer_of(company.manager), policy_current()).comparison
    assert (c.active.kept, c.active.moved) == (1, 0)


# ------------------------------------------------------------------ arrivals replay


def test_arrivals_replay_hand_known(company: Company) -> None:
    """Three arrivals in the window (上海, 制造业, high intent: priority 100), one older
    customer. Today 李娜 holds the old one and the first two arrivals, the third is in
    the pool; so at the window's start 张伟 held 0 and 李娜 1."""
    east = company.east
    policy_version_create(viewer_of(company.admin), SIMPLE.format(lam=60))
    old = make_customer("老客户", region="上海", industry="零售", team=east)
    arrivals = [
        make_customer(f"新客户{i}", region="上海", industry="制造业", intent=Intent.HIGH, team=east)
        for i in range(3)
    ]
    Customer.objects.filter(pk=old.pk).update(created_at=at_days_ago(200))
    for i, c in enumerate(arrivals):
        Customer.objects.filter(pk=c.pk).update(created_at=at_days_ago(60 - i))
    for c in (old, arrivals[0], arrivals[1]):
        own(c, company.rep2)

    viewer = viewer_of(company.manager)
    # λ = 900 over capacity 20: each customer held costs 45 points
    result = whatif_arrivals(viewer, policy_from_toml(SIMPLE.format(lam=900)), months=3)
    c = result.comparison
    assert result.customers == 3 and result.left_out == 0
    assert result.since == months_before(timezone.localdate(), 3)
    assert [(ld.key, ld.start, ld.before) for ld in result.loads] == [("E01", 0, 0), ("E02", 1, 3)]
    # active (λ 60, 3 a customer): 130 − 3·L beats 100 − 3 for all three → all to 张伟
    assert [ld.active for ld in result.loads] == [3, 1]
    assert (c.active.moved, c.active.new, c.active.kept) == (2, 1, 0)
    # draft: 130 vs 55, then 85 vs 55, then 40 vs 55 → the third goes to 李娜
    assert [ld.draft for ld in result.loads] == [2, 2]
    assert c.differ == (2,)
    assert [(d.name, d.active, d.draft) for d in result.differ] == [("新客户2", "张伟", "李娜")]
    # tier A (priority 100): 张伟 is senior, 李娜 junior
    assert (c.active.tier_a, c.active.tier_a_senior) == (3, 3)
    assert (c.draft.tier_a, c.draft.tier_a_senior) == (3, 2)
    # fairness over the window: loads 3 and 1 → Gini = |3−1|·2 / (2·4·2) = 0.25
    assert c.active.fairness.load_gini == pytest.approx(0.25)
    assert c.draft.fairness.load_gini == pytest.approx(0.0)


def test_months_before_clamps_to_the_months_end() -> None:
    from datetime import date  # noqa: PLC0415

    assert months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 2) == date(2025, 11, 15)


# ------------------------------------------------------------------ the page and activation


def test_page_shows_both_comparisons_with_chart_data(
    company: Company, customers: list[Customer]
) -> None:
    draft = policy_active().toml.replace('territory = "hard"', 'territory = "off"')
    assert draft != policy_active().toml
    response = client_for(company.manager).post(WHATIF, {"toml": draft, "months": 3})
    html = response.content.decode()
    assert response.status_code == 200
    for marker in (
        'id="whatif-current"',
        'id="whatif-arrivals"',
        'id="whatif-data-current"',
        'id="whatif-data-arrivals"',
        "allocation/whatif_chart.js",
        "vendor/echarts/echarts.min.js",
        'id="whatif-activate-button"',
    ):
        assert marker in html, marker


def test_the_policy_editor_can_send_its_form_to_whatif(
    company: Company, customers: list[Customer]
) -> None:
    client = client_for(company.manager)
    assert 'id="whatif-from-form"' in client.get(reverse("allocation:policy")).content.decode()
    data: dict[str, object] = dict(policy_initial(default_policy()))
    data.update(
        {
            "rules-TOTAL_FORMS": "0",
            "rules-INITIAL_FORMS": "0",
            "allocation_territory": "off",
            "action": "compare",
        }
    )
    response = client.post(WHATIF, data)
    html = unescape(response.content.decode())
    assert response.status_code == 200 and 'id="whatif-current"' in html
    assert 'territory = "off"' in html  # the form became the draft's TOML


def test_activate_creates_a_new_active_version(company: Company) -> None:
    before = policy_active()
    draft = SIMPLE.format(lam=45)
    response = client_for(company.manager).post(
        WHATIF, {"action": "activate", "toml": draft, "note": "更均衡"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("allocation:policy")
    active = policy_active()
    assert active.number == before.number + 1 and active.toml == draft.strip()
    assert active.note == "更均衡" and active.created_by_id == company.manager.pk
    assert PolicyVersion.objects.get(pk=before.pk).is_active is False
    event = AuditEvent.objects.filter(kind=AuditKind.POLICY_CHANGE).latest("pk")
    assert event.policy_version == active.number


def test_activate_is_refused_to_reps_and_for_an_unchanged_or_invalid_draft(
    company: Company,
) -> None:
    count = PolicyVersion.objects.count() or 1
    toml = SIMPLE.format(lam=45)
    assert (
        client_for(company.rep_user).post(WHATIF, {"action": "activate", "toml": toml}).status_code
        == 403
    )
    manager = client_for(company.manager)
    same = manager.post(WHATIF, {"action": "activate", "toml": policy_active().toml})
    assert same.status_code == 400
    assert "Nothing changed" in unescape(same.content.decode()) or "没有改动" in unescape(
        same.content.decode()
    )
    bad = manager.post(WHATIF, {"action": "activate", "toml": "[allocation]\nterritory = 1\n"})
    assert bad.status_code == 400
    assert PolicyVersion.objects.count() == count


def test_activation_needs_the_csrf_token(company: Company) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.manager)
    response = client.post(WHATIF, {"action": "activate", "toml": SIMPLE.format(lam=45)})
    assert response.status_code == 403
    assert policy_active().number == 1


def test_values_held_count_in_value_fairness(company: Company) -> None:
    big = make_customer("大客户", region="上海", industry="制造业", team=company.east)
    Customer.objects.filter(pk=big.pk).update(potential_value=Decimal("1000000"))
    big.refresh_from_db()
    own(big, company.rep)
    c = whatif_current(viewer_of(company.manager), policy_current()).comparison
    # today 张伟 holds 1,000,000 and 李娜 nothing: Gini of two values, one zero = 0.5
    assert c.before.fairness.value_gini == pytest.approx(0.5)
    assert c.before.values == (1_000_000.0, 0.0)


def test_big_books_are_capped(
    company: Company, customers: list[Customer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(whatif, "MAX_CURRENT_CUSTOMERS", 5)
    monkeypatch.setattr(whatif, "MAX_ARRIVALS", 4)
    viewer = viewer_of(company.manager)
    with pytest.raises(ValidationError):
        whatif_current(viewer, policy_current())
    result = whatif_arrivals(viewer, policy_current(), months=3)
    assert (result.customers, result.left_out) == (4, 2)
    response = client_for(company.manager).post(WHATIF, {"toml": policy_active().toml})
    html = response.content.decode()
    current = html[html.index('id="whatif-current"') : html.index('id="whatif-arrivals"')]
    assert 'class="msg error"' in current and "whatif-figures" not in current
    assert 'class="msg warning"' in html[html.index('id="whatif-arrivals"') :]
