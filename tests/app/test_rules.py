"""The published rules page (分配规则公示): the active policy in sentences with its real
numbers, and the history of versions in words, for every persona."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.test import Client
from django.urls import reverse

from fenpei.allocation.policy_services import policy_version_create
from fenpei.allocation.selectors import policy_current
from fenpei.engine.policy import RoutingRule, RuleCondition, policy_to_toml
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db
RULES = "/rules/"


def text_of(client: Client, user: object, lang: str = "zh-hans") -> str:
    client.force_login(user)  # type: ignore[arg-type]
    response = client.get(RULES, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    return response.content.decode()


def publish(user: object, note: str = "", **changes: object) -> None:
    policy = replace(policy_current(), **changes)  # type: ignore[arg-type]
    policy_version_create(viewer_of(user), policy_to_toml(policy), note)


def test_url_name():
    assert reverse("rules:page") == RULES


def test_rep_reads_the_active_policy_with_its_numbers_in_chinese(client, company):
    page = text_of(client, company.rep_user)
    assert "A 类：优先级不低于 60。B 类：不低于 35。" in page
    assert "潜在价值最多 40 分，合作意向最多 30 分，新客户最多 10 分，历史交易最多 20 分" in page
    assert "负责地区是硬性规则" in page
    assert "未设置时为 200 个客户" in page
    assert "每个分出去的客户计 M = 1000" in page
    assert "λ = 30" in page and "30 × 100 ÷ 200 = 15" in page  # the worked example
    assert "每位销售每天最多领取 10 个客户" in page
    assert "曾负责某客户的销售要等 30 天才能再次领取它" in page
    assert "180 天没有成交的客户回到公海" in page and "回收前 7 天提醒负责人" in page
    assert "没有路由规则" in page


def test_page_follows_the_policy_and_words_each_change(client, company):
    rule = RoutingRule(
        "大客户",
        RuleCondition(min_value=1_000_000.0),
        teams=frozenset({"华东"}),
        ignore_territory=True,
    )
    publish(company.manager, "更看重覆盖", coverage_weight=1200.0, rules=(rule,))
    publish(company.manager, "", pool=replace(policy_current().pool, claims_per_day=5))
    page = text_of(client, company.rep_user)
    assert "每位销售每天最多领取 5 个客户" in page
    assert "1.「大客户」：潜在价值不低于 1,000,000 元 的客户只分给 华东。" in page
    assert "这些客户不受负责地区限制" in page
    # history: what changed, who, when, why
    assert "覆盖权重 M 1000 → 1200" in page
    assert "新增路由规则「大客户」" in page
    assert "每日领取上限 10 → 5" in page
    assert "更看重覆盖" in page and "manager" in page
    assert "第一个版本" in page
    assert page.index("每日领取上限 10 → 5") < page.index("覆盖权重 M 1000 → 1200")  # newest first


def test_english_is_complete(client, company):
    publish(company.manager, coverage_weight=1200.0)
    page = text_of(client, company.rep_user, "en")
    assert "Tier A: priority 60 or more. Tier B: 35 or more." in page
    assert "A rep may claim at most 10 customers a day." in page
    assert "Coverage weight M 1000 → 1200" in page
    assert "Each customer counts M = 1200 plus its score" in page
    assert "So rep A gets it" in page or "So rep B gets it" in page


def test_worked_example_picks_the_winner_from_the_numbers(client, company):
    # λ so high that the fuller rep's better fit no longer wins
    publish(company.manager, balance_weight=100.0)
    page = text_of(client, company.rep_user)
    assert "100 × 100 ÷ 200 = 50" in page and "所以分给乙" in page
    publish(company.manager, balance_weight=10.0)
    assert "所以分给甲" in text_of(client, company.rep_user)


def test_everyone_with_a_role_reads_it_outsiders_do_not(client, company):
    for user in (company.admin, company.manager, company.rep_user, company.other_rep_user):
        assert "分配规则" in text_of(client, user)
    client.force_login(company.outsider)
    assert client.get(RULES).status_code == 403
    client.logout()
    assert client.get(RULES).status_code == 302


def test_nav_and_help_link_to_the_rules(client, company):
    client.force_login(company.manager)
    home = client.get(reverse("customers:table")).content.decode()
    assert f'href="{RULES}"' in home
    help_page = client.get(reverse("help")).content.decode()
    assert f'href="{RULES}"' in help_page


def test_learning_from_results_is_published_when_on(client, company):
    from fenpei.engine.policy import PerformanceTerm  # noqa: PLC0415

    en = text_of(client, company.rep_user, "en")
    assert "Learning from results is on" not in en  # off by default: not mentioned
    publish(company.manager, "看业绩", performance=PerformanceTerm(weight=0.3, prior_deals=10.0))
    en = text_of(client, company.rep_user, "en")
    assert "Learning from results is on" in en and "up to 0.3 more fit" in en
    assert "record were 10 more deals" in en
    assert "Track record bonus 0 → 0.3" in en  # the history in words, not raw keys
    zh = text_of(client, company.rep_user)
    assert "业绩" in zh and "performance.weight" not in zh
