"""On a phone, the resident's home shows what is owed first, and a repair is marked urgent from its page; the console
then shows the badge and the reason, in Chromium."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import today
from domain.tickets import recording
from extensions import db
from tests import builders
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def test_the_home_shows_the_amount_owed_and_a_repair_is_marked_urgent(live_server, page_factory, prop):
    unit = builders.create_unit(number="1203", floor=12)
    resident = builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000001")
    builders.create_bill(unit, total_fen=22375, period=today().replace(day=1), due_date=today() + timedelta(days=10))
    builders.create_parcel(unit)
    ticket = recording.create_ticket(
        Actor.for_user(resident.user, "127.0.0.1"),
        property_id=prop.id,
        kind="repair",
        channel="portal",
        description="卫生间水管接头在漏水",
        category="water",
        unit_id=unit.id,
        resident_id=resident.id,
    )
    db.session.commit()
    desk = builders.create_staff(Role.FRONTDESK)

    page = page_factory(390, 844, mobile=True)
    sign_in(page, live_server, "portal", "13800000001")
    expect(page.locator("#home-owed")).to_contain_text("¥223.75")
    expect(page.locator("#home-parcels .today-figure")).to_have_text("1")
    expect(page.locator("#home-tickets")).to_contain_text("工程部将在 30 分钟内响应")
    shot(page, "portal-home-today")

    page.click(f"#home-tickets a[href='/portal/tickets/{ticket.id}']")
    page.click("#urgent summary")
    page.click("#urgent button[type=submit]")  # no reason yet: refused, nothing saved
    expect(page.locator("#urgent_reason-error")).to_be_visible()
    page.fill("#urgent_reason", "水已经流到客厅了")
    page.click("#urgent button[type=submit]")
    expect(page.locator(".urgent-note")).to_contain_text("水已经流到客厅了")
    expect(page.locator("#urgent")).to_have_count(0)
    shot(page, "portal-ticket-marked-urgent")

    console = page_factory(1280, 900)
    sign_in(console, live_server, "staff", desk.username)
    console.goto(f"{live_server}/staff/tickets/?urgent=1")
    row = console.locator("table.ticket-queue tr", has=console.locator(f"a[href='/staff/tickets/{ticket.id}']"))
    expect(row).to_contain_text("紧急")
    expect(row).to_contain_text("水已经流到客厅了")
