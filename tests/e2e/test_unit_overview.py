"""The unit's 360° page in Chromium: the manager reads every block and opens a ticket for the unit from it; the desk
logs a parcel from it and finds it there; an engineer sees only engineering's blocks; wide and phone layouts."""

import pytest
from playwright.sync_api import expect

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.tickets import recording
from extensions import db
from tests import builders
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def test_the_unit_page_in_each_role_and_its_quick_actions(live_server, page_factory, prop):
    unit = builders.create_unit(number="1201", floor=12)
    builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000001")
    builders.create_bill(unit, total_fen=22375)
    for role, username in ((Role.MANAGER, "manager"), (Role.FRONTDESK, "frontdesk"), (Role.ENGINEERING, "engineer")):
        builders.create_staff(role, username=username)
    desk_actor = Actor.for_user(builders.create_staff(Role.FRONTDESK), "e2e")
    recording.create_ticket(
        desk_actor, property_id=prop.id, kind="complaint", channel="phone", description="楼上噪音", unit_id=unit.id
    )
    db.session.commit()
    url = f"{live_server}/staff/units/{unit.id}"

    manager = page_factory()
    sign_in(manager, live_server, "staff", "manager")
    manager.goto(url)
    expect(manager.locator("#block-people")).to_contain_text("陈业主")
    expect(manager.locator("#block-bills")).to_contain_text("¥223.75")
    expect(manager.locator("#block-complaints")).to_contain_text("楼上噪音")
    expect(manager.locator("#block-counter .empty")).to_be_visible()
    shot(manager, "unit-360-manager-zh")
    manager.goto(f"{url}?lang=en")
    expect(manager.locator("#block-bills h2")).to_have_text("Bills and arrears")
    shot(manager, "unit-360-manager-en")
    manager.get_by_role("link", name="New ticket for this unit").click()
    expect(manager.locator("#unit_label")).to_have_value("1-1201")

    desk = page_factory()
    sign_in(desk, live_server, "staff", "frontdesk")
    desk.goto(url)
    desk.get_by_role("link", name="登记快递").click()
    expect(desk.locator("#unit_label")).to_have_value("1-1201")
    desk.fill("#tracking_number", "SF1000000001")
    desk.locator("#intake-form button[type=submit]").click()
    expect(desk.locator("#logged-rows tr").filter(has_text="SF1000000001")).to_have_count(1)
    desk.goto(url)
    expect(desk.locator("#block-counter")).to_contain_text("SF1000000001")
    expect(desk.locator("#block-collection")).to_have_count(0)  # the arrears are the assistants' and finance's
    shot(desk, "unit-360-frontdesk-zh")

    engineer = page_factory()
    sign_in(engineer, live_server, "staff", "engineer")
    engineer.goto(url)
    expect(engineer.locator("#block-tickets")).to_be_visible()
    for hidden in ("#block-people", "#block-bills", "#block-counter", "#block-violations"):
        expect(engineer.locator(hidden)).to_have_count(0)
    expect(engineer.locator("body")).not_to_contain_text("楼上噪音")  # a complaint stays with the desk
    shot(engineer, "unit-360-engineer-zh")

    phone = page_factory(390, 844, mobile=True)
    sign_in(phone, live_server, "staff", "manager")
    phone.goto(url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # stacked, nothing sticks out
    shot(phone, "unit-360-manager-phone")
