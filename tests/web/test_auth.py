"""Signing in and out: one message for every failure, throttling, safe redirects, stale sessions."""

import re

from domain.accounts.roles import Role
from extensions import db
from tests import builders


def test_staff_sign_in_goes_to_the_console(client):
    builders.create_staff(Role.FRONTDESK, username="desk")
    response = client.post("/staff/login", data={"login": "desk", "password": builders.PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"


def test_unknown_user_and_wrong_password_get_the_same_answer(client):
    builders.create_staff(Role.FRONTDESK, username="desk")
    wrong = client.post("/staff/login", data={"login": "desk", "password": "nope-nope"})
    unknown = client.post("/staff/login", data={"login": "ghost", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 200
    # CSRF tokens carry a timestamp: two requests a second apart differ there and nowhere else.
    strip = lambda r: re.sub(r'[\w.-]{40,}', "TOKEN", r.get_data(as_text=True).replace("ghost", "desk"))  # noqa: E731
    assert strip(wrong) == strip(unknown)
    assert "用户名或密码错误" in wrong.get_data(as_text=True)


def test_login_form_keeps_the_username_but_not_the_password(client):
    response = client.post("/staff/login", data={"login": "desk", "password": "typed-secret"})
    html = response.get_data(as_text=True)
    assert 'value="desk"' in html and "typed-secret" not in html


def test_empty_login_form_explains_what_is_missing(client):
    html = client.post("/portal/login", data={"login": "", "password": ""}).get_data(as_text=True)
    assert html.count('class="error"') == 2


def test_next_goes_only_to_our_own_paths(client):
    builders.create_staff(Role.MANAGER, username="boss")
    ok = client.post("/staff/login", data={"login": "boss", "password": builders.PASSWORD, "next": "/staff/audit"})
    assert ok.headers["Location"] == "/staff/audit"
    client.post("/staff/logout")
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        response = client.post("/staff/login", data={"login": "boss", "password": builders.PASSWORD, "next": evil})
        assert response.headers["Location"] == "/staff/", evil
        client.post("/staff/logout")


def test_login_is_throttled_per_client(client):
    builders.create_staff(Role.FRONTDESK, username="desk")
    # Ten names, so that the per-account lock-out (five wrong passwords for one name) does not answer first.
    codes = [client.post("/staff/login", data={"login": f"desk{i}", "password": "wrong-one"}).status_code for i in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    # Even the right password is refused until the window passes.
    assert client.post("/staff/login", data={"login": "desk", "password": builders.PASSWORD}).status_code == 429
    # The limit is on signing in: the form itself still opens.
    assert client.get("/staff/login").status_code == 200


def test_every_rate_limit_is_on_post_because_page_reads_skip_the_limiter(app):
    """extensions.py lets GET, HEAD and OPTIONS skip Flask-Limiter entirely; a limit on a read would be ignored."""
    from config import BASE_DIR
    from extensions import limiter

    # No default or application-wide limit: those would be meant for page reads too, which skip the limiter.
    assert not limiter.limit_manager.default_limits and not limiter.limit_manager.application_limits
    sources = [path for area in ("portal", "staff", "kiosk", "web") for path in (BASE_DIR / area).rglob("*.py")]
    limits = [(path.name, line) for path in sources for line in path.read_text(encoding="utf-8").splitlines()
              if "limiter.limit(" in line]
    assert limits, "the sign-in limits were not found: this check reads the wrong files"
    for name, line in limits:
        assert 'methods=["POST"]' in line, f"{name}: {line.strip()}"


def test_resident_signs_in_with_phone_and_out_again(client, prop):
    resident = builders.create_resident(prop, phone="13911112222")
    response = client.post("/portal/login", data={"login": "13911112222", "password": builders.PASSWORD})
    assert response.headers["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    client.post("/portal/logout")
    assert client.get("/portal/").status_code in (302, 303)
    assert resident.user.last_login_at is not None


def test_staff_account_cannot_sign_in_to_the_portal(client):
    builders.create_staff(Role.MANAGER, username="boss")
    response = client.post("/portal/login", data={"login": "boss", "password": builders.PASSWORD})
    assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)


def test_changing_the_password_ends_other_sessions(app, client, auth):
    user = builders.create_staff(Role.FRONTDESK)
    other_device = app.test_client()
    AuthLogin = type(auth)
    AuthLogin(other_device).login_staff(user)
    auth.login_staff(user)
    response = client.post("/staff/password", data={"current_password": builders.PASSWORD, "password": "another-pass-9", "confirm": "another-pass-9"})
    assert response.status_code == 303
    assert client.get("/staff/").status_code == 200
    assert other_device.get("/staff/").status_code in (302, 303)


def test_password_form_bad_input_keeps_nothing_and_says_why(client, auth):
    user = builders.create_staff(Role.FRONTDESK)
    auth.login_staff(user)
    html = client.post("/staff/password", data={"current_password": "wrong", "password": "another-pass-9", "confirm": "another-pass-9"}).get_data(as_text=True)
    assert "当前密码不正确" in html
    html = client.post("/staff/password", data={"current_password": builders.PASSWORD, "password": "another-pass-9", "confirm": "different-9"}).get_data(as_text=True)
    assert "两次输入的密码不一致" in html
    db.session.refresh(user)
    assert client.post("/staff/logout").status_code == 303
    auth.login_staff(user)  # the old password still works: nothing was saved


def test_disabled_staff_is_signed_out_at_the_next_request(client, auth):
    user = builders.create_staff(Role.FRONTDESK)
    auth.login_staff(user)
    user.is_active = False
    db.session.commit()
    assert client.get("/staff/").status_code in (302, 303)


def test_signed_out_get_comes_back_after_sign_in_but_a_post_does_not(client):
    assert client.get("/staff/units/?q=12").headers["Location"] == "/staff/login?next=/staff/units/?q%3D12"
    assert client.post("/staff/units/new").headers["Location"] == "/staff/login"
