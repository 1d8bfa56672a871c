"""The manager reads the monthly report in Chromium, with its charts, writes the month's summary and downloads the
PDF, checked for its chart and its Chinese text."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from domain.accounts.roles import Role
from domain.clock import today
from domain.dates import month_before
from tests import builders
from tests.e2e.conftest import pdf_text, save_first_page, shot, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def billed_month(prop):
    """Last month: three units billed, two paid."""
    month = month_before(today().replace(day=1))
    for paid in (30000, 30000, 0):
        unit = builders.create_unit()
        builders.create_bill(unit, total_fen=30000, paid_fen=paid, period=month, due_date=month + timedelta(days=20))
    builders.create_staff(Role.MANAGER, username="boss")
    return month


def test_manager_reads_the_report_writes_the_summary_and_downloads_the_pdf(live_server, page_factory, billed_month):
    page = page_factory()
    sign_in(page, live_server, "staff", "boss")
    page.get_by_role("link", name="月度报告").click()
    expect(page.locator("h1")).to_contain_text("月度运营报告")
    chart = page.locator("#collection svg.chart")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["height"] > 100  # drawn at its size, not collapsed by the page's styles
    expect(page.locator("#collection")).to_contain_text("66.66%")
    page.fill("textarea[name=text]", "本月收费率低于目标，已安排逐户催缴。")
    page.click("#summary button[type=submit]")
    expect(page.locator(".report-summary")).to_have_text("本月收费率低于目标，已安排逐户催缴。")
    shot(page, "monthly-report")
    response = page.request.get(f"{live_server}/staff/reports/monthly.pdf?month={billed_month:%Y-%m}")
    pdf, text = pdf_text(response)
    assert "月度运营报告" in text and "经理总结" in text and "本月收费率低于目标" in text and "90%" in text
    save_first_page(pdf, "monthly-report-pdf")
