"""The manager keeps the property's settings in Chromium: a refused value keeps what was typed, then it saves."""

import pytest
from playwright.sync_api import expect

from domain.accounts.roles import Role
from tests import builders
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def test_the_manager_sets_the_receipt_prefix_and_stripe_account(live_server, page_factory, prop):
    builders.create_staff(Role.MANAGER, username="manager", prop=prop)
    page = page_factory()
    sign_in(page, live_server, "staff", "manager")
    page.goto(f"{live_server}/staff/property/settings")
    expect(page.locator("h1")).to_have_text("项目设置")
    page.fill("#receipt_prefix", "YF")
    page.fill("#stripe_account", "acct_1YiFeng")
    page.fill("#statement_descriptor", "YF*PLAZA")
    page.expect_status(422)
    page.click("button[type=submit].primary")
    expect(page.locator("#statement_descriptor")).to_have_value("YF*PLAZA")
    expect(page.locator("#receipt_prefix")).to_have_value("YF")
    expect(page.locator(".has-error")).to_have_count(1)
    shot(page, "property-settings-refused")
    page.fill("#statement_descriptor", "YIFENG PLAZA")
    page.click("button[type=submit].primary")
    expect(page.locator("#receipt_prefix")).to_have_value("YF")
    expect(page.locator(".has-error")).to_have_count(0)
    shot(page, "property-settings")
    page.goto(f"{live_server}/staff/property/settings?lang=en")
    expect(page.locator("h1")).to_have_text("Property settings")
    shot(page, "property-settings-en")
