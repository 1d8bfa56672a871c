"""The company's pages in Chromium: the administrator reads the properties side by side, opens one's report, sets
up a new property (a refused form first); an area manager goes from the dashboard to work in one property."""

import pytest
from playwright.sync_api import expect

from domain.accounts.models import AccountKind, StaffRole, User
from domain.accounts.roles import CompanyRole, Role
from domain.accounts.services import hash_password
from extensions import db
from tests import builders
from tests.company_scene import build_two_properties
from tests.e2e.conftest import shot

pytestmark = pytest.mark.e2e


def _company_person(username, company_role, roles=()):
    """A staff account with `company_role` and a manager's role in each of `roles`."""
    db.session.add(
        User(
            username=username,
            display_name="公司员工",
            kind=AccountKind.STAFF,
            password_hash=hash_password(builders.PASSWORD),
            company_role=company_role,
            roles=[StaffRole(property_id=prop.id, role=Role.MANAGER) for prop in roles],
        )
    )
    db.session.commit()


def _sign_in(page, live_server, username):
    """Sign in to the console as `username`."""
    page.goto(f"{live_server}/staff/login")
    page.fill("#login", username)
    page.fill("#password", builders.PASSWORD)
    page.click("button[type=submit].primary")


def test_the_administrator_compares_the_properties_and_sets_up_a_new_one(live_server, page_factory):
    build_two_properties()
    _company_person("coadmin", CompanyRole.ADMIN)
    page = page_factory()
    _sign_in(page, live_server, "coadmin")
    page.wait_for_url(f"{live_server}/company/")
    rows = page.locator("#company-figures tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("甲小区")
    expect(rows.first).to_contain_text("95.00%")
    expect(rows.nth(1)).to_contain_text("50.00%")
    shot(page, "company-dashboard")
    page.get_by_role("link", name="乙花园").click()
    expect(page.locator("h1")).to_contain_text("乙花园")
    expect(page.locator("#collection svg.chart")).to_be_visible()
    page.get_by_role("link", name="项目", exact=True).click()
    page.get_by_role("link", name="新建项目").click()
    page.fill("#name", "丁家园")
    page.fill("#time_zone", "Mars/Olympus")
    page.fill("#receipt_prefix", "djy")
    page.fill("#manager_username", "dingmanager")
    page.fill("#manager_name", "丁经理")
    page.fill("#manager_password", "a-good-pass-9")
    page.expect_status(422)
    page.get_by_role("button", name="创建项目").click()
    expect(page.locator("#time_zone")).to_have_value("Mars/Olympus")
    expect(page.locator("main form")).to_contain_text("请填写 IANA 时区名称")
    shot(page, "company-new-property-refused")
    page.fill("#time_zone", "Asia/Shanghai")
    page.fill("#manager_password", "a-good-pass-9")
    page.get_by_role("button", name="创建项目").click()
    expect(page.locator("table")).to_contain_text("丁家园")
    expect(page.locator("table")).to_contain_text("DJY")
    page.goto(f"{live_server}/company/?lang=en")
    expect(page.locator("h1")).to_have_text("Properties at a glance")
    shot(page, "company-dashboard-en")


def test_an_area_manager_goes_from_the_dashboard_to_work_in_a_property(live_server, page_factory):
    a, b = build_two_properties()
    builders.create_property("丙广场")
    _company_person("area", CompanyRole.AREA_MANAGER, roles=[a, b])
    page = page_factory()
    _sign_in(page, live_server, "area")
    page.wait_for_url(lambda url: "/staff/properties/choose" in url)
    page.goto(f"{live_server}/company/")
    rows = page.locator("#company-figures tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#company-figures")).not_to_contain_text("丙广场")
    rows.nth(1).get_by_role("button", name="进入此项目工作").click()
    page.wait_for_url(f"{live_server}/staff/")
    expect(page.locator(".current-property")).to_contain_text("乙花园")
    page.get_by_role("link", name="公司总览").click()
    page.wait_for_url(f"{live_server}/company/")
