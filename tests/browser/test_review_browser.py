"""The review page in real Chromium at phone width: it fits (tables scroll inside their
cards), the download is a workbook, and a manager saves a schedule."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from python_calamine import CalamineWorkbook
from tests.browser.conftest import login
from tests.conftest import PASSWORD, Company
from tests.reviews.review_setup import october

from fenpei.reviews.models import ReviewSchedule

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_manager_reads_downloads_and_schedules_on_a_phone(
    phone: Page, live_server: object, company: Company
) -> None:
    october(company)
    base = live_server.url  # type: ignore[attr-defined]
    login(phone, base, "manager", PASSWORD)
    phone.goto(f"{base}/reviews/?team={company.east.pk}&period=month&month=2026-10")
    expect(phone.locator("#review-change-rows")).to_contain_text("乙公司")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390

    with phone.expect_download() as download:
        phone.click("#review-export")
    path = download.value.path()
    book = CalamineWorkbook.from_path(str(path))
    assert len(book.sheet_names) == 8

    phone.select_option("#schedule-form select[name=frequency]", "monthly")
    phone.click("#schedule-form button[type=submit]")
    expect(phone.locator("#review-schedules")).to_be_visible()
    schedule = ReviewSchedule.objects.get()
    assert (schedule.team_id, schedule.frequency) == (company.east.pk, "monthly")
