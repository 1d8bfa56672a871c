"""The lobby kiosk at 1080x1920: pairing, then a parcel pickup typed on the on-screen keypad, in Chromium."""

import pytest
from playwright.sync_api import expect

from domain.parcels import services as parcels
from extensions import db
from tests import builders
from tests.e2e.conftest import shot

pytestmark = pytest.mark.e2e


def test_a_resident_picks_up_parcels_at_the_kiosk_with_the_keypad(live_server, page_factory, prop):
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000001")
    builders.create_parcel(unit, "SF1111111111", shelf="A1")
    builders.create_parcel(unit, "JD2222222222", shelf="B2")
    code, _expires = parcels.issue_pickup_code(unit.id)
    db.session.commit()
    _kiosk, credential = builders.create_kiosk(prop, name="1号楼大堂")

    page = page_factory(1080, 1920)
    page.context.add_cookies([{"name": "kiosk_device", "value": credential, "url": f"{live_server}/kiosk/"}])
    page.goto(f"{live_server}/kiosk/")
    shot(page, "kiosk-start")
    page.click("a[href='/kiosk/pickup']")
    page.click("#unit")
    for key in "1-1203":
        page.click(f"[data-key='{key}']")
    page.click("#code")
    for key in code:
        page.click(f"[data-key='{key}']")
    expect(page.locator("#unit")).to_have_value("1-1203")
    expect(page.locator("#code")).to_have_value(code)
    shot(page, "kiosk-pickup-keypad")
    page.click("form.kiosk-form button[type=submit]")
    expect(page.locator(".kiosk-big")).to_contain_text("2")
    expect(page.locator(".kiosk-result")).to_contain_text("A1")
    content = page.content()
    assert "陈业主" not in content and "SF1111111111" not in content and "13800000001" not in content
    shot(page, "kiosk-pickup-done")
    page.go_back()  # Back shows an empty keypad, not the last person's entry
    expect(page.locator("#code")).to_have_value("")
    assert page.console_errors == []


def test_a_resident_pays_from_the_kiosk_on_their_phone_and_reports_a_lift_repair(live_server, page_factory,
                                                                                 payments_live, prop):
    from datetime import date

    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000001")
    builders.create_bill(unit, total_fen=22375)
    builders.create_bill(unit, total_fen=26812, period=date(2026, 11, 1), due_date=date(2026, 12, 1))
    _kiosk, credential = builders.create_kiosk(prop, name="1号楼大堂")

    kiosk = page_factory(1080, 1920)
    kiosk.context.add_cookies([{"name": "kiosk_device", "value": credential, "url": f"{live_server}/kiosk/"}])
    kiosk.goto(f"{live_server}/kiosk/")
    kiosk.click("a[href='/kiosk/pay']")
    kiosk.click("#unit")
    for key in "1-1203":
        kiosk.click(f"[data-key='{key}']")
    kiosk.click("#last4")
    for key in "0001":
        kiosk.click(f"[data-key='{key}']")
    kiosk.click("form.kiosk-form button[type=submit]")
    expect(kiosk.locator(".kiosk-big")).to_have_text("¥491.87")
    expect(kiosk.locator(".kiosk-qr svg.qr")).to_be_visible()
    assert "陈业主" not in kiosk.content() and "13800000001" not in kiosk.content()
    shot(kiosk, "kiosk-pay-qr")
    link = kiosk.locator(".kiosk-qr").get_attribute("data-pay-link")

    phone = page_factory(390, 844, mobile=True)  # the resident's own phone scans the code
    phone.goto(link)
    phone.wait_for_url(f"{payments_live.url}/pay/**")
    phone.locator("input[value=alipay]").check()
    phone.locator("button[value=pay]").click()
    phone.wait_for_url(f"{live_server}/pay/k/done")
    expect(kiosk.locator(".kiosk-paid")).to_be_visible(timeout=10_000)  # the kiosk follows the payment
    shot(kiosk, "kiosk-pay-paid")

    kiosk.click(".kiosk-paid a")
    kiosk.click("a[href='/kiosk/repair']")
    kiosk.click("label.kiosk-choice:has(input[value=lift])")
    kiosk.fill("#building", "2号楼")
    kiosk.fill("#description", "西侧电梯按钮失灵。")
    shot(kiosk, "kiosk-repair")
    kiosk.click("form.kiosk-form button[type=submit]")
    expect(kiosk.locator(".kiosk-big")).to_be_visible()
    shot(kiosk, "kiosk-repair-done")
    from domain.tickets.models import Channel, Ticket

    db.session.expire_all()
    ticket = db.session.query(Ticket).one()
    assert ticket.channel == Channel.KIOSK and ticket.category == "elevator"
    assert kiosk.console_errors == [] and phone.console_errors == []
