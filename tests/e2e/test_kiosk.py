"""The lobby kiosk at 1080x1920: pairing, then a parcel pickup typed on the on-screen keypad, in Chromium."""

import pytest
from playwright.sync_api import expect

from domain.accounts.roles import Role
from domain.parcels import arrivals
from extensions import db
from tests import builders
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def test_a_resident_picks_up_parcels_at_the_kiosk_with_the_keypad(live_server, page_factory, prop):
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000001")
    builders.create_parcel(unit, "SF1111111111", shelf="A1")
    builders.create_parcel(unit, "JD2222222222", shelf="B2")
    builders.create_parcel(unit, "YT3333333333", shelf="")  # logged without a shelf
    code, _expires = arrivals.issue_pickup_code(unit.id)
    db.session.commit()
    _kiosk, credential = builders.create_kiosk(prop, name="1号楼大堂")

    page = page_factory(1080, 1920)
    page.context.add_cookies([{"name": "kiosk_device", "value": credential, "url": f"{live_server}/kiosk/"}])
    page.goto(f"{live_server}/kiosk/")
    shot(page, "kiosk-start")
    page.click("a[href='/kiosk/pickup']")
    # Touching the fields must not raise the device's own keyboard over the on-screen keypad.
    assert page.locator("#unit").get_attribute("inputmode") == "none"
    assert page.locator("#code").get_attribute("inputmode") == "none"
    page.click("#unit")
    for key in "1-1203":
        page.click(f"[data-key='{key}']")
    page.click("#code")
    for key in code:
        page.click(f"[data-key='{key}']")
    expect(page.locator("#unit")).to_have_value("1-1203")
    expect(page.locator("#code")).to_have_value(code)
    # Portrait: the keypad's keys use the height of the screen, and the whole form fits without scrolling.
    keypad = page.locator(".keypad").bounding_box()
    submit = page.locator("form.kiosk-form button[type=submit]").bounding_box()
    assert keypad["height"] >= 0.35 * 1920 and page.locator(".keypad-key").first.bounding_box()["height"] >= 150
    assert submit["y"] + submit["height"] <= 1920
    shot(page, "kiosk-pickup-keypad")
    page.click("form.kiosk-form button[type=submit]")
    expect(page.locator(".kiosk-big")).to_contain_text("3")
    # The shelves the desk typed, and no others: the parcel without a shelf adds none.
    expect(page.locator(".kiosk-result .kiosk-sub").first).to_have_text("货架：A1, B2")
    content = page.content()
    assert "陈业主" not in content and "SF1111111111" not in content and "13800000001" not in content
    shot(page, "kiosk-pickup-done")
    page.go_back()  # Back shows an empty keypad, not the last person's entry
    expect(page.locator("#code")).to_have_value("")
    assert page.console_errors == []

    # The desk sees the pickup with what to hand over: each parcel and its shelf.
    builders.create_staff(Role.FRONTDESK, username="frontdesk")
    desk = page_factory()
    sign_in(desk, live_server, "staff", "frontdesk")
    desk.goto(f"{live_server}/staff/parcels/pickup")
    panel = desk.locator(".kiosk-pickup")
    expect(panel).to_contain_text("1号楼大堂")
    expect(panel.locator(".kiosk-pickup-parcels li")).to_have_count(3)
    expect(panel).to_contain_text("SF1111111111")
    expect(panel).to_contain_text("货架 A1")
    expect(panel).to_contain_text("货架 B2")
    shot(desk, "staff-kiosk-pickup")
    assert desk.console_errors == []


def test_a_resident_pays_from_the_kiosk_on_their_phone_and_reports_a_lift_repair(
    live_server, page_factory, payments_live, prop
):
    from datetime import date

    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000001")
    builders.create_bill(unit, total_fen=22375)
    builders.create_bill(unit, total_fen=26812, period=date(2026, 11, 1), due_date=date(2026, 12, 1))
    _kiosk, credential = builders.create_kiosk(prop, name="1号楼大堂")

    kiosk = page_factory(1080, 1920)
    kiosk.context.add_cookies([{"name": "kiosk_device", "value": credential, "url": f"{live_server}/kiosk/"}])
    kiosk.goto(f"{live_server}/kiosk/")
    kiosk.click("a[href='/kiosk/pay']")
    kiosk.click("#unit")
    for key in "1-1203":
        kiosk.click(f"[data-key='{key}']")
    kiosk.click("#last4")
    for key in "0001":
        kiosk.click(f"[data-key='{key}']")
    kiosk.click("form.kiosk-form button[type=submit]")
    expect(kiosk.locator(".kiosk-big")).to_have_text("¥491.87")
    expect(kiosk.locator(".kiosk-qr svg.qr")).to_be_visible()
    assert "陈业主" not in kiosk.content() and "13800000001" not in kiosk.content()
    shot(kiosk, "kiosk-pay-qr")
    link = kiosk.locator(".kiosk-qr").get_attribute("data-pay-link")

    phone = page_factory(390, 844, mobile=True)  # the resident's own phone scans the code
    phone.goto(link)
    phone.wait_for_url(f"{payments_live.url}/pay/**")
    phone.locator("input[value=alipay]").check()
    phone.locator("button[value=pay]").click()
    phone.wait_for_url(f"{live_server}/pay/k/done")
    expect(kiosk.locator(".kiosk-paid")).to_be_visible(timeout=10_000)  # the kiosk follows the payment
    shot(kiosk, "kiosk-pay-paid")

    kiosk.click(".kiosk-paid a")
    kiosk.click("a[href='/kiosk/repair']")
    kiosk.click("label.kiosk-choice:has(input[value=lift])")
    kiosk.fill("#building", "2号楼")
    kiosk.fill("#description", "西侧电梯按钮失灵。")
    shot(kiosk, "kiosk-repair")
    kiosk.click("form.kiosk-form button[type=submit]")
    expect(kiosk.locator(".kiosk-big")).to_be_visible()
    shot(kiosk, "kiosk-repair-done")
    from domain.tickets.models import Channel, Ticket

    db.session.expire_all()
    ticket = db.session.query(Ticket).one()
    assert ticket.channel == Channel.KIOSK and ticket.category == "elevator"
    assert kiosk.console_errors == [] and phone.console_errors == []


@pytest.mark.parametrize("path", ["pickup", "pay", "repair?where=unit", "repair?where=public"])
def test_every_kiosk_form_fits_the_portrait_screen(live_server, page_factory, prop, path):
    _kiosk, credential = builders.create_kiosk(prop)
    page = page_factory(1080, 1920)
    page.context.add_cookies([{"name": "kiosk_device", "value": credential, "url": f"{live_server}/kiosk/"}])
    page.goto(f"{live_server}/kiosk/{path}")
    submit = page.locator("form.kiosk-form button[type=submit]").bounding_box()
    assert submit["y"] + submit["height"] <= 1920 and submit["height"] >= 80  # touch-sized, no scrolling to it
    assert page.evaluate("document.documentElement.scrollWidth") <= 1080
    for field in page.locator("[data-keypad-target]").all():
        assert field.get_attribute("inputmode") == "none"  # the keypad types, not the device's keyboard
    shot(page, "kiosk-portrait-" + path.replace("?where=", "-"))
    assert page.console_errors == []


def test_wrong_codes_at_the_kiosk_ask_the_next_person_to_wait_a_few_seconds_not_minutes(
    live_server, page_factory, prop
):
    unit = builders.create_unit(number="1203")
    builders.create_parcel(unit, "SF1111111111", shelf="A1")
    code, _expires = arrivals.issue_pickup_code(unit.id)
    db.session.commit()
    wrong = "000000" if code != "000000" else "111111"
    _kiosk, credential = builders.create_kiosk(prop, name="1号楼大堂")

    page = page_factory(1080, 1920)
    page.context.add_cookies([{"name": "kiosk_device", "value": credential, "url": f"{live_server}/kiosk/"}])
    for _attempt in range(4):
        page.goto(f"{live_server}/kiosk/pickup")
        page.fill("#unit", "1-1203")
        page.fill("#code", wrong)
        page.click("form.kiosk-form button[type=submit]")
    expect(page.locator(".kiosk-alert")).to_contain_text("请等待 5 秒后再试")
    expect(page.locator("#code")).to_be_visible()  # the keypad stays for the next try
    shot(page, "kiosk-pickup-wait")
    page.expect_status(422, 429)  # three wrong codes refused, then the wait: answered on purpose
    assert page.console_errors == []


def test_a_passer_by_answers_the_lobby_survey_at_the_kiosk_by_touch(live_server, page_factory, prop):
    from domain.accounts.models import Actor
    from domain.surveys import services
    from domain.surveys.models import SurveyAnswer
    from tests.survey_builders import create_survey

    survey, questions = create_survey(prop, open_it=False, title="大堂服务小调查")
    survey.shown_on_kiosk = True
    services.open_survey(Actor.system("test"), survey, tell=False)
    db.session.commit()
    _kiosk, credential = builders.create_kiosk(prop, name="1号楼大堂")
    single, multiple, scale, _text = questions

    page = page_factory(1080, 1920)
    page.context.add_cookies([{"name": "kiosk_device", "value": credential, "url": f"{live_server}/kiosk/"}])
    page.goto(f"{live_server}/kiosk/")
    shot(page, "kiosk-survey-start")
    page.click(".kiosk-survey-tile")
    page.click(f"label:has(input[name='q{single.id}'][value='0'])")
    page.click(f"label:has(input[name='q{multiple.id}'][value='2'])")
    page.expect_status(422)
    page.click("form.kiosk-survey button[type=submit]")
    # The scale was left out: the choices made stay, and the question says so.
    expect(page.locator(f"#q{scale.id}-error")).to_be_visible()
    expect(page.locator(f"input[name='q{single.id}'][value='0']")).to_be_checked()
    expect(page.locator(f"input[name='q{multiple.id}'][value='2']")).to_be_checked()
    # Each answer is a big touch target.
    assert page.locator(f"label:has(input[name='q{scale.id}'][value='4'])").bounding_box()["height"] >= 60
    shot(page, "kiosk-survey")
    page.click(f"label:has(input[name='q{scale.id}'][value='4'])")
    page.click("form.kiosk-survey button[type=submit]")
    expect(page.locator(".kiosk-big")).to_be_visible()
    shot(page, "kiosk-survey-done")
    page.click(".kiosk-result a.kiosk-button")
    page.wait_for_url(f"{live_server}/kiosk/")
    assert db.session.query(SurveyAnswer).filter_by(from_kiosk=True, resident_id=None, unit_id=None).count() == 3
