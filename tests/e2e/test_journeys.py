"""Resident and staff journeys in a real browser: sign in, switch language, search with htmx."""

import pytest
from playwright.sync_api import expect

from domain.accounts.roles import Role
from domain.property.models import Relation
from domain.property.units import unit_label
from tests import builders
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def register(prop):
    """A small register: a few units, a resident with household, and front desk."""
    home = builders.create_unit(number="1203", floor=12)
    for floor in range(1, 13):
        builders.create_unit(number=f"{floor:02d}05", floor=floor)
    me = builders.create_resident(prop, unit=home, name="陈业主", phone="13800000001")
    builders.create_resident(prop, unit=home, name="陈小明", relation=Relation.FAMILY, account=False)
    desk = builders.create_staff(Role.FRONTDESK, username="frontdesk")
    return {"resident": me, "desk": desk}


def test_resident_signs_in_sees_household_and_switches_to_english(live_server, page_factory, register):
    page = page_factory(390, 844, mobile=True)
    page.goto(f"{live_server}/portal/")
    assert "/portal/login" in page.url
    page.fill("#login", "13800000001")
    page.fill("#password", builders.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server}/portal/")
    assert page.locator("h1").inner_text() == "陈业主，您好"
    assert page.get_by_text("陈小明").is_visible()
    shot(page, "portal-home-zh")
    page.click(".lang-switch button")
    page.wait_for_load_state()
    assert "Hello" in page.locator("h1").inner_text()
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "portal-home-en")
    assert page.console_errors == []


def test_bad_sign_in_keeps_the_username_and_explains(live_server, page_factory, register):
    page = page_factory(390, 844, mobile=True)
    page.goto(f"{live_server}/portal/login")
    page.fill("#login", "13800000001")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit].primary")
    assert page.locator(".error").inner_text() == "用户名或密码错误。"
    assert page.input_value("#login") == "13800000001"
    shot(page, "portal-login-error")


def test_front_desk_searches_units_as_they_type(live_server, page_factory, register):
    page = page_factory()
    sign_in(page, live_server, "staff", "frontdesk")
    shot(page, "staff-home")
    page.locator("#console-nav").get_by_role("link", name="房屋", exact=True).click()
    page.wait_for_url(f"{live_server}/staff/units/")
    assert page.locator("#unit-results tbody tr").count() == 13
    # htmx swaps only the rows (CSRF header, same-origin script, no reload) and pushes the URL.
    page.fill("input[name=q]", "1-1203")
    expect(page.locator("#unit-results tbody tr")).to_have_count(1)
    assert "q=1-1203" in page.url
    assert page.locator("#unit-results").inner_text().count("陈业主") == 1
    shot(page, "staff-units-search")
    page.click("#unit-results a")
    page.wait_for_url("**/staff/units/*")
    assert page.get_by_text("陈小明").is_visible()
    shot(page, "staff-unit")
    assert page.console_errors == []


def test_kiosk_start_screen_in_portrait(live_server, page_factory, register, prop):
    page = page_factory(1080, 1920)
    page.goto(f"{live_server}/kiosk/")
    expect(page.locator(".pairing-code")).to_be_visible()  # not enrolled: the pairing screen only
    shot(page, "kiosk-pairing")
    _kiosk, credential = builders.create_kiosk(prop)
    page.context.add_cookies([{"name": "kiosk_device", "value": credential, "url": f"{live_server}/kiosk/"}])
    page.goto(f"{live_server}/kiosk/")
    assert page.locator("h1").inner_text() == "测试小区"
    assert "陈业主" not in page.content()
    shot(page, "kiosk-portrait")
    assert page.console_errors == []


def test_the_kiosk_warns_after_45_seconds_without_a_touch_and_goes_home_at_60(live_server, page_factory, prop):
    _kiosk, credential = builders.create_kiosk(prop)
    page = page_factory(1080, 1920)
    page.clock.install()
    page.context.add_cookies([{"name": "kiosk_device", "value": credential, "url": f"{live_server}/kiosk/"}])
    page.goto(f"{live_server}/kiosk/?lang=en")
    warning = page.locator("#kiosk-idle")
    expect(warning).to_be_hidden()
    page.clock.run_for(46_000)
    expect(warning).to_be_visible()
    shot(page, "kiosk-idle-warning")
    page.mouse.click(500, 900)  # a touch: the warning goes and the clock starts again
    expect(warning).to_be_hidden()
    with page.expect_navigation():
        page.clock.run_for(61_000)
    assert page.url == f"{live_server}/kiosk/?lang=zh_CN"  # the next person starts in Chinese
    assert page.locator("h2").first.inner_text() == "公告"
    assert page.console_errors == []


def test_the_kiosk_fits_a_landscape_screen_too(live_server, page_factory, prop):
    _kiosk, credential = builders.create_kiosk(prop)
    page = page_factory(1920, 1080)
    page.context.add_cookies([{"name": "kiosk_device", "value": credential, "url": f"{live_server}/kiosk/"}])
    page.goto(f"{live_server}/kiosk/")
    buttons = page.locator(".kiosk-actions .kiosk-button")
    expect(buttons).to_have_count(3)
    for box in (buttons.nth(i).bounding_box() for i in range(3)):
        assert box["height"] >= 80 and box["y"] + box["height"] <= 1080  # touch-sized, on screen without scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    shot(page, "kiosk-landscape")


def focus_ring(page):
    """(style, width in px, alpha) of the focused element's outline."""
    return page.evaluate("""() => {
        const style = getComputedStyle(document.activeElement);
        const alpha = style.outlineColor.startsWith("rgba") ? parseFloat(style.outlineColor.split(",")[3]) : 1;
        return [style.outlineStyle, parseFloat(style.outlineWidth), alpha];
    }""")


def test_the_keyboard_skips_the_menu_and_always_shows_where_it_is(live_server, page_factory, register):
    page = page_factory()
    sign_in(page, live_server, "staff", "frontdesk")
    page.goto(f"{live_server}/staff/")
    page.keyboard.press("Tab")  # the first stop is the skip link, shown while it has the focus
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] > 20
    assert focus_ring(page) == ["solid", 3, 1]
    shot(page, "staff-skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is in the page, not the menu
    assert page.evaluate("!!document.activeElement.closest('main')")
    assert focus_ring(page) == ["solid", 3, 1]  # a ring as visible as the skip link's, not a faint tint
    # On the dark menu too.
    page.locator(".sidebar nav a").first.focus()
    page.keyboard.press("Tab")
    assert focus_ring(page)[0] == "solid"
    assert page.console_errors == []


def test_htmx_adds_no_inline_styles_the_policy_would_refuse(live_server, page_factory, register):
    page = page_factory()
    csp = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and csp.append(msg.text))
    sign_in(page, live_server, "staff", "frontdesk")
    page.goto(f"{live_server}/staff/units/")
    page.fill("input[name=q]", "1-1203")
    expect(page.locator("#unit-results tbody tr")).to_have_count(1)
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert csp == [] and page.console_errors == []


def test_after_a_pickup_lookup_the_cursor_is_on_the_next_field(live_server, page_factory, register, prop):
    from domain.parcels import arrivals
    from extensions import db

    unit = builders.create_unit(number="1204")
    builders.create_parcel(unit, "SF1000000009", shelf="A2")
    code, _expires = arrivals.issue_pickup_code(unit.id)
    db.session.commit()
    label = unit_label(unit.id)
    page = page_factory()
    sign_in(page, live_server, "staff", "frontdesk")
    page.goto(f"{live_server}/staff/parcels/pickup")
    expect(page.locator("#unit_label")).to_be_focused()
    page.keyboard.type(label)
    page.keyboard.press("Tab")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.locator("input[name=parcel_ids]")).to_have_count(1)
    expect(page.locator("#name")).to_be_focused()  # not the page body
    assert page.console_errors == []
