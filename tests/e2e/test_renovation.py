"""A resident applies for a renovation with a drawing on a phone, staff approve it, the deposit is paid in the
sandbox, and the desk prints the permit, in Chromium."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import today
from domain.renovation import review
from domain.renovation.models import RenovationApplication, RenovationStatus
from extensions import db
from tests import builders
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def staff_page(page_factory, live_server, username):
    """A console page signed in as `username`."""
    page = page_factory()
    sign_in(page, live_server, "staff", username)
    return page


def test_a_renovation_from_the_application_to_the_printed_permit(
    live_server, page_factory, payments_live, live_uploads, prop, tmp_path
):
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, name="王芳", phone="13800000001")
    builders.create_charge(prop, code="RENO", name="装修押金", basis="one_off", rate_fen=300000)
    builders.create_staff(Role.MANAGER, username="manager")
    builders.create_staff(Role.FRONTDESK, username="frontdesk")
    drawing = tmp_path / "平面图.pdf"
    drawing.write_bytes(PDF)
    start = today() + timedelta(days=3)

    phone = page_factory(390, 844, mobile=True)
    sign_in(phone, live_server, "portal", "13800000001")
    phone.goto(f"{live_server}/portal/renovations")
    phone.click("form[action='/portal/renovations'] button[type=submit]")
    phone.wait_for_url(f"{live_server}/portal/renovations/*")
    phone.check("input[name=scope][value=plumbing]")
    phone.check("input[name=scope][value=floors]")
    phone.fill("#description", "卫生间重做防水，客厅更换木地板。")
    phone.fill("#contractor_company", "沈阳美家装饰有限公司")
    phone.fill("#contractor_licence", "91210100MA0XXXXX1")
    phone.fill("#contractor_person", "赵工")
    phone.fill("#contractor_phone", "13800138000")
    phone.fill("#planned_start", start.isoformat())
    phone.fill("#planned_end", (start + timedelta(days=20)).isoformat())
    phone.fill("#work_from", "08:30")
    phone.fill("#work_until", "17:30")
    # Nothing saved yet: adding a worker, then uploading a drawing, keep what was typed above.
    phone.fill("#worker_name", "钱师傅")
    phone.fill("#worker_phone", "13900001111")
    phone.fill("#worker_id", "11010519491231002X")
    phone.click("#add-worker")
    expect(phone.locator("#workers")).to_contain_text("1*************002X")
    expect(phone.locator("#contractor_person")).to_have_value("赵工")
    phone.set_input_files("#documents", str(drawing))
    phone.click("#upload-documents")
    expect(phone.locator("#drawings")).to_contain_text("平面图.pdf")
    expect(phone.locator("#description")).to_have_value("卫生间重做防水，客厅更换木地板。")
    phone.check("#accept_undertakings")
    phone.fill("#signed_name", "王芳")
    shot(phone, "portal-renovation-application")
    phone.click("#submit-application")
    expect(phone.locator(".badge-r-submitted")).to_be_visible()

    application = db.session.get(RenovationApplication, 1)
    review.take_step(Actor.for_user(builders.create_staff(Role.FRONTDESK), "127.0.0.1"), application, "check")
    review.take_step(Actor.for_user(builders.create_staff(Role.ENGINEERING), "127.0.0.1"), application, "review")
    db.session.commit()

    manager = staff_page(page_factory, live_server, "manager")
    manager.goto(f"{live_server}/staff/renovations/")
    manager.click("a[href='/staff/renovations/1'] >> nth=0")
    manager.fill("#note", "同意。请遵守施工时间。")
    shot(manager, "staff-renovation-review")
    manager.click("button[name=action][value=approve]")
    expect(manager.locator(".badge-r-approved")).to_be_visible()

    phone.goto(f"{live_server}/portal/bills")
    phone.click(".pay-form button[type=submit]")
    phone.wait_for_url(f"{payments_live.url}/pay/**")
    expect(phone.locator("p.total")).to_have_text("¥3,000.00")
    phone.locator("button[value=pay]").click()
    phone.wait_for_url(f"{live_server}/portal/payments/**")
    expect(phone.locator(".status-ok")).to_be_visible()

    # The webhook issued the permit: the resident shows it from the portal, the desk prints it.
    phone.goto(f"{live_server}/portal/renovations/1")
    expect(phone.locator(".badge-r-permitted")).to_be_visible()
    expect(phone.locator("body")).not_to_contain_text("请缴纳押金")
    shot(phone, "portal-renovation-permitted")
    phone.click("a[href='/portal/renovations/1/permit']")
    expect(phone.locator(".permit svg.qr")).to_be_visible()
    expect(phone.locator(".permit")).to_contain_text("钱师傅")
    shot(phone, "portal-renovation-permit")

    desk = staff_page(page_factory, live_server, "frontdesk")
    desk.goto(f"{live_server}/staff/renovations/1")
    expect(desk.locator(".badge-paid")).to_be_visible()
    expect(desk.locator(".badge-r-permitted")).to_be_visible()
    expect(desk.locator("button[value=issue_permit]")).to_have_count(0)
    shot(desk, "staff-renovation-permitted")
    desk.click("#permit a[href='/staff/renovations/1/permit']")
    expect(desk.locator(".permit svg.qr")).to_be_visible()
    expect(desk.locator(".permit")).to_contain_text("钱师傅")
    shot(desk, "staff-renovation-permit")
    db.session.expire_all()
    assert db.session.get(RenovationApplication, 1).status == RenovationStatus.PERMITTED


def test_nothing_typed_on_the_renovation_page_is_lost_by_any_of_its_buttons(
    live_server, page_factory, live_uploads, prop, tmp_path
):
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, name="王芳", phone="13800000001")
    drawing = tmp_path / "水电图.pdf"
    drawing.write_bytes(PDF)
    phone = page_factory(390, 844, mobile=True)
    sign_in(phone, live_server, "portal", "13800000001")
    phone.goto(f"{live_server}/portal/renovations")
    phone.click("form[action='/portal/renovations'] button[type=submit]")
    phone.wait_for_url(f"{live_server}/portal/renovations/*")

    def type_plan(description):
        phone.check("input[name=scope][value=plumbing]")
        phone.fill("#description", description)
        phone.fill("#contractor_company", "沈阳美家装饰有限公司")
        phone.fill("#contractor_person", "孙工")
        phone.check("#accept_undertakings")
        phone.fill("#signed_name", "王芳")

    def still_typed(description):
        expect(phone.locator("#description")).to_have_value(description)
        expect(phone.locator("#contractor_person")).to_have_value("孙工")
        expect(phone.locator("input[name=scope][value=plumbing]")).to_be_checked()
        expect(phone.locator("#signed_name")).to_have_value("王芳")
        expect(phone.locator("#accept_undertakings")).to_be_checked()

    def add_worker(name, id_number, press_enter=False):
        phone.fill("#worker_name", name)
        phone.fill("#worker_phone", "13900001111")
        phone.fill("#worker_id", id_number)
        if press_enter:  # Enter presses the page's first button, Save, which registers the typed worker too
            phone.press("#worker_id", "Enter")
        else:
            phone.click("#add-worker")

    type_plan("一：添加工人之前输入")
    add_worker("钱师傅", "11010519491231002X")
    expect(phone.locator("#workers")).to_contain_text("钱师傅")
    still_typed("一：添加工人之前输入")

    type_plan("二：上传图纸之前输入")
    phone.set_input_files("#documents", str(drawing))
    phone.click("#upload-documents")
    expect(phone.locator("#drawings")).to_contain_text("水电图.pdf")
    still_typed("二：上传图纸之前输入")

    type_plan("三：按回车添加工人")
    add_worker("李师傅", "110105198001010016", press_enter=True)
    expect(phone.locator("#workers")).to_contain_text("李师傅")
    still_typed("三：按回车添加工人")

    type_plan("四：移除工人之前输入")
    phone.locator("#workers li", has_text="钱师傅").locator("button").click()
    expect(phone.locator("#workers")).not_to_contain_text("钱师傅")
    still_typed("四：移除工人之前输入")

    type_plan("五：校验出错之前输入")
    phone.expect_status(422)
    add_worker("赵师傅", "123")
    expect(phone.locator("#worker_id-error")).to_be_visible()
    still_typed("五：校验出错之前输入")
    expect(phone.locator("#worker_name")).to_have_value("赵师傅")
    expect(phone.locator("#worker_id")).to_have_value("123")
    shot(phone, "portal-renovation-typed-kept")
    add_worker("赵师傅", "11010519491231002X")
    expect(phone.locator("#workers")).to_contain_text("赵师傅")
    still_typed("五：校验出错之前输入")
    db.session.expire_all()
    application = db.session.scalars(db.select(RenovationApplication)).one()
    assert application.description == "五：校验出错之前输入"
    assert [w.name for w in application.workers if w.revoked_at is None] == ["李师傅", "赵师傅"]
