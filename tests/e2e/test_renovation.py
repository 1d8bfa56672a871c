"""A resident applies for a renovation with a drawing on a phone, staff approve it, the deposit is paid in the
sandbox, and the desk prints the permit, in Chromium."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import today
from domain.renovation import services
from domain.renovation.models import RenovationApplication, RenovationStatus
from extensions import db
from tests import builders
from tests.e2e.conftest import shot

pytestmark = pytest.mark.e2e
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def live_uploads(live_server, tmp_path):
    """The live app stores uploads in this test's folder."""
    previous = live_server.app.config.get("UPLOAD_FOLDER")
    live_server.app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    yield
    live_server.app.config["UPLOAD_FOLDER"] = previous


def staff_page(page_factory, live_server, username):
    """A console page signed in as `username`."""
    page = page_factory()
    page.goto(f"{live_server}/staff/login")
    page.fill("#login", username)
    page.fill("#password", builders.PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{live_server}/staff/")
    return page


def test_a_renovation_from_the_application_to_the_printed_permit(live_server, page_factory, payments_live, live_uploads,
                                                                 prop, tmp_path):
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, name="王芳", phone="13800000001")
    builders.create_charge(prop, code="RENO", name="装修押金", basis="one_off", rate_fen=300000)
    builders.create_staff(Role.MANAGER, username="manager")
    builders.create_staff(Role.FRONTDESK, username="frontdesk")
    drawing = tmp_path / "平面图.pdf"
    drawing.write_bytes(PDF)
    start = today() + timedelta(days=3)

    phone = page_factory(390, 844, mobile=True)
    phone.goto(f"{live_server}/portal/login")
    phone.fill("#login", "13800000001")
    phone.fill("#password", builders.PASSWORD)
    phone.press("#password", "Enter")
    phone.wait_for_url(f"{live_server}/portal/")
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
    phone.click("form[action$='/renovations/1'] button[type=submit]")
    expect(phone.locator(".alert-success")).to_be_visible()
    phone.fill("#worker_name", "钱师傅")
    phone.fill("#worker_phone", "13900001111")
    phone.fill("#worker_id", "11010519491231002X")
    phone.click("form[action$='/workers'] button[type=submit]")
    expect(phone.locator("#workers")).to_contain_text("1*************002X")
    phone.set_input_files("#documents", str(drawing))
    phone.click("form[action$='/documents'] button[type=submit]")
    expect(phone.locator("#drawings")).to_contain_text("平面图.pdf")
    phone.check("#accept_undertakings")
    phone.fill("#signed_name", "王芳")
    shot(phone, "portal-renovation-application")
    phone.click("form[action$='/submit'] button[type=submit]")
    expect(phone.locator(".badge-r-submitted")).to_be_visible()
    assert phone.console_errors == []

    application = db.session.get(RenovationApplication, 1)
    services.take_step(Actor.for_user(builders.create_staff(Role.FRONTDESK), "127.0.0.1"), application, "check")
    services.take_step(Actor.for_user(builders.create_staff(Role.ENGINEERING), "127.0.0.1"), application, "review")
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

    desk = staff_page(page_factory, live_server, "frontdesk")
    desk.goto(f"{live_server}/staff/renovations/1")
    expect(desk.locator(".badge-paid")).to_be_visible()
    desk.click("button[name=action][value=issue_permit]")
    expect(desk.locator(".badge-r-permitted")).to_be_visible()
    desk.click("a[href='/staff/renovations/1/permit']")
    expect(desk.locator(".permit svg.qr")).to_be_visible()
    expect(desk.locator(".permit")).to_contain_text("钱师傅")
    shot(desk, "staff-renovation-permit")
    assert desk.console_errors == [] and manager.console_errors == []
    db.session.expire_all()
    assert db.session.get(RenovationApplication, 1).status == RenovationStatus.PERMITTED
