"""The issue's "done when", in a real browser: a manager imports a messy workbook,
previews and applies a run, reads why each customer went where (Chinese, then English);
a rep sees only their own customers and the pool; the layout holds at phone width."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from python_calamine import CalamineWorkbook
from tests.browser.conftest import login
from tests.conftest import PASSWORD

from fenpei.allocation.models import Assignment
from fenpei.allocation.services import customers_assign
from fenpei.customers.models import Customer
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db(transaction=True)

MESSY = Path(__file__).resolve().parents[2] / "examples" / "messy.xlsx"


def _import_messy(page: Page, url: str) -> int:
    page.goto(f"{url}/imports/")
    page.set_input_files("input[type=file]", str(MESSY))
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#import-status")).to_have_text("预览")
    bad = int(page.locator("#figure-bad-cells").inner_text())
    new = int(page.locator("#figure-new").inner_text())
    assert bad > 0 and new > 0
    with page.expect_download() as download:
        page.click("#error-report")
    rows = CalamineWorkbook.from_path(download.value.path()).get_sheet_by_index(0).to_python()
    assert len(rows) == bad + 1  # a header, then one row per bad cell
    page.click("#confirm-import")
    expect(page.locator("#import-status")).to_have_text("已导入")
    return new


def test_manager_imports_previews_applies_and_reads_reasons(page: Page, live_server, company):
    url = live_server.url
    login(page, url, "manager", PASSWORD)
    new = _import_messy(page, url)
    assert Customer.objects.count() == new
    assert (
        not Customer.objects.filter(owner__isnull=False).exclude(owner__team=company.east).exists()
    )

    page.goto(f"{url}/runs/")
    page.click("form[action$='/runs/new/'] button[type=submit]")
    expect(page.locator("#run-status")).to_have_text("预览")
    # the load chart is drawn by ECharts, served by the app itself
    expect(page.locator("#load-chart canvas")).to_have_count(1)
    assigned = int(page.locator("#figure-assigned").inner_text())
    assert assigned > 0
    assert not Assignment.objects.filter(source="run").exists()  # a preview writes nothing
    page.click("#apply-run")
    expect(page.locator("#run-status")).to_have_text("已应用")
    assert Assignment.objects.filter(source="run", ended_at__isnull=True).count() > 0

    # why did this customer go to this rep? — on the allocation table, on demand
    owned = Customer.objects.filter(owner__isnull=False).order_by("-priority", "key").first()
    assert owned is not None
    page.goto(f"{url}/customers/?q={owned.key}")
    page.locator("button.why").first.click()
    why = page.locator(f"#why-{owned.pk}")
    expect(why).to_contain_text("得分")
    expect(why).to_contain_text(owned.owner.name)

    # the same, in English after switching language
    page.select_option("select[name=language]", "en")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("button.why").first.click()
    expect(page.locator(f"#why-{owned.pk}")).to_contain_text("score")
    expect(page.locator("nav.nav")).to_contain_text("Allocation table")


def test_rep_sees_only_own_customers_and_the_pool(page: Page, live_server, company, customers):
    manager = viewer_of(company.manager)
    mine, teammates = customers[0], customers[1]
    customers_assign(manager, [mine.pk], company.rep.pk)
    customers_assign(manager, [teammates.pk], company.rep2.pk)
    url = live_server.url
    login(page, url, "rep", PASSWORD)
    expect(page).to_have_url(f"{url}/mine/")
    expect(page.locator("main")).to_contain_text(mine.name)
    expect(page.locator("main")).not_to_contain_text(teammates.name)
    page.goto(f"{url}/customers/")
    table = page.locator("main")
    expect(table).to_contain_text(mine.name)
    expect(table).to_contain_text(customers[3].name)  # in the pool
    expect(table).not_to_contain_text(teammates.name)
    # asking for a teammate's customer by its address: not found, not forbidden
    response = page.goto(f"{url}/customers/{teammates.pk}/")
    assert response is not None and response.status == 404
    # and no manager pages
    response = page.goto(f"{url}/runs/")
    assert response is not None and response.status == 403


def test_phone_width_menu(browser, live_server, company, customers):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        login(page, live_server.url, "manager", PASSWORD)
        nav = page.locator("nav.nav")
        expect(nav).to_be_hidden()
        page.click("label.nav-button")
        expect(nav).to_be_visible()
        expect(nav).to_contain_text("客户分配表")
        # the table scrolls inside its box; the page itself does not overflow sideways
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1
    finally:
        context.close()
