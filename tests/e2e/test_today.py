"""The desk's console updates itself: a resident reports a repair in the portal and, on another console page, the
desk's menu badge counts it without a reload; past its 3 minutes the banner rings, and acknowledging it stops it for
the desk clerk, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from domain.accounts.roles import Role
from tests import builders
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e

#: The console polls every 10 s (templates/staff/_alerts.html): wait a little longer.
POLL_WAIT_MS = 15_000


@pytest.fixture
def resident(prop):
    """陈业主 of 1-1203."""
    unit = builders.create_unit(number="1203", floor=12)
    return builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000001")


def test_a_repair_reported_in_the_portal_shows_on_the_desks_badge_without_reload(
    live_server, page_factory, resident, clock
):
    builders.create_staff(Role.FRONTDESK, username="frontdesk")
    desk = page_factory()
    sign_in(desk, live_server, "staff", "frontdesk")
    shot(desk, "staff-today-desk")
    desk.goto(f"{live_server}/staff/incidents/")  # another console page than the home and the tickets
    badge = desk.locator("#badge-to_forward")
    expect(badge).to_be_attached()
    expect(badge.locator(".badge")).to_have_count(0, timeout=POLL_WAIT_MS)  # nothing waits yet
    desk.evaluate("window.__notReloaded = true")

    phone = page_factory(390, 844, mobile=True)
    sign_in(phone, live_server, "portal", "13800000001")
    phone.goto(f"{live_server}/portal/tickets/new")
    phone.fill("#description", "厨房水槽下面的水管在漏水。")
    phone.select_option("#repair_category", "water")
    phone.click("form.ticket-form button[type=submit]")
    phone.wait_for_url(f"{live_server}/portal/tickets/*")

    expect(badge.locator(".badge")).to_have_text("1", timeout=POLL_WAIT_MS)
    assert desk.evaluate("window.__notReloaded") is True
    expect(desk.locator(".live-alarm")).to_have_count(0)

    clock.advance(minutes=3, seconds=5)  # not forwarded within its 3 minutes
    alarm = desk.locator(".live-alarm[data-alarm^='forward-']")
    expect(alarm).to_be_visible(timeout=POLL_WAIT_MS)
    expect(desk.locator("body")).to_have_attribute("data-alert-beeped", re.compile(r"forward-\d+"))
    shot(desk, "staff-live-alarm")
    alarm.locator("button").click()
    expect(alarm).to_have_count(0)
    expect(badge.locator(".badge")).to_have_text("1")  # the repair still waits: the count stays
    assert desk.evaluate("window.__notReloaded") is True
