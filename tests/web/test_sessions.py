"""Sign-ins kept on the server: logout ends them, timeouts, remember-me tokens, the signed-in devices page."""

import hashlib

import pytest
from sqlalchemy import select

from domain.accounts.models import SignIn
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from extensions import db
from tests import builders


def sign_in(client, area, user, remember=False, password=builders.PASSWORD, **headers):
    """Post the login form of `area`; returns the response (303 on success)."""
    data = {"login": user.username, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post(f"/{area}/login", data=data, headers=headers)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return response


def signed_in(client, url):
    """Whether `client` may open `url` (a login redirect means no)."""
    response = client.get(url)
    assert response.status_code in (200, 302, 303), response.status_code
    return response.status_code == 200


def copy_cookie(source, target, name):
    """Give `target` the cookie `name` that `source` holds, as a thief who captured it would."""
    cookie = source.get_cookie(name)
    assert cookie is not None, name
    target.set_cookie(name, cookie.value)


@pytest.fixture
def desk():
    return builders.create_staff(Role.FRONTDESK, username="desk")


def test_a_session_cookie_captured_before_logout_is_refused_after_it(app, client, desk):
    sign_in(client, "staff", desk)
    thief = app.test_client()
    copy_cookie(client, thief, "session")
    assert signed_in(thief, "/staff/")  # the copy works while the sign-in lasts
    assert client.post("/staff/logout").status_code == 303
    assert not signed_in(thief, "/staff/")
    assert not signed_in(client, "/staff/")


def test_a_remember_cookie_captured_before_logout_is_refused_after_it(app, client, prop):
    resident = builders.create_resident(prop)
    sign_in(client, "portal", resident.user, remember=True)
    thief = app.test_client()
    copy_cookie(client, thief, "remember_token")
    assert signed_in(thief, "/portal/")  # a remember cookie alone signs in
    client.post("/portal/logout")
    fresh = app.test_client()
    copy_cookie(thief, fresh, "remember_token")
    assert not signed_in(fresh, "/portal/")


def test_remember_tokens_are_random_per_sign_in_and_stored_hashed(app, prop):
    resident = builders.create_resident(prop)
    first, second = app.test_client(), app.test_client()
    sign_in(first, "portal", resident.user, remember=True)
    sign_in(second, "portal", resident.user, remember=True)
    tokens = [c.get_cookie("remember_token").value.split("|")[0] for c in (first, second)]
    assert tokens[0] != tokens[1] and min(len(t) for t in tokens) >= 40
    stored = set(db.session.scalars(select(SignIn.token_hash)))
    assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    assert not stored & set(tokens)


def test_staff_are_signed_out_after_30_minutes_without_a_request(client, clock, desk):
    sign_in(client, "staff", desk)
    clock.advance(minutes=29)
    assert signed_in(client, "/staff/")
    clock.advance(minutes=29)  # 58 minutes in, but only 29 since the last request
    assert signed_in(client, "/staff/")
    clock.advance(minutes=31)
    response = client.get("/staff/", follow_redirects=True)
    assert "/staff/login" in response.request.path
    assert "长时间未操作" in response.get_data(as_text=True)


def test_residents_are_signed_out_after_two_hours_without_a_request(client, clock, prop):
    resident = builders.create_resident(prop)
    sign_in(client, "portal", resident.user)
    clock.advance(minutes=119)
    assert signed_in(client, "/portal/")
    clock.advance(minutes=121)
    assert not signed_in(client, "/portal/")


def test_a_staff_sign_in_ends_after_its_shift_however_active(client, clock, desk):
    sign_in(client, "staff", desk)
    for _ in range(35):  # a request every 20 minutes for 11 h 40 min
        clock.advance(minutes=20)
        assert signed_in(client, "/staff/")
    clock.advance(minutes=21)
    assert not signed_in(client, "/staff/")


def test_a_residents_keep_me_signed_in_survives_idleness_but_not_thirty_days(app, client, clock, prop):
    resident = builders.create_resident(prop)
    sign_in(client, "portal", resident.user, remember=True)
    clock.advance(days=3)
    assert signed_in(client, "/portal/")
    clock.advance(days=27, minutes=1)
    assert not signed_in(client, "/portal/")


def test_last_seen_is_written_at_most_once_a_minute(client, clock, count_queries, desk):
    sign_in(client, "staff", desk)

    def writes():
        with count_queries() as counter:
            assert client.get("/staff/").status_code == 200
        return sum(1 for s in counter.statements if s.lstrip().upper().startswith("UPDATE"))

    clock.advance(seconds=30)
    assert writes() == 0 and writes() == 0
    clock.advance(seconds=31)
    assert writes() == 1 and writes() == 0
    row = db.session.scalars(select(SignIn)).one()
    assert row.last_seen_at == clock.at


def test_signed_in_devices_lists_each_sign_in_and_signs_one_out(app, client, desk):
    sign_in(client, "staff", desk, **{"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Safari/537.36"})
    phone = app.test_client()
    sign_in(phone, "staff", desk, **{"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1"})
    html = client.get("/staff/devices").get_data(as_text=True)
    assert "Chrome · Windows" in html and "Safari · iPhone" in html and html.count("本设备") == 1
    other = db.session.scalars(select(SignIn).where(SignIn.user_agent.contains("iPhone"))).one()
    assert client.post(f"/staff/devices/{other.id}/sign-out").status_code == 303
    assert not signed_in(phone, "/staff/")
    assert signed_in(client, "/staff/")
    assert db.session.query(AuditEntry).filter_by(action="account.sign_out_device", object_id=other.id).count() == 1


def test_a_resident_cannot_sign_out_a_neighbours_device(app, client, prop):
    me, neighbour = builders.create_resident(prop), builders.create_resident(prop)
    sign_in(client, "portal", me.user)
    theirs = app.test_client()
    sign_in(theirs, "portal", neighbour.user)
    their_sign_in = db.session.scalars(select(SignIn).where(SignIn.user_id == neighbour.user_id)).one()
    assert client.post(f"/portal/devices/{their_sign_in.id}/sign-out").status_code == 404
    assert signed_in(theirs, "/portal/")
    assert neighbour.user.username not in client.get("/portal/devices").get_data(as_text=True)


def test_sign_out_everywhere_ends_every_sign_in_of_the_account_only(app, client, prop):
    me, neighbour = builders.create_resident(prop), builders.create_resident(prop)
    sign_in(client, "portal", me.user)
    my_phone, theirs = app.test_client(), app.test_client()
    sign_in(my_phone, "portal", me.user, remember=True)
    sign_in(theirs, "portal", neighbour.user)
    response = client.post("/portal/devices/sign-out-all", follow_redirects=True)
    assert "/portal/login" in response.request.path and "所有设备" in response.get_data(as_text=True)
    assert not signed_in(client, "/portal/") and not signed_in(my_phone, "/portal/")
    assert signed_in(theirs, "/portal/")


def test_signing_out_one_own_current_device_signs_out_here(client, desk):
    sign_in(client, "staff", desk)
    mine = db.session.scalars(select(SignIn)).one()
    response = client.post(f"/staff/devices/{mine.id}/sign-out", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/staff/login"
    assert not signed_in(client, "/staff/")


def test_a_session_from_before_signing_in_is_not_kept(client, desk):
    """No session fixation: what the browser's session held before signing in is gone after it."""
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["lang"] = "en"
    sign_in(client, "staff", desk)
    with client.session_transaction() as session:
        assert "planted" not in session and session["lang"] == "en"


def test_password_change_ends_other_sign_ins_and_keeps_this_one(app, client, desk):
    sign_in(client, "staff", desk)
    other = app.test_client()
    sign_in(other, "staff", desk, remember=True)
    response = client.post(
        "/staff/password",
        data={"current_password": builders.PASSWORD, "password": "another-pass-9", "confirm": "another-pass-9"},
    )
    assert response.status_code == 303
    assert signed_in(client, "/staff/") and not signed_in(other, "/staff/")


def test_sign_ins_that_ended_long_ago_are_deleted_at_the_next_sign_in(app, client, clock, desk):
    sign_in(client, "staff", desk)
    clock.advance(days=31)
    sign_in(app.test_client(), "staff", desk)
    assert db.session.query(SignIn).count() == 1
