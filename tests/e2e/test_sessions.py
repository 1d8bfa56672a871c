"""Signed-in devices in a real browser: the list, signing another device out, signing out everywhere."""

import pytest

from domain.accounts.roles import Role
from tests import builders
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def test_a_resident_signs_a_lost_phone_out_then_everywhere(live_server, page_factory, prop):
    resident = builders.create_resident(prop, unit=builders.create_unit(), phone="13800000001")
    lost_phone = page_factory(390, 844, mobile=True)
    sign_in(lost_phone, live_server, "portal", "13800000001", remember=True)
    page = page_factory(390, 844, mobile=True)
    sign_in(page, live_server, "portal", resident.user.username)
    page.goto(f"{live_server}/portal/password")
    page.click("text=查看已登录的设备")
    page.wait_for_url(f"{live_server}/portal/devices")
    assert page.locator(".device").count() == 2 and page.locator(".device .badge").count() == 1
    shot(page, "portal-devices")
    page.locator(".device", has_not=page.locator(".badge")).locator("button").click()
    page.wait_for_load_state()
    assert page.locator(".device").count() == 1 and "该设备已退出登录" in page.content()
    lost_phone.goto(f"{live_server}/portal/")
    assert "/portal/login" in lost_phone.url
    page.click("button:has-text('在所有设备上退出')")
    page.wait_for_url(f"{live_server}/portal/login")
    assert "您已在所有设备上退出登录" in page.content()
    assert page.console_errors == [] and lost_phone.console_errors == []


def test_staff_see_their_devices(live_server, page_factory):
    builders.create_staff(Role.MANAGER, username="boss")
    page = page_factory()
    sign_in(page, live_server, "staff", "boss")
    page.goto(f"{live_server}/staff/devices")
    assert page.locator(".device").count() == 1
    shot(page, "staff-devices")
    assert page.console_errors == []
