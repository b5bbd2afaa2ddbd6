"""The dashboards in a real browser: every card draws its chart (a canvas) from the
static script with no console error, the numbers open with one click, and at phone width
the cards stack one per row without the page scrolling sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.dashboards.conftest import March, march  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = "period=custom&start=2026-03-01&end=2026-03-31"


def _errors(page: Page) -> list[str]:
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_every_chart_is_drawn(page: Page, live_server, march: March) -> None:  # noqa: F811
    login(page, live_server.url, "manager", PASSWORD)
    errors = _errors(page)
    page.goto(f"{live_server.url}/dashboards/?{QUERY}")
    charts = page.locator("[data-chart]")
    count = charts.count()
    assert count == 11
    expect(page.locator("[data-chart][data-ready='1']")).to_have_count(count)
    expect(page.locator("[data-chart] canvas")).to_have_count(count)
    # the numbers are one click away
    table = page.locator("#card-load table[data-table='load_reps']")
    expect(table).to_be_hidden()
    page.click("#card-load summary")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(2)
    assert errors == []


def test_phone_width_stacks_the_cards(page: Page, live_server, march: March) -> None:  # noqa: F811
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, "admin", PASSWORD)
    errors = _errors(page)
    page.goto(f"{live_server.url}/dashboards/?{QUERY}")
    expect(page.locator("[data-chart] canvas")).to_have_count(11)
    boxes = [page.locator(f"#card-{key}").bounding_box() for key in ("load", "value")]
    assert boxes[0] is not None and boxes[1] is not None
    assert boxes[1]["y"] > boxes[0]["y"] + boxes[0]["height"] - 1  # one per row
    assert boxes[0]["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # the widest table scrolls inside its card, not the page
    page.click("#card-fairness summary")
    expect(page.locator("#card-fairness table")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
