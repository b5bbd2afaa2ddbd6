"""The appeal round trip in a real browser: a rep opens an appeal from the customer page
(two clicks: 申诉, then send with a reason), the manager approves it from the queue on
one screen with the engine's suggestion preselected, and the rep sees the result."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import login
from tests.conftest import PASSWORD, Company, make_customer

from fenpei.allocation.services import customers_assign
from fenpei.appeals.models import Appeal, AppealStatus
from fenpei.customers.models import Customer
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_rep_appeals_manager_approves_rep_sees_result(
    page: Page, live_server: Any, company: Company
) -> None:
    url = live_server.url
    customer = make_customer("上海华通科技有限公司", region="上海", city="上海", industry="零售")
    customers_assign(viewer_of(company.manager), [customer.pk], company.rep.pk)

    login(page, url, "rep", PASSWORD)
    page.goto(f"{url}/customers/{customer.pk}/")
    page.click("#appeal-button")  # click 1
    page.fill("textarea[name=reason]", "客户主营零售，不在我的行业")
    page.click("#appeal-form button[type=submit]")  # click 2
    expect(page.locator("#appeal-reason")).to_contain_text("不在我的行业")
    appeal = Appeal.objects.get()
    assert appeal.status == AppealStatus.OPEN

    page.context.clear_cookies()
    login(page, url, "manager", PASSWORD)
    page.goto(f"{url}/appeals/")
    queue = page.locator("#appeal-queue")
    expect(queue).to_contain_text(customer.name)
    queue.locator(f"a[href='/appeals/{appeal.pk}/']").click()
    expect(page.locator("#current-owner")).to_contain_text(company.rep.name)
    expect(page.locator("#suggested-rep")).to_contain_text(company.rep2.name)
    expect(page.locator("#approve-form select[name=target]")).to_have_value(str(company.rep2.pk))
    page.fill("#approve-note", "转给李娜")
    page.click("#approve-form button[type=submit]")
    expect(page.locator("#current-owner")).to_contain_text(company.rep2.name)
    assert Customer.objects.get(pk=customer.pk).owner_id == company.rep2.pk

    page.context.clear_cookies()
    login(page, url, "rep", PASSWORD)
    page.goto(f"{url}/appeals/mine/")
    row = page.locator("#my-appeals tbody tr").first
    expect(row.locator(".appeal-approved")).to_have_count(1)
    expect(row).to_contain_text("转给李娜")
    row.locator("a").first.click()
    expect(page.locator("#appeal-trail li")).to_have_count(2)
    expect(page.locator("#decision-note")).to_contain_text("转给李娜")
