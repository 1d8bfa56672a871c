"""Working for one property at a time in Chromium: a technician of two properties chooses one after signing in and
switches from the sidebar; a resident with a home in each chooses which one's bills to see."""

import pytest
from playwright.sync_api import expect

from domain.accounts.models import StaffRole
from domain.accounts.roles import Role
from extensions import db
from tests import builders
from tests.e2e.conftest import shot

pytestmark = pytest.mark.e2e


@pytest.fixture
def two():
    a = builders.create_property("测试小区")
    b = builders.create_property("第二小区")
    unit_a = builders.create_unit(number="0101", floor=1)
    unit_b = builders.create_unit(building=b.buildings[0], number="0909", floor=9)
    return a, b, unit_a, unit_b


def test_a_technician_of_two_properties_chooses_one_and_switches(live_server, page_factory, two):
    a, b, _unit_a, _unit_b = two
    tech = builders.create_staff(Role.ENGINEERING, username="tech2", prop=a)
    db.session.add(StaffRole(property_id=b.id, user_id=tech.id, role=Role.ENGINEERING))
    db.session.commit()
    page = page_factory()
    page.goto(f"{live_server}/staff/login")
    page.fill("#login", "tech2")
    page.fill("#password", builders.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/staff/properties/choose" in url)
    expect(page.locator(".property-choices li")).to_have_count(2)
    shot(page, "staff-choose-property")
    page.get_by_role("button", name="进入第二小区").click()
    expect(page.locator(".current-property")).to_contain_text("第二小区")
    expect(page.locator(".alert-success")).to_contain_text("第二小区")
    page.locator(".current-property a").click()
    page.get_by_role("button", name="进入测试小区").click()
    expect(page.locator(".current-property")).to_contain_text("测试小区")
    assert page.console_errors == []


def test_a_resident_with_a_home_in_each_property_chooses_which_to_see(live_server, page_factory, two):
    a, b, unit_a, unit_b = two
    resident = builders.create_resident(a, unit=unit_a, name="周业主", phone="13800000007")
    builders.add_home(resident, b, unit_b)
    builders.create_bill(unit_a, total_fen=11100)
    builders.create_bill(unit_b, total_fen=99900)
    phone = page_factory(390, 844, mobile=True)
    phone.goto(f"{live_server}/portal/login")
    phone.fill("#login", "13800000007")
    phone.fill("#password", builders.PASSWORD)
    phone.click("button[type=submit].primary")
    phone.wait_for_url(lambda url: "/portal/properties/choose" in url)
    shot(phone, "portal-choose-property")
    phone.get_by_role("button", name="查看第二小区").click()
    expect(phone.locator(".property-switch")).to_have_text("第二小区")
    phone.goto(f"{live_server}/portal/bills")
    expect(phone.locator("main")).to_contain_text("999.00")
    expect(phone.locator("main")).not_to_contain_text("111.00")
    assert phone.console_errors == []
