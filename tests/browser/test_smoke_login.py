from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_wrong_password_is_refused_in_chinese(page: Page, live_server, company):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.locator("p.error")).to_contain_text("密码")


def test_manager_lands_on_the_table(page: Page, live_server, company):
    login(page, live_server.url, "manager", PASSWORD)
    assert "/customers/" in page.url
