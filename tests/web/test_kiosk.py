"""The kiosk: enrolment by pairing code, the device check on every kiosk route, revocation, and a start screen
with public data only, never cached."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from domain.accounts.roles import Role
from domain.announcements.models import Announcement
from domain.clock import utcnow
from domain.kiosk.models import Kiosk, KioskPairing
from extensions import db
from kiosk import DEVICE_COOKIE
from tests import builders
from tests.builders import shown_at


def pairing_code(client):
    """Open the pairing screen as an unenrolled browser; the code it shows."""
    html = client.get("/kiosk/pair").get_data(as_text=True)
    return re.search(r'class="pairing-code"[^>]*>(\d{3}) (\d{3})<', html).group(1, 2)


def enrol(app, client, prop, name="1号楼大堂"):
    """Enrol `client` as a kiosk through the real flow: code on screen, manager in the console, poll."""
    code = "".join(pairing_code(client))
    manager = app.test_client()
    manager.post(
        "/staff/login", data={"login": builders.create_staff(Role.MANAGER).username, "password": builders.PASSWORD}
    )
    assert manager.post("/staff/kiosks/", data={"code": code, "name": name}).status_code == 303
    response = client.get("/kiosk/pair/status", headers={"HX-Request": "true"})
    assert response.headers.get("HX-Redirect") == "/kiosk/"
    return manager


def desk_alerts(app):
    """The text of the alarms the desk's parcel page shows (in Chinese, the console's default)."""
    desk = app.test_client()
    desk.post(
        "/staff/login", data={"login": builders.create_staff(Role.FRONTDESK).username, "password": builders.PASSWORD}
    )
    html = desk.get("/staff/parcels/").get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", part.split("</div>")[0]) for part in html.split('role="alert"')[1:])


@pytest.fixture
def kiosk_client(app, client, prop):
    """`client`, enrolled as a kiosk."""
    enrol(app, client, prop)
    return client


def test_an_unenrolled_browser_sees_only_the_pairing_screen(client, prop):
    for path in ("/kiosk/", "/kiosk/?lang=en"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"] == "/kiosk/pair"
    html = client.get("/kiosk/pair").get_data(as_text=True)
    assert re.search(r'class="pairing-code"[^>]*>\d{3} \d{3}<', html)
    assert client.get("/kiosk/pair/status", headers={"HX-Request": "true"}).status_code == 204  # still waiting


def test_enrolment_gives_the_kiosk_a_long_credential_it_alone_holds(app, client, prop):
    enrol(app, client, prop)
    cookie = client.get_cookie(DEVICE_COOKIE, path="/kiosk")
    assert cookie is not None and len(cookie.value) >= 60 and cookie.http_only and cookie.same_site == "Strict"
    kiosk = db.session.query(Kiosk).one()
    assert (
        kiosk.name == "1号楼大堂"
        and kiosk.credential_hash != cookie.value
        and cookie.value not in kiosk.credential_hash
    )
    assert db.session.query(KioskPairing).count() == 0
    assert client.get("/kiosk/").status_code == 200


def test_a_wrong_or_expired_code_enrols_nothing(app, client, prop):
    pairing_code(client)
    manager = app.test_client()
    manager.post(
        "/staff/login", data={"login": builders.create_staff(Role.MANAGER).username, "password": builders.PASSWORD}
    )
    response = manager.post("/staff/kiosks/", data={"code": "000000", "name": "大堂"})
    assert response.status_code == 422 and 'value="大堂"' in response.get_data(as_text=True)
    pairing = db.session.query(KioskPairing).one()
    pairing.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert db.session.query(Kiosk).count() == 0
    expired = client.get("/kiosk/pair/status", headers={"HX-Request": "true"})
    assert expired.headers.get("HX-Redirect") == "/kiosk/pair"  # a new code


def test_reloading_the_pairing_screen_reuses_the_browsers_pairing(client, prop):
    codes = {"".join(pairing_code(client)) for _reload in range(10)}
    assert db.session.query(KioskPairing).count() == 1 and len(codes) > 1  # a fresh code, the same row


def test_pending_pairings_are_bounded(app, prop):
    from domain.kiosk.services import MAX_PENDING_PAIRINGS

    for _browser in range(MAX_PENDING_PAIRINGS):
        assert app.test_client().get("/kiosk/pair").status_code == 200
    refused = app.test_client().get("/kiosk/pair")
    assert refused.status_code == 429 and "等待登记的屏幕过多" in refused.get_data(as_text=True)
    assert db.session.query(KioskPairing).count() == MAX_PENDING_PAIRINGS


def test_expired_pairings_make_room_for_new_ones(app, client, prop, clock):
    from domain.kiosk.services import MAX_PENDING_PAIRINGS

    for _browser in range(MAX_PENDING_PAIRINGS):
        app.test_client().get("/kiosk/pair")
    clock.advance(minutes=11)
    assert client.get("/kiosk/pair").status_code == 200
    assert db.session.query(KioskPairing).count() == 1


def test_a_forged_pairing_cookie_gets_a_new_pairing_not_an_error(client, prop):
    for forged in (f"{2**64}.secret", "².secret", "1.", "x"):
        client.set_cookie("kiosk_pairing", forged, path="/kiosk")
        assert client.get("/kiosk/pair").status_code == 200
        status = client.get("/kiosk/pair/status", headers={"HX-Request": "true"})
        assert status.status_code in (200, 204)


def test_another_browser_cannot_collect_the_credential(app, client, prop):
    code = "".join(pairing_code(client))
    manager = app.test_client()
    manager.post(
        "/staff/login", data={"login": builders.create_staff(Role.MANAGER).username, "password": builders.PASSWORD}
    )
    manager.post("/staff/kiosks/", data={"code": code, "name": "大堂"})
    thief = app.test_client()
    pairing = db.session.query(KioskPairing).one()
    thief.set_cookie("kiosk_pairing", f"{pairing.id}.guessed-secret", path="/kiosk")
    response = thief.get("/kiosk/pair/status", headers={"HX-Request": "true"})
    assert (
        thief.get_cookie(DEVICE_COOKIE, path="/kiosk") is None and response.headers.get("HX-Redirect") == "/kiosk/pair"
    )
    assert client.get("/kiosk/pair/status", headers={"HX-Request": "true"}).headers.get("HX-Redirect") == "/kiosk/"


def test_a_revoked_kiosk_is_refused_at_its_next_request(app, client, prop):
    manager = enrol(app, client, prop)
    kiosk = db.session.query(Kiosk).one()
    assert manager.post(f"/staff/kiosks/{kiosk.id}/revoke").status_code == 303
    response = client.get("/kiosk/")
    assert response.status_code == 303 and response.headers["Location"] == "/kiosk/pair"
    assert "1号楼大堂" in manager.get("/staff/kiosks/").get_data(as_text=True)
    # Revoking it again is refused with the reason; an unknown kiosk is a 404 page, not a message.
    again = manager.post(f"/staff/kiosks/{kiosk.id}/revoke", follow_redirects=True)
    assert "该自助机已停用。" in again.get_data(as_text=True)
    assert manager.post("/staff/kiosks/99999/revoke").status_code == 404


def test_every_kiosk_route_checks_the_device(app, client, prop):
    open_routes = {"kiosk.pair", "kiosk.pairing_status", "kiosk.static"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("kiosk.") and rule.endpoint not in open_routes and "GET" in rule.methods:
            url = re.sub(r"<[^>]+>", "1", rule.rule)
            response = client.get(url)
            assert response.status_code == 303 and response.headers["Location"] == "/kiosk/pair", rule.rule


def test_a_kiosk_credential_opens_neither_the_portal_nor_the_console(kiosk_client):
    for path, login in (("/portal/", "/portal/login"), ("/staff/", "/staff/login")):
        response = kiosk_client.get(path)
        assert response.status_code in (302, 303) and login in response.headers["Location"]


def test_kiosk_shows_property_time_and_announcements_but_no_personal_data(kiosk_client, prop):
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, name="隐私姓名", phone="13987654321")
    now = utcnow()
    db.session.add(
        Announcement(
            property_id=prop.id,
            title="公告甲",
            body="内容",
            valid_from=now - timedelta(hours=1),
            valid_until=now + timedelta(hours=1),
        )
    )
    db.session.commit()
    response = kiosk_client.get("/kiosk/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert prop.name in html and "公告甲" in html and prop.service_phone in html
    assert "隐私姓名" not in html and "13987654321" not in html and "1203" not in html
    assert response.headers["Cache-Control"] == "no-store"


def test_kiosk_in_english(kiosk_client):
    html = kiosk_client.get("/kiosk/?lang=en").get_data(as_text=True)
    assert "Announcements" in html and "No announcements" in html


def test_the_console_lists_kiosks_for_the_manager_only(client, auth):
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    assert client.get("/staff/kiosks/").status_code == 403


def test_health_check_answers_without_the_database(client, count_queries):
    with count_queries() as counter:
        response = client.get("/healthz")
    assert response.get_data(as_text=True) == "ok" and counter.count == 0


# Parcel pickup at the kiosk ----------------------------------------------------------------------------------


@pytest.fixture
def waiting_parcels(prop):
    """Two parcels waiting for 1-1203 (shelves A1 and B2) and the owner's live pickup code."""
    from domain.parcels import arrivals

    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, name="隐私姓名", phone="13987654321")
    builders.create_parcel(unit, "SF1111111111", shelf="A1")
    builders.create_parcel(unit, "JD2222222222", shelf="B2")
    code, _expires = arrivals.issue_pickup_code(unit.id)
    db.session.commit()
    return unit, code


def test_a_right_code_at_the_kiosk_shows_the_count_and_shelves_only(app, kiosk_client, waiting_parcels, auth, client):
    unit, code = waiting_parcels
    response = kiosk_client.post("/kiosk/pickup", data={"unit": "1-1203", "code": code})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "A1" in html and "B2" in html
    for private in ("隐私姓名", "13987654321", "SF1111111111", "JD2222222222"):
        assert private not in html
    assert response.headers["Cache-Control"] == "no-store"
    again = kiosk_client.post("/kiosk/pickup", data={"unit": "1-1203", "code": code})
    assert again.status_code == 422  # a code works once
    desk = app.test_client()
    desk.post(
        "/staff/login", data={"login": builders.create_staff(Role.FRONTDESK).username, "password": builders.PASSWORD}
    )
    page = desk.get("/staff/parcels/pickup").get_data(as_text=True)
    assert "1-1203" in page and "1号楼大堂" in page
    from domain.kiosk.models import KioskPickup
    from domain.parcels.models import Parcel, ParcelStatus

    pickup = db.session.query(KioskPickup).one()
    assert (
        desk.post(
            f"/staff/parcels/kiosk-pickups/{pickup.id}",
            data={"recipient": "resident", "name": "隐私姓名", "id_last4": "4321"},
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert {p.status for p in db.session.query(Parcel)} == {ParcelStatus.PICKED_UP}


def test_the_scanned_qr_code_works_at_the_kiosk(kiosk_client, waiting_parcels):
    _unit, code = waiting_parcels
    response = kiosk_client.post("/kiosk/pickup", data={"unit": f"P:1-1203:{code}", "code": ""})
    assert response.status_code == 200 and "B2" in response.get_data(as_text=True)


def test_wrong_codes_slow_a_kiosk_down_and_the_fifth_alarms_the_desk_without_locking_it(
    app, kiosk_client, waiting_parcels, clock
):
    from domain.throttle.models import DeskAlert

    _unit, code = waiting_parcels
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(3):  # the first wrong codes cost nothing
        assert kiosk_client.post("/kiosk/pickup", data={"unit": "1-1203", "code": wrong}).status_code == 422
    slowed = kiosk_client.post("/kiosk/pickup", data={"unit": "1-1203", "code": code})
    html = slowed.get_data(as_text=True)
    assert slowed.status_code == 429 and "请等待 5 秒后再试" in html and 'name="code"' in html  # the keypad stays
    clock.advance(seconds=5)
    assert kiosk_client.post("/kiosk/pickup", data={"unit": "1-1203", "code": wrong}).status_code == 422
    assert "请等待 10 秒" in kiosk_client.post("/kiosk/pickup", data={"unit": "1-1203", "code": wrong}).get_data(
        as_text=True
    )  # the delay doubles
    clock.advance(seconds=10)
    assert kiosk_client.post("/kiosk/pickup", data={"unit": "1-1203", "code": wrong}).status_code == 422
    assert db.session.query(DeskAlert).one().place.startswith("kiosk:")
    alerts = desk_alerts(app)  # the desk reads that the kiosk is slowed down, not locked out for five minutes
    assert "自助机“1号楼大堂”5 分钟内输错取件码 5 次（最后一次为 1-1203）。自助机没有锁定" in alerts
    assert "请看看谁在自助机前" in alerts and "锁定 5 分钟" not in alerts
    clock.advance(seconds=20)  # a delay, not a lock: the right code works once it has passed
    response = kiosk_client.post("/kiosk/pickup", data={"unit": "1-1203", "code": code})
    assert response.status_code == 200 and "B2" in response.get_data(as_text=True)


def test_one_passer_by_cannot_lock_a_kiosk_for_the_next_resident(kiosk_client, waiting_parcels, prop, clock):
    from domain.parcels import arrivals

    neighbour = builders.create_unit(number="0901", floor=9)
    builders.create_parcel(neighbour, "YT3333333333", shelf="C3")
    code, _expires = arrivals.issue_pickup_code(neighbour.id)
    db.session.commit()
    for attempt in range(12):  # a passer-by types twelve wrong codes for made-up units
        clock.advance(minutes=1)
        kiosk_client.post("/kiosk/pickup", data={"unit": f"9-{attempt:04d}", "code": "123456"})
    clock.advance(seconds=60)  # the longest delay: the next resident waits a minute at most, never five
    response = kiosk_client.post("/kiosk/pickup", data={"unit": "1-0901", "code": code})
    assert response.status_code == 200 and "C3" in response.get_data(as_text=True)


def test_wrong_codes_for_one_unit_across_kiosks_and_the_desk_lock_that_unit_everywhere(
    app, kiosk_client, prop, waiting_parcels, clock
):
    from domain.throttle.models import DeskAlert

    unit, code = waiting_parcels
    wrong = "000000" if code != "000000" else "111111"
    other = app.test_client()
    builders.create_kiosk(prop, name="2号楼大堂", client=other)
    desk = app.test_client()
    desk.post(
        "/staff/login", data={"login": builders.create_staff(Role.FRONTDESK).username, "password": builders.PASSWORD}
    )
    for client in (kiosk_client, other, kiosk_client, other, kiosk_client, other, kiosk_client, other, desk, desk):
        clock.advance(minutes=3)
        if client is desk:
            response = desk.post("/staff/parcels/pickup", data={"unit_label": "1-1203", "code": wrong})
        else:
            response = client.post("/kiosk/pickup", data={"unit": "1-1203", "code": wrong})
        assert response.status_code == 422
    alert = db.session.query(DeskAlert).one()  # no single place reached five in five minutes: the unit reached ten
    assert alert.unit_id == unit.id
    alerts = desk_alerts(app)  # the last wrong code at 10:30: the unit is locked until 11:30, the desk included
    assert "一小时内在自助机和前台共输错 1-1203 的取件码 10 次" in alerts
    until = shown_at(clock() + timedelta(hours=1))
    assert f"{until} 前，1-1203 的取件码在各处（包括前台）都不能使用" in alerts
    assert "请致电该户核实" in alerts and "5 分钟" not in alerts
    assert "住户到前台来取件的仍可办理：取件码留空，核对证件与登记信息后交付" in alerts
    clock.advance(minutes=3)
    for client in (kiosk_client, other):
        assert client.post("/kiosk/pickup", data={"unit": "1-1203", "code": code}).status_code == 429
    assert desk.post("/staff/parcels/pickup", data={"unit_label": "1-1203", "code": code}).status_code == 429
    by_id = desk.post("/staff/parcels/pickup", data={"unit_label": "1-1203", "code": ""})  # as the alarm says
    assert by_id.status_code == 200 and "SF1111111111" in by_id.get_data(as_text=True)
    clock.advance(hours=1)  # the lock ends an hour after the last wrong code
    assert kiosk_client.post("/kiosk/pickup", data={"unit": "1-1203", "code": code}).status_code == 200


def test_a_right_code_for_another_unit_is_wrong_at_the_kiosk(kiosk_client, waiting_parcels):
    builders.create_unit(number="0901", floor=9)
    _unit, code = waiting_parcels
    assert kiosk_client.post("/kiosk/pickup", data={"unit": "1-0901", "code": code}).status_code == 422


# Reporting a repair at the kiosk ------------------------------------------------------------------------------


def test_a_lift_repair_at_the_kiosk_enters_engineerings_queue(kiosk_client, prop):
    from domain.tickets.models import Channel, Department, Ticket

    response = kiosk_client.post(
        "/kiosk/repair", data={"where": "public", "place": "lift", "building": "2号楼", "description": "电梯按钮失灵"}
    )
    assert response.status_code == 200
    ticket = db.session.query(Ticket).one()
    assert (ticket.channel, ticket.department, ticket.category, ticket.unit_id) == (
        Channel.KIOSK,
        Department.ENGINEERING,
        "elevator",
        None,
    )
    assert "2号楼" in ticket.location and f"#{ticket.id}" in response.get_data(as_text=True)


def test_a_repair_without_a_description_keeps_what_was_chosen(kiosk_client, prop):
    from domain.tickets.models import Ticket

    response = kiosk_client.post("/kiosk/repair", data={"where": "public", "place": "corridor", "building": "3号楼"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="corridor" checked' in html and 'value="3号楼"' in html
    assert db.session.query(Ticket).count() == 0


def test_a_unit_repair_needs_the_units_phone_digits_and_shows_no_name(kiosk_client, prop):
    from domain.tickets.models import Ticket

    unit = builders.create_unit(number="1203")
    resident = builders.create_resident(prop, unit=unit, name="隐私姓名", phone="13987654321")
    wrong = kiosk_client.post(
        "/kiosk/repair", data={"where": "unit", "unit": "1-1203", "last4": "0000", "description": "水龙头漏水"}
    )
    assert wrong.status_code == 422 and "水龙头漏水" in wrong.get_data(as_text=True)
    right = kiosk_client.post(
        "/kiosk/repair", data={"where": "unit", "unit": "1-1203", "last4": "4321", "description": "水龙头漏水"}
    )
    html = right.get_data(as_text=True)
    assert right.status_code == 200 and "隐私姓名" not in html and "13987654321" not in html
    ticket = db.session.query(Ticket).one()
    assert (ticket.unit_id, ticket.resident_id) == (unit.id, resident.id)


def test_ten_wrong_phone_digits_for_a_unit_lock_it_and_alarm_the_desk(app, kiosk_client, prop, clock):
    from domain.throttle.models import DeskAlert

    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, phone="13987654321")
    for guess in ("0000", "1111", "2222", "3333", "5555", "6666", "7777", "8888", "9999", "0001"):
        clock.advance(seconds=60)  # past each growing delay
        assert (
            kiosk_client.post(
                "/kiosk/repair", data={"where": "unit", "unit": "1-1203", "last4": guess, "description": "x"}
            ).status_code
            == 422
        )
    clock.advance(seconds=60)
    locked = kiosk_client.post(
        "/kiosk/repair", data={"where": "unit", "unit": "1-1203", "last4": "4321", "description": "x"}
    )
    assert locked.status_code == 429
    alerts = db.session.query(DeskAlert).order_by(DeskAlert.id).all()
    assert [(a.scope, a.unit_id) for a in alerts] == [("kiosk_phone", None), ("kiosk_phone", unit.id)]
    shown = desk_alerts(app)  # newest first: the unit's lock, then the kiosk slowed down
    assert shown.index("一小时内在自助机上输错 1-1203 的手机尾号 10 次") < shown.index(
        "自助机“1号楼大堂”5 分钟内输错手机尾号 5 次（最后一次为 1-1203）"
    )
    until = shown_at(clock() - timedelta(seconds=60) + timedelta(hours=1))  # an hour after the last wrong digits
    assert f"{until} 前，各自助机都不再接受 1-1203 的手机尾号" in shown and "到前台缴费或报修" in shown


def test_pay_by_phone_after_wrong_digits_waits_a_little_then_works(kiosk_client, prop, clock):
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, phone="13987654321")
    builders.create_bill(unit, total_fen=22375)
    for guess in ("0000", "1111", "2222"):
        assert kiosk_client.post("/kiosk/pay", data={"unit": "1-1203", "last4": guess}).status_code == 422
    slowed = kiosk_client.post("/kiosk/pay", data={"unit": "1-1203", "last4": "4321"})
    assert slowed.status_code == 429 and 'name="last4"' in slowed.get_data(as_text=True)
    clock.advance(seconds=5)
    assert kiosk_client.post("/kiosk/pay", data={"unit": "1-1203", "last4": "4321"}).status_code == 303


# Paying by phone from the kiosk -------------------------------------------------------------------------------


@pytest.fixture
def unit_owing(prop):
    """1-1203 with two unpaid bills (¥223.75 and ¥268.12) and its owner."""
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, name="隐私姓名", phone="13987654321")
    builders.create_bill(unit, total_fen=22375)
    builders.create_bill(unit, total_fen=26812, period=date(2026, 11, 1), due_date=date(2026, 12, 1))
    return unit


def test_the_kiosk_shows_the_total_and_a_qr_code_that_opens_checkout_on_the_phone(
    app, kiosk_client, unit_owing, stripe_sandbox
):
    import json

    from domain.payments.models import Payment
    from sandbox.stripe_app import pay, pending_events, signed

    response = kiosk_client.post("/kiosk/pay", data={"unit": "1-1203", "last4": "4321"})
    assert response.status_code == 303
    screen_url = response.headers["Location"]
    screen = kiosk_client.get(screen_url).get_data(as_text=True)
    assert "¥491.87" in screen and '<svg class="qr"' in screen
    for private in ("隐私姓名", "13987654321"):
        assert private not in screen
    link = re.search(r"http://localhost(/pay/k/.+)$", screen_url_link(screen)).group(1)
    assert 'hx-trigger="every 2s"' in kiosk_client.get(f"{screen_url}/status").get_data(as_text=True)
    phone = app.test_client()  # the resident's own phone: no sign-in, no kiosk cookie
    opened = phone.get(link)
    assert opened.status_code == 303 and opened.headers["Location"].startswith(stripe_sandbox.url)
    payment = db.session.query(Payment).one()
    assert payment.amount_fen == 49187
    pay(stripe_sandbox.app, payment.provider_session_id)
    body = json.dumps(pending_events(stripe_sandbox.app)[-1]).encode()
    phone.post(
        "/payments/stripe/webhook",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signed(body, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])},
    )
    status = kiosk_client.get(f"{screen_url}/status").get_data(as_text=True)
    assert "kiosk-paid" in status
    assert kiosk_client.get(screen_url).status_code == 404  # the errand is over and forgotten


def screen_url_link(html):
    """The payment link the QR code carries (the page keeps it beside the SVG for the tests)."""
    match = re.search(r'data-pay-link="([^"]+)"', html)
    return match.group(1) if match else ""


def test_the_start_screen_forgets_the_last_persons_errand(kiosk_client, unit_owing):
    screen_url = kiosk_client.post("/kiosk/pay", data={"unit": "1-1203", "last4": "4321"}).headers["Location"]
    assert kiosk_client.get(screen_url).status_code == 200
    kiosk_client.get("/kiosk/")
    assert kiosk_client.get(screen_url).status_code == 404


def test_an_errand_times_out_and_another_kiosk_cannot_see_it(app, kiosk_client, unit_owing, prop):
    from domain.kiosk.models import KioskSession

    screen_url = kiosk_client.post("/kiosk/pay", data={"unit": "1-1203", "last4": "4321"}).headers["Location"]
    other = app.test_client()
    builders.create_kiosk(prop, name="2号楼大堂", client=other)
    assert other.get(screen_url).status_code == 404
    session = db.session.query(KioskSession).one()
    session.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert kiosk_client.get(screen_url).status_code == 404


def test_wrong_phone_digits_show_nothing_and_a_unit_that_owes_nothing_says_so(kiosk_client, unit_owing, prop):
    wrong = kiosk_client.post("/kiosk/pay", data={"unit": "1-1203", "last4": "0000"})
    assert wrong.status_code == 422 and "¥" not in wrong.get_data(as_text=True)
    other = builders.create_unit(number="0901", floor=9)
    builders.create_resident(prop, unit=other, phone="13911112222")
    nothing = kiosk_client.post("/kiosk/pay", data={"unit": "1-0901", "last4": "2222"})
    assert nothing.status_code == 200 and "kiosk-result" in nothing.get_data(as_text=True)


def test_an_expired_or_forged_phone_link_opens_nothing(client, prop):
    assert client.get("/pay/k/forged-link").status_code == 404


def test_phone_digits_typed_full_width_are_read_as_digits(kiosk_client, prop):
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, phone="13987654321")
    response = kiosk_client.post(
        "/kiosk/repair", data={"where": "unit", "unit": "1-1203", "last4": "４３２１", "description": "水龙头漏水"}
    )
    assert response.status_code == 200


def test_the_kiosk_and_the_portal_name_a_bill_alike_on_the_payment_page(
    app, auth, kiosk_client, unit_owing, stripe_sandbox
):
    from domain.billing.models import Bill
    from domain.property.models import Resident
    from sandbox.stripe_app import sandbox_state

    def names_sent():
        """The line items' names of the last Checkout Session opened."""
        opened = [r for r in sandbox_state(stripe_sandbox.app).requests if r["path"] == "/v1/checkout/sessions"]
        return [item["price_data"]["product_data"]["name"] for item in opened[-1]["params"]["line_items"]]

    screen = kiosk_client.get(kiosk_client.post("/kiosk/pay", data={"unit": "1-1203", "last4": "4321"}).location)
    link = re.search(r"http://localhost(/pay/k/.+)$", screen_url_link(screen.get_data(as_text=True))).group(1)
    assert app.test_client().get(link).status_code == 303
    on_the_kiosk = names_sent()
    november = db.session.scalars(select(Bill).where(Bill.period == date(2026, 11, 1))).one()
    resident = app.test_client()
    type(auth)(resident).login_resident(db.session.scalars(select(Resident)).one().user)
    assert resident.post("/portal/bills/pay", data={"bill_ids": [november.id]}).status_code == 303
    assert on_the_kiosk == ["1-1203 2026-10 物业费用", "1-1203 2026-11 物业费用"]
    assert names_sent() == ["1-1203 2026-11 物业费用"]
