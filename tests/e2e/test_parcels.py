"""The desk logs parcels with the keyboard alone, the resident sees them with a QR code on the phone, and the desk
hands them over by the code, in Chromium."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from domain.accounts.roles import Role
from domain.parcels.models import Parcel, ParcelStatus
from extensions import db
from tests import builders
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def log_with_keyboard(desk, tracking, unit, carrier_name):
    """Log a parcel as a scanner does: the number and Enter, which goes on to the unit; the unit and Enter."""
    expect(desk.locator("#tracking_number")).to_be_focused()
    expect(desk.locator("#carrier")).to_have_value("")  # never the last parcel's carrier
    desk.keyboard.type(tracking)
    desk.keyboard.press("Enter")
    expect(desk.locator("#unit_label")).to_be_focused()
    expect(desk.locator("#carrier-guess")).to_contain_text(carrier_name)
    desk.keyboard.type(unit)
    desk.keyboard.press("Enter")
    expect(desk.locator("#logged-rows tr").filter(has_text=tracking)).to_contain_text(carrier_name)


def test_desk_logs_three_parcels_by_keyboard_and_hands_them_over_by_the_residents_code(live_server, page_factory, prop):
    unit = builders.create_unit(number="1203", floor=12)
    builders.create_unit(number="0801", floor=8)
    builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000001")
    builders.create_staff(Role.FRONTDESK, username="frontdesk")

    desk = page_factory()
    sign_in(desk, live_server, "staff", "frontdesk")
    desk.goto(f"{live_server}/staff/parcels/")
    expect(desk.locator("#tracking_number")).to_be_focused()
    desk.keyboard.type("SF1000000001")
    desk.keyboard.press("Enter")  # the scanner's Enter goes on to the unit, it does not submit
    expect(desk.locator("#unit_label")).to_be_focused()
    expect(desk.locator("#intake-form .error")).to_have_count(0)
    expect(desk.locator("#carrier-guess")).to_contain_text("顺丰速运")
    desk.keyboard.type("1-1203")
    desk.keyboard.press("Tab")
    desk.keyboard.type("A3")
    desk.keyboard.press("Enter")
    expect(desk.locator("#logged-rows tr").filter(has_text="SF1000000001")).to_have_count(1)
    log_with_keyboard(desk, "SF1000000002", "1-1203", "顺丰速运")
    log_with_keyboard(desk, "YT2000000003", "1-0801", "圆通速递")
    # A number no carrier's shape fits: the clerk is asked, and chooses, with the keyboard.
    desk.keyboard.type("768123456789")
    desk.keyboard.press("Enter")
    expect(desk.locator("#carrier-guess")).to_contain_text("请选择快递公司")
    desk.keyboard.type("1-0801")
    desk.keyboard.press("Enter")
    expect(desk.locator("#carrier-error")).to_be_visible()
    expect(desk.locator("#carrier")).to_be_focused()  # the cursor is on what to fix, not lost to the page
    expect(desk.locator("#unit_label")).to_have_value("1-0801")
    desk.select_option("#carrier", "sto")
    desk.press("#unit_label", "Enter")
    expect(desk.locator("#logged-rows tr").filter(has_text="768123456789")).to_contain_text("申通快递")
    expect(desk.locator("#intake-form .alert-success")).to_be_visible()
    expect(desk.locator("#aging .stat-value").first).to_have_text("4")  # the shelf's tiles refresh themselves
    shot(desk, "staff-parcel-intake")
    assert desk.console_errors == []
    assert db.session.scalar(select(db.func.count(Parcel.id)).where(Parcel.status == ParcelStatus.WAITING)) == 4
    assert dict(db.session.execute(select(Parcel.tracking_number, Parcel.carrier)).all()) == {
        "SF1000000001": "sf",
        "SF1000000002": "sf",
        "YT2000000003": "yto",
        "768123456789": "sto",
    }

    phone = page_factory(390, 844, mobile=True)
    sign_in(phone, live_server, "portal", "13800000001")
    phone.goto(f"{live_server}/portal/parcels")
    group = phone.locator(".parcel-group")
    expect(group).to_have_count(1)  # 1-0801's parcel is not theirs
    expect(group.locator("li")).to_have_count(2)
    expect(group).to_contain_text("A3")
    phone.click(".parcel-group form button[type=submit]")
    expect(phone.locator(".pickup-code svg.qr")).to_be_visible()
    code = phone.inner_text(".pickup-code .big-code").replace(" ", "")
    assert len(code) == 6 and code.isdigit()
    shot(phone, "portal-parcels-code")

    desk.goto(f"{live_server}/staff/parcels/pickup")
    desk.fill("#unit_label", "1-0801")  # the right code for the wrong unit shows nothing
    desk.fill("#code", code)
    # The form posts the whole page: the refusal's page must have replaced this one before the next typing
    # (it redraws the form with what was typed; typing into the old page while it loads is lost).
    with desk.expect_navigation(wait_until="load"):
        desk.press("#code", "Enter")
    expect(desk.locator("#code-error, form.card .alert-error").first).to_be_visible()
    expect(desk.locator("input[name=parcel_ids]")).to_have_count(0)
    desk.expect_status(422)  # the refusal above is answered 422 on purpose
    desk.fill("#unit_label", "1-1203")
    desk.fill("#code", code)
    with desk.expect_navigation(wait_until="load"):
        desk.press("#code", "Enter")
    expect(desk.locator("input[name=parcel_ids]")).to_have_count(2)
    desk.fill("#name", "陈业主")
    desk.fill("#id_last4", "123X")
    shot(desk, "staff-parcel-pickup")
    desk.click("form[action$='/parcels/hand-over'] button[type=submit]")
    expect(desk.locator(".alert-success")).to_be_visible()
    assert desk.console_errors == []

    db.session.expire_all()
    taken = db.session.scalars(select(Parcel).where(Parcel.status == ParcelStatus.PICKED_UP)).all()
    assert sorted(p.tracking_number for p in taken) == ["SF1000000001", "SF1000000002"]
    assert {(p.picked_up_name, p.picked_up_id_last4) for p in taken} == {("陈业主", "123X")}

    # A code works once.
    desk.fill("#unit_label", "1-1203")
    desk.fill("#code", code)
    desk.press("#code", "Enter")
    expect(desk.locator("input[name=parcel_ids]")).to_have_count(0)
    phone.goto(f"{live_server}/portal/parcels")
    expect(phone.locator(".parcel-group")).to_have_count(0)


def test_the_desk_reads_what_each_wrong_code_alarm_means_and_acknowledges_it(live_server, page_factory, prop):
    from domain.throttle.models import DeskAlert

    unit = builders.create_unit(number="1203", floor=12)
    kiosk, _credential = builders.create_kiosk(prop, name="1号楼大堂")
    clerk = builders.create_staff(Role.FRONTDESK, username="frontdesk")
    db.session.add_all(
        [
            DeskAlert(property_id=prop.id, scope="parcel_code", place=f"{clerk.id}@127.0.0.1", message="1-0801"),
            DeskAlert(property_id=prop.id, scope="kiosk_phone", place=f"kiosk:{kiosk.id}", message="1-1203"),
            DeskAlert(
                property_id=prop.id, scope="parcel_code", place=f"kiosk:{kiosk.id}", unit_id=unit.id, message="1-1203"
            ),
        ]
    )
    db.session.commit()

    desk = page_factory()
    sign_in(desk, live_server, "staff", "frontdesk")
    desk.goto(f"{live_server}/staff/parcels/pickup")
    alerts = desk.locator("form[action*='/parcels/alerts/']")
    expect(alerts).to_have_count(3)
    expect(alerts.nth(0)).to_contain_text("1-1203 的取件码在各处（包括前台）都不能使用")
    expect(alerts.nth(1)).to_contain_text("自助机“1号楼大堂”5 分钟内输错手机尾号 5 次")
    expect(alerts.nth(2)).to_contain_text(f"前台（{clerk.display_name}）5 分钟内输错取件码 5 次")
    shot(desk, "staff-parcel-alarms")
    alerts.nth(1).locator("button").click()
    expect(alerts).to_have_count(2)
    assert desk.console_errors == []
