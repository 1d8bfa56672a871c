"""A resident pays a bill in Chromium through the sandbox's hosted page and downloads the receipt."""

import shutil
import subprocess
from datetime import date

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests import builders
from tests.e2e.conftest import SCREENSHOTS, shot, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def household(prop):
    """陈业主 of unit 1-1201 with two unpaid bills and one paid."""
    unit = builders.create_unit(number="1201", floor=12)
    me = builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000001")
    builders.create_bill(unit, total_fen=22375, period=date(2026, 10, 1), due_date=date(2026, 10, 31))
    builders.create_bill(unit, total_fen=26812, period=date(2026, 11, 1), due_date=date(2026, 12, 1))
    builders.create_bill(unit, total_fen=22375, period=date(2026, 9, 1), due_date=date(2026, 9, 30), paid_fen=22375)
    return me


def test_resident_pays_through_the_hosted_page_and_downloads_the_receipt(
    live_server, page_factory, payments_live, household, tmp_path
):
    page = page_factory(390, 844, mobile=True)
    sign_in(page, live_server, "portal", "13800000001")
    page.goto(f"{live_server}/portal/bills")
    expect(page.locator(".bill-card input[type=checkbox]")).to_have_count(2)
    expect(page.locator(".sandbox-note")).to_be_visible()
    shot(page, "portal-bills")

    page.click(".pay-form button[type=submit]")
    page.wait_for_url(f"{payments_live.url}/pay/**")
    expect(page.get_by_text("¥491.87")).to_be_visible()
    shot(page, "sandbox-checkout")
    page.locator("input[value=wechat_pay]").check()
    page.locator("button[value=pay]").click()

    page.wait_for_url(f"{live_server}/portal/payments/**")
    expect(page.locator(".status-ok")).to_be_visible()
    shot(page, "portal-payment-received")
    with page.expect_download() as download_info:
        page.locator("a[href$='receipt.pdf']").click()
    pdf = tmp_path / "receipt.pdf"
    download_info.value.save_as(pdf)
    text = PdfReader(pdf).pages[0].extract_text()
    # WeChat Pay as Stripe's charge says, and the property (not "online payment") as the payee.
    assert (
        "收款收据" in text and "1-1201" in text and "491.87" in text and "微信支付" in text and "在线支付" not in text
    )
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "110", "-singlefile", str(pdf), str(SCREENSHOTS / "receipt")], check=True
        )

    page.goto(f"{live_server}/portal/bills")
    expect(page.locator(".bill-card input[type=checkbox]")).to_have_count(0)
    assert page.console_errors == []


def test_a_payment_that_settles_later_is_settled_from_the_sandbox_page(
    live_server, page_factory, payments_live, household
):
    page = page_factory(390, 844, mobile=True)
    sign_in(page, live_server, "portal", "13800000001")
    page.goto(f"{live_server}/portal/bills")
    page.click(".pay-form button[type=submit]")
    page.wait_for_url(f"{payments_live.url}/pay/**")
    page.locator("input[value=alipay]").check()
    page.locator("button[value=pay_async]").click()

    page.wait_for_url(f"{live_server}/portal/payments/**")
    expect(page.get_by_text("银行仍在处理到账")).to_be_visible()
    shot(page, "portal-payment-settling")
    page.get_by_role("link", name="在测试沙盒页面模拟到账结果").click()
    page.wait_for_url(f"{payments_live.url}/pay/**")
    shot(page, "sandbox-settle-later")
    page.locator("button[value=settle_succeeded]").click()
    expect(page.get_by_text("此订单已支付")).to_be_visible()
    page.get_by_role("link", name="返回商户 · Back to the merchant").click()
    page.wait_for_url(f"{live_server}/portal/payments/**")
    expect(page.locator(".status-ok")).to_be_visible()
    expect(page.get_by_text("支付宝")).to_be_visible()
    assert page.console_errors == []


def test_cash_at_the_desk_closes_the_payment_page_the_resident_has_open(
    live_server, page_factory, payments_live, household
):
    import time

    from domain.accounts.roles import Role

    phone = page_factory(390, 844, mobile=True)
    sign_in(phone, live_server, "portal", "13800000001")
    phone.goto(f"{live_server}/portal/bills")
    phone.click(".pay-form button[type=submit]")
    phone.wait_for_url(f"{payments_live.url}/pay/**")  # the resident looks at the payment page...

    cashier = builders.create_staff(Role.FRONTDESK)
    desk = page_factory()
    sign_in(desk, live_server, "staff", cashier.username)
    desk.goto(f"{live_server}/staff/billing/units/{household.occupancies[0].unit_id}")
    for box in desk.locator("input[name=bill_ids]").all():
        box.check()
    desk.locator("select[name=method]").select_option("cash")
    desk.locator("fieldset.desk-payment button[type=submit]").click()  # ...while the family pays cash downstairs
    expect(desk.locator(".alert-success")).to_be_visible()

    phone.expect_status(409)
    phone.locator("button[value=pay]").click()  # the page still open on the phone can no longer take the money
    expect(phone.get_by_text("已过期")).to_be_visible()
    shot(phone, "sandbox-closed-by-the-desk")
    for _ in range(50):  # the sandbox's checkout.session.expired webhook, sent from its own thread
        if payments_live.state.deliveries:
            break
        time.sleep(0.1)
    assert [status for _event, status in payments_live.state.deliveries] == [200]


def test_finance_sees_the_automatic_refunds_on_the_billing_page(live_server, page_factory, household):
    from domain.accounts.roles import Role
    from domain.clock import utcnow
    from domain.payments.models import Method, Payment, PaymentStatus, Refund, RefundStatus
    from extensions import db

    unit_id = household.occupancies[0].unit_id
    for status in (RefundStatus.SUCCEEDED, RefundStatus.FAILED):
        payment = Payment(
            property_id=household.property_id,
            unit_id=unit_id,
            method=Method.WECHAT_PAY,
            status=PaymentStatus.SUCCEEDED,
            amount_fen=22375,
            provider="sandbox",
            paid_at=utcnow(),
        )
        db.session.add(payment)
        db.session.add(
            Refund(payment=payment, amount_fen=22375, reason="账单已结清，自动退回", status=status, automatic=True)
        )
    db.session.commit()
    finance = builders.create_staff(Role.FINANCE)
    page = page_factory()
    sign_in(page, live_server, "staff", finance.username)
    page.goto(f"{live_server}/staff/billing/")
    section = page.locator("section[aria-labelledby=auto-refunds-title]")
    expect(section.locator("tbody tr")).to_have_count(2)
    expect(section.locator(".badge-overdue")).to_have_text("失败")
    section.scroll_into_view_if_needed()
    shot(page, "staff-billing-auto-refunds")
