"""What-if in a real browser: from the policy editor's TOML to the comparison (with the
charts drawn), then activating the draft; at phone width the page does not overflow."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import login
from tests.conftest import PASSWORD

from fenpei.allocation.selectors import policy_active

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("FENPEI_SCREENSHOTS", "")


def test_try_a_draft_from_the_editor_then_activate_it(page: Page, live_server, customers):
    login(page, live_server.url, "manager", PASSWORD)
    page.goto(f"{live_server.url}/policy/")
    page.click("#advanced summary")
    area = page.locator("#advanced textarea")
    area.fill(area.input_value().replace('territory = "hard"', 'territory = "off"'))
    page.click("#whatif-from-toml")
    page.wait_for_url("**/policy/whatif/")
    expect(page.locator("#whatif-current")).to_be_visible()
    expect(page.locator("#whatif-arrivals")).to_be_visible()
    expect(page.locator("#whatif-chart-current[data-ready='1']")).to_have_count(1)
    expect(page.locator("#whatif-chart-arrivals[data-ready='1']")).to_have_count(1)
    # territory off: nobody is left out under the draft (广东 and 新疆 were)
    row = page.locator("#whatif-current tr[data-figure='unassigned'] td")
    expect(row.nth(1)).to_have_text("2")
    expect(row.nth(2)).to_have_text("0")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/whatif-desktop.png", full_page=True)
    page.fill("#whatif-activate input[name=note]", "试行：不限地区")
    page.click("#whatif-activate-button")
    page.wait_for_url("**/policy/")
    expect(page.locator("#active-version")).to_contain_text("2")
    active = policy_active()
    assert 'territory = "off"' in active.toml and active.note == "试行：不限地区"
    assert "\n" in active.toml.strip()  # the text went through intact, lines and all


def test_phone_width_does_not_overflow(page: Page, live_server, customers):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, "manager", PASSWORD)
    page.goto(f"{live_server.url}/policy/whatif/")
    page.click("#whatif-run")
    expect(page.locator("#whatif-chart-current[data-ready='1']")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/whatif-phone.png", full_page=True)
