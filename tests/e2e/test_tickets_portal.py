"""A resident reports a repair with a photo on a phone, follows it, and rates the finished work, in Chromium."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.tickets import steps
from domain.tickets.models import Status, Ticket, TicketPhoto
from extensions import db
from tests import builders
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def resident(prop):
    """陈业主 of 1-1203."""
    unit = builders.create_unit(number="1203", floor=12)
    return builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000001")


@pytest.fixture
def photo_file(tmp_path):
    """A small real PNG on disk, as a phone would offer it."""
    path = tmp_path / "漏水.png"
    image = Image.new("RGB", (320, 240), (40, 130, 200))
    image.paste((230, 230, 230), (0, 160, 320, 240))
    out = io.BytesIO()
    image.save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


def staff(role):
    """A staff member of `role` as a domain actor."""
    return Actor.for_user(builders.create_staff(role), "127.0.0.1")


def test_resident_reports_a_repair_with_a_photo_and_rates_the_finished_work(
    live_server, live_uploads, page_factory, resident, photo_file
):
    page = page_factory(390, 844, mobile=True)
    sign_in(page, live_server, "portal", "13800000001")

    page.click(".portal-tabs a[href='/portal/tickets']")
    page.click("a.new-request")
    expect(page.locator("input[name=kind][value=repair]")).to_be_checked()
    expect(page.locator("#complaint_category")).to_be_hidden()  # only the chosen kind's category shows
    page.fill("#description", "厨房水槽下面的水管在漏水，地上都是水。")
    page.set_input_files("#photos", str(photo_file))
    page.fill("#preferred_time", "周六上午")
    page.click("form.ticket-form button[type=submit]")
    # The category was forgotten: the message says so, the text stays, the photo has to be chosen again.
    expect(page.locator("#repair_category-error")).to_be_visible()
    expect(page.locator(".photos-lost")).to_be_visible()
    assert page.input_value("#description") == "厨房水槽下面的水管在漏水，地上都是水。"
    assert page.input_value("#preferred_time") == "周六上午"
    shot(page, "portal-ticket-new-error")

    page.select_option("#repair_category", "water")
    page.set_input_files("#photos", str(photo_file))
    page.click("form.ticket-form button[type=submit]")
    page.wait_for_url(f"{live_server}/portal/tickets/*")
    expect(page.locator(".ticket-summary .ts-new")).to_be_visible()
    thumbnail = page.locator(".photo-strip img").first
    expect(thumbnail).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())

    page.fill("#body", "家里白天有老人在，可以直接上门。")
    page.click("#comment-form button[type=submit]")  # htmx: the timeline grows and the form empties
    expect(page.locator(".timeline .tl-comment")).to_contain_text("家里白天有老人在")
    expect(page.locator("#body")).to_have_value("")

    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.channel.value == "portal" and db.session.scalars(select(TicketPhoto)).one().ticket_id == ticket.id
    steps.dispatch(staff(Role.FRONTDESK), ticket)
    db.session.commit()

    # Engineering takes it from its queue and finishes it in the console.
    engineer_user = builders.create_staff(Role.ENGINEERING, username="engineer")
    engineer = Actor.for_user(engineer_user, "127.0.0.1")
    console = page_factory()
    sign_in(console, live_server, "staff", "engineer")
    console.goto(f"{live_server}/staff/tickets/")
    console.click(f"a[href='/staff/tickets/{ticket.id}'] >> nth=0")
    expect(console.locator(".ticket-photos img").first).to_be_visible()
    console.click(".step-button button:has-text('Take this ticket'), form[action$='/claim'] button")
    expect(console.locator(".badge-t-claimed").first).to_be_visible()
    console.fill("#finish-summary", "更换了水槽下的软管，已试水不漏。")
    console.click(".step-finish form button[type=submit]")
    expect(console.locator(".badge-t-done").first).to_be_visible()
    shot(console, "staff-ticket-done")
    assert console.console_errors == []

    page.goto(f"{live_server}/portal/tickets")
    expect(page.locator(".ticket-item .ts-done")).to_be_visible()
    expect(page.locator(".notice-list li")).to_have_count(3)  # received, being handled, done
    shot(page, "portal-tickets")
    page.click(".rate-prompt")
    expect(page.locator(".ticket-summary .ts-done")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text(engineer.name)
    page.click(".stars label[for=rating-0]")  # five stars (the first of the reversed row)
    page.fill("#comment", "师傅很专业，来得也快。")
    page.click("#rate button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(".stars-shown")).to_be_visible()
    shot(page, "portal-ticket-timeline")

    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.rating == 5 and ticket.rating_comment == "师傅很专业，来得也快。" and ticket.status == Status.CLOSED
    assert page.console_errors == []

    # The manager's board shows the rating and nothing late.
    manager = builders.create_staff(Role.MANAGER, username="manager")
    board = page_factory()
    sign_in(board, live_server, "staff", manager.username)
    board.goto(f"{live_server}/staff/board")
    expect(board.locator("#board")).to_contain_text("5.0")
    shot(board, "staff-board")
    assert board.console_errors == []
