"""The Content Security Policy holds in a real browser: every page a manager and a rep
use loads with no CSP violation and no script error in the console (the policy allows
no inline script, so anything inline would show up here as "Refused to execute")."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page
from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

MANAGER_PAGES = (
    "/",
    "/customers/",
    "/runs/",
    "/runs/rebalance/",
    "/policy/",
    "/policy/whatif/",
    "/policy/history/",
    "/rules/",
    "/pool/",
    "/followups/",
    "/goals/",
    "/appeals/",
    "/audit/",
    "/inbox/",
    "/dashboards/",
    "/reviews/",
    "/reps/",
    "/imports/",
    "/customers/conflicts/",
    "/teams/",
    "/webhooks/",
    "/help/",
    "/account/tokens/",
    "/api/docs/",
)
REP_PAGES = ("/", "/mine/", "/pool/", "/followups/", "/dashboards/", "/appeals/mine/")


def _watch(page: Page) -> list[str]:
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"{page.url}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
    return problems


def _visit(page: Page, base: str, paths: tuple[str, ...]) -> list[int]:
    statuses = []
    for path in paths:
        response = page.goto(base + path)
        assert response is not None
        statuses.append(response.status)
        assert "script-src 'self'" in (response.header_value("content-security-policy") or "")
        page.wait_for_load_state("networkidle")
    return statuses


def test_manager_pages_keep_the_policy(page: Page, live_server, customers) -> None:
    login(page, live_server.url, "manager", PASSWORD)
    problems = _watch(page)
    statuses = _visit(page, live_server.url, MANAGER_PAGES)
    assert problems == []
    assert statuses == [200] * len(MANAGER_PAGES), dict(zip(MANAGER_PAGES, statuses, strict=True))
    # Interactive bits still work without inline handlers: the language menu switches.
    page.goto(live_server.url + "/customers/")
    page.select_option("select[name=language]", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert problems == []


def test_rep_pages_keep_the_policy(page: Page, live_server, customers) -> None:
    login(page, live_server.url, "rep", PASSWORD)
    problems = _watch(page)
    statuses = _visit(page, live_server.url, REP_PAGES)
    assert problems == []
    assert statuses == [200] * len(REP_PAGES), dict(zip(REP_PAGES, statuses, strict=True))
