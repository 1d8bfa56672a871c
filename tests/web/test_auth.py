"""Signing in and out: one message for every failure, throttling, safe redirects, stale sessions."""

import re

import pytest

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
    strip = lambda r: re.sub(r"[\w.-]{40,}", "TOKEN", r.get_data(as_text=True).replace("ghost", "desk"))  # noqa: E731
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
    codes = [
        client.post("/staff/login", data={"login": f"desk{i}", "password": "wrong-one"}).status_code for i in range(11)
    ]
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
    limits = [
        (path.name, line)
        for path in sources
        for line in path.read_text(encoding="utf-8").splitlines()
        if "limiter.limit(" in line
    ]
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
    response = client.post(
        "/staff/password",
        data={"current_password": builders.PASSWORD, "password": "another-pass-9", "confirm": "another-pass-9"},
    )
    assert response.status_code == 303
    assert client.get("/staff/").status_code == 200
    assert other_device.get("/staff/").status_code in (302, 303)


def test_password_form_bad_input_keeps_nothing_and_says_why(client, auth):
    user = builders.create_staff(Role.FRONTDESK)
    auth.login_staff(user)
    html = client.post(
        "/staff/password", data={"current_password": "wrong", "password": "another-pass-9", "confirm": "another-pass-9"}
    ).get_data(as_text=True)
    assert "当前密码不正确" in html
    html = client.post(
        "/staff/password",
        data={"current_password": builders.PASSWORD, "password": "another-pass-9", "confirm": "different-9"},
    ).get_data(as_text=True)
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


def test_an_unknown_name_costs_one_password_hash_like_a_known_one(client, prop, monkeypatch):
    """Timing: before, an unknown name hashed twice (the dummy hash was made on every attempt)."""
    import werkzeug.security

    builders.create_staff(Role.FRONTDESK, username="desk")
    builders.create_resident(prop, phone="13911112222")
    client.post("/staff/login", data={"login": "warm-up", "password": "whatever-1"})  # the dummy is made once
    calls = []
    real = werkzeug.security._hash_internal
    monkeypatch.setattr(werkzeug.security, "_hash_internal", lambda *a, **k: calls.append(1) or real(*a, **k))

    def hashes(area, login):
        calls.clear()
        assert client.post(f"/{area}/login", data={"login": login, "password": "wrong-pass-7"}).status_code == 200
        return len(calls)

    assert hashes("staff", "desk") == hashes("staff", "ghost") == hashes("staff", "ghost2") == 1
    assert hashes("portal", "13911112222") == hashes("portal", "13900000000") == 1


def test_an_account_is_locked_after_five_wrong_passwords_from_any_addresses(client, clock):
    from domain.audit.models import AuditEntry

    builders.create_staff(Role.FRONTDESK, username="desk")
    for i in range(5):
        response = client.post(
            "/staff/login",
            data={"login": "desk", "password": "wrong-one"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{i}"},
        )
        assert response.status_code == 200
    right = {"login": "DESK", "password": builders.PASSWORD}
    locked = client.post("/staff/login", data=right, environ_base={"REMOTE_ADDR": "198.51.100.99"})
    assert locked.status_code == 429 and "登录失败次数过多" in locked.get_data(as_text=True)
    assert db.session.query(AuditEntry).filter_by(action="account.sign_in_failed").count() == 5
    assert db.session.query(AuditEntry).filter_by(action="account.lockout").count() == 1
    clock.advance(minutes=6)
    assert client.post("/staff/login", data=right).status_code == 303


def test_an_unknown_name_is_locked_like_a_known_one(client):
    """A lock-out would otherwise tell which names exist."""
    builders.create_staff(Role.FRONTDESK, username="desk")
    answers = {}
    for name, address in (("desk", "198.51.100.1"), ("ghost", "198.51.100.2")):  # under the per-address limit
        for _ in range(5):
            client.post(
                "/staff/login", data={"login": name, "password": "wrong-one"}, environ_base={"REMOTE_ADDR": address}
            )
        response = client.post(
            "/staff/login", data={"login": name, "password": "wrong-one"}, environ_base={"REMOTE_ADDR": address}
        )
        answers[name] = (response.status_code, re.sub(r'[\w.-]{40,}|value="\w+"', "", response.get_data(as_text=True)))
    assert answers["desk"] == answers["ghost"] and answers["desk"][0] == 429


def test_sign_in_failure_lock_out_and_sign_out_are_in_the_audit_log(client, prop):
    from domain.audit.models import AuditEntry

    resident = builders.create_resident(prop)
    client.post(
        "/portal/login",
        data={"login": resident.user.username, "password": "wrong-one"},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    client.post("/portal/login", data={"login": "nobody-here", "password": "wrong-one"})
    client.post(
        "/portal/login",
        data={"login": resident.user.username, "password": builders.PASSWORD, "remember": "y"},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    client.post("/portal/logout", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    entries = db.session.query(AuditEntry).order_by(AuditEntry.id).all()
    assert [e.action for e in entries] == [
        "account.sign_in_failed",
        "account.sign_in_failed",
        "account.sign_in",
        "account.sign_out",
    ]
    failed, unknown, signed_in, signed_out = entries
    assert failed.object_id == resident.user_id and failed.source == "203.0.113.7" and failed.actor_id is None
    assert unknown.object_id is None and "nobody-here" not in unknown.summary + unknown.actor_name
    assert signed_in.actor_id == resident.user_id and signed_in.source == "203.0.113.7"
    assert signed_out.actor_id == resident.user_id and "wrong-one" not in str([e.summary for e in entries])


def test_the_current_password_check_is_throttled_per_account(client, auth):
    user = builders.create_staff(Role.FRONTDESK)
    auth.login_staff(user)
    wrong = {"current_password": "not-it-at-all", "password": "another-pass-9", "confirm": "another-pass-9"}
    for _ in range(5):
        assert client.post("/staff/password", data=wrong).status_code == 200
    right = {**wrong, "current_password": builders.PASSWORD}
    response = client.post("/staff/password", data=right)
    assert response.status_code == 429 and "密码错误次数过多" in response.get_data(as_text=True)
    db.session.refresh(user)
    from domain.accounts.services import check_password

    assert check_password(user.password_hash, builders.PASSWORD)  # nothing changed


@pytest.mark.parametrize(
    "evil",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "/staff/\r\nSet-Cookie: x=1",
        "/staff/\x00",
        "/staff/\x7f",
        " //evil.example",
    ],
)
def test_next_with_control_characters_never_fails_nor_leaves_the_site(client, evil):
    builders.create_staff(Role.MANAGER, username="boss")
    assert client.get("/staff/login", query_string={"next": evil}).status_code == 200
    response = client.post("/staff/login", data={"login": "boss", "password": builders.PASSWORD, "next": evil})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"


def test_a_signed_out_request_with_control_characters_comes_back_safely(client):
    builders.create_staff(Role.MANAGER, username="boss")
    response = client.get("/staff/units/%0d%0a/x")
    assert response.status_code in (302, 303, 404)
    if response.status_code != 404:
        nxt = response.headers["Location"]
        assert client.get(nxt).status_code == 200


def test_behind_the_trusted_proxy_the_throttle_and_the_audit_log_see_the_client(app):
    from app import create_app
    from domain.audit.models import AuditEntry
    from tests.conftest import SuiteConfig

    class Proxied(SuiteConfig):
        TRUSTED_PROXIES = 1

    proxied_app = create_app(Proxied)
    proxied = proxied_app.test_client()
    builders.create_staff(Role.FRONTDESK, username="desk")
    via_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The client adds a forged hop; only the one the proxy appended counts.
    headers = {"X-Forwarded-For": "192.0.2.1, 203.0.113.50"}
    codes = [
        proxied.post(
            "/staff/login", data={"login": f"n{i}", "password": "wrong-one"}, headers=headers, environ_base=via_proxy
        ).status_code
        for i in range(11)
    ]
    assert codes[-1] == 429  # that client is limited ...
    other = proxied.post(
        "/staff/login",
        data={"login": "desk", "password": builders.PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.51"},
        environ_base=via_proxy,
    )
    assert other.status_code == 303  # ... another behind the same proxy is not
    sources = {e.source for e in db.session.query(AuditEntry)}
    assert sources == {"203.0.113.50", "203.0.113.51"}
    with proxied_app.app_context():
        db.engine.dispose()  # its own pool: close it now, not when the collector finds it


def test_without_trusted_proxies_forwarded_headers_are_ignored(client):
    from domain.audit.models import AuditEntry

    client.post(
        "/staff/login", data={"login": "x-name", "password": "wrong-one"}, headers={"X-Forwarded-For": "192.0.2.1"}
    )
    assert db.session.query(AuditEntry).one().source == "127.0.0.1"
