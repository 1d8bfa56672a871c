"""Headers, cookies, production settings, error pages and CSRF."""

import pytest

from app import InsecureConfiguration, create_app
from config import ProdConfig, TestConfig
from domain.accounts.roles import Role
from tests import builders
from web.downloads import PRIVATE_CACHE


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/portal/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.get_data(as_text=True)
    assert "<script>" not in html and "https://" not in html  # no inline script, no CDN
    assert "/static/vendor/htmx.min.js" in html


def test_session_cookie_is_httponly_and_samesite(client):
    builders.create_staff(Role.FRONTDESK, username="desk")
    response = client.post("/staff/login", data={"login": "desk", "password": builders.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_the_default_secret_key(monkeypatch):
    class Prod(ProdConfig):
        SECRET_KEY = "dev-only-change-me"
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    with pytest.raises(InsecureConfiguration):
        create_app(Prod)

    class ProdOk(Prod):
        SECRET_KEY = "a-long-random-value-from-the-environment"
        ID_NUMBER_KEY = "x" * 43 + "="

    app = create_app(ProdOk)
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("url, code", [("/no/such/page", 404), ("/staff/units/999999", 404)])
def test_error_pages_are_translated_and_leak_nothing(client, auth, url, code):
    auth.login_staff(builders.create_staff(Role.MANAGER))
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert "<h1>页面不存在</h1>" in html  # the translated title, not Werkzeug's English page
    assert "Traceback" not in html and "Not Found" not in html


def test_method_not_allowed_page(client):
    assert client.put("/portal/login").status_code == 405


def test_server_errors_show_a_friendly_page_without_details(app, monkeypatch):
    class Quiet(TestConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"  # these requests never reach the database
        TESTING = False

    broken = create_app(Quiet)
    monkeypatch.setattr(broken.logger, "disabled", True)  # every app's logger is logging's "app": put it back

    @broken.get("/__boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = broken.test_client().get("/__boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "secret internal detail" not in html and "出错" in html


def test_upload_over_the_limit_is_refused_with_413(client, auth):
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    big = b"x" * (65 * 1024 * 1024)
    response = client.post("/staff/import", data=big, content_type="text/csv")
    assert response.status_code == 413


@pytest.fixture
def csrf_client():
    """A client of an app with CSRF checks on, as in production (these requests never reach the database)."""

    class CsrfOn(TestConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    return create_app(CsrfOn).test_client()


def test_missing_csrf_token_is_refused_with_a_visible_message(csrf_client):
    client = csrf_client
    response = client.post("/staff/login", data={"login": "x", "password": "y"})
    assert response.status_code == 400 and "刷新" in response.get_data(as_text=True)


def test_csrf_token_in_the_htmx_header_is_accepted(csrf_client):
    import re

    client = csrf_client
    html = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    response = client.post("/lang", data={"lang": "en", "next": "/"}, headers={"X-CSRFToken": token})
    assert response.status_code == 303


def test_the_development_secret_key_is_refused_unless_clearly_developing():
    from config import DEFAULT_SECRET_KEY, DevConfig

    class Undeclared(DevConfig):  # APP_ENV unset, e.g. gunicorn started without it
        DEVELOPMENT = False
        SECRET_KEY = DEFAULT_SECRET_KEY
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    with pytest.raises(InsecureConfiguration):
        create_app(Undeclared)

    class Developing(Undeclared):  # `make run` sets APP_ENV=development
        DEVELOPMENT = True

    assert create_app(Developing).config["SECRET_KEY"] == DEFAULT_SECRET_KEY


def test_production_refuses_a_secret_key_shorter_than_32_bytes():
    class Prod(ProdConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        SECRET_KEY = "x" * 31
        ID_NUMBER_KEY = "x" * 43 + "="
        DEVELOPMENT = True  # never lets production off

    with pytest.raises(InsecureConfiguration):
        create_app(Prod)

    class ProdLongEnough(Prod):
        SECRET_KEY = "秘" * 11  # 33 bytes

    create_app(ProdLongEnough)


def test_the_payment_sandbox_is_mounted_only_when_asked_for(tmp_path):
    from config import DevConfig

    class Developing(DevConfig):
        DEVELOPMENT = True
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/dev.sqlite3"
        STRIPE_SANDBOX_URL = "http://127.0.0.1:5000/sandbox/stripe"
        STRIPE_SECRET_KEY = None

    quiet = create_app(Developing).test_client().get("/sandbox/stripe/pay/cs_test_unknown")
    assert quiet.status_code == 404 and "沙盒" not in quiet.get_data(as_text=True)

    class AskedFor(Developing):
        PAYMENT_SANDBOX = True

    asked = create_app(AskedFor).test_client().get("/sandbox/stripe/pay/cs_test_unknown")
    assert asked.status_code == 404 and "沙盒" in asked.get_data(as_text=True)


def test_production_sends_hsts_and_development_does_not(client):
    class Prod(ProdConfig):
        SECRET_KEY = "a-long-random-value-from-the-environment"
        ID_NUMBER_KEY = "x" * 43 + "="
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    response = create_app(Prod).test_client().get("/portal/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/portal/login").headers


def signed_in_pages(app, prefix):
    """Every page of an area that needs no id: what a signed-in person browses."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(prefix)
        and not rule.arguments
        and "GET" in rule.methods
        and not rule.rule.endswith("/login")
    )


def test_every_signed_in_page_is_no_store(app, client, auth, prop):
    auth.login_staff(builders.create_staff(Role.MANAGER))
    shown = []
    for url in signed_in_pages(app, "/staff"):
        response = client.get(url)
        assert response.status_code < 500, url
        # A page is no-store; a PDF made on the spot leaves through the one private-file sender; an export's or a
        # template's download is never stored either.
        cache = response.headers.get("Cache-Control")
        if response.mimetype == "application/pdf":
            assert cache == PRIVATE_CACHE, url
        elif "attachment" in response.headers.get("Content-Disposition", ""):
            assert cache in (PRIVATE_CACHE, "no-store"), url
        else:
            assert cache == "no-store", url
        shown += [url] if response.status_code == 200 else []
    assert len(shown) > 30 and "/staff/devices" in shown
    fragment = client.get("/staff/units/?q=1", headers={"HX-Request": "true"})
    assert fragment.headers.get("Cache-Control") == "no-store"
    static = client.get("/static/css/app.css")
    static.close()
    assert "no-store" not in (static.headers.get("Cache-Control") or "")
    resident = app.test_client()
    type(auth)(resident).login_resident(builders.create_resident(prop, unit=builders.create_unit()).user)
    for url in signed_in_pages(app, "/portal"):
        response = resident.get(url)
        assert response.status_code == 200, url
        assert response.headers.get("Cache-Control") == "no-store", url


def test_production_refuses_to_start_without_a_key_for_id_numbers():
    class Prod(ProdConfig):
        SECRET_KEY = "a-long-random-value-from-the-environment"
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        ID_NUMBER_KEY = None

    with pytest.raises(InsecureConfiguration, match="ID_NUMBER_KEY"):
        create_app(Prod)
