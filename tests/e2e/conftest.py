"""A live server (CSRF on, as in production) and headless Chromium from Debian, driven by Playwright."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from config import TestConfig
from tests import builders

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


class LiveURL(str):
    """The live server's base URL, with the app behind it (`.app`) for fixtures that configure it."""

    app = None


@pytest.fixture(scope="session")
def live_server(app):
    """Serve a production-like app (CSRF on) on a random loopback port, over the suite's database."""

    class LiveConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        WTF_CSRF_ENABLED = True

    live = create_app(LiveConfig)
    server = make_server("127.0.0.1", 0, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = LiveURL(f"http://127.0.0.1:{server.server_port}")
    url.app = live
    yield url
    server.shutdown()
    thread.join(5)
    with live.app_context():
        from extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium; skipped where it is not installed, except in CI where it must be."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page_factory(browser):
    """New isolated pages (each its own cookie jar) that record console errors and failed responses.

    The test fails afterwards if any page logged a console error, a page error, a failed request or a response of
    400 or more, unless the test named that status as expected: `page.expect_status(422)` (a refusal answered on
    purpose) clears those responses and their console lines.
    """
    contexts, pages = [], []

    def make(width=1366, height=900, mobile=False):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            is_mobile=mobile,
            has_touch=mobile,
            device_scale_factor=1,
            locale="zh-CN",
        )
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.failed_responses = []
        page.expected_statuses = set()

        def on_response(response):
            if response.status >= 400 and response.status not in page.expected_statuses:
                page.failed_responses.append(f"{response.status} {response.request.method} {response.url}")

        def expect_status(*statuses):
            page.expected_statuses.update(statuses)
            page.failed_responses[:] = [r for r in page.failed_responses if int(r.split()[0]) not in statuses]
            page.console_errors[:] = [
                e for e in page.console_errors if not any(f"status of {status}" in e for status in statuses)
            ]

        page.expect_status = expect_status
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        page.on("response", on_response)
        # ERR_ABORTED is a request the page itself dropped by moving on (a click during a load, a download).
        page.on(
            "requestfailed",
            lambda request: (
                request.failure != "net::ERR_ABORTED"
                and page.failed_responses.append(f"failed {request.method} {request.url}: {request.failure}")
            ),
        )
        pages.append(page)
        return page

    yield make
    problems = []
    for page in pages:
        problems += [
            f"console: {e}"
            for e in page.console_errors
            if not any(f"status of {s}" in e for s in page.expected_statuses)
        ]
        problems += [f"response: {r}" for r in page.failed_responses]
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("the browser saw errors:\n" + "\n".join(problems))


@pytest.fixture
def payments_live(live_server):
    """The live app paying through a sandbox that delivers its signed webhooks to the live app at once."""
    from domain.payments.providers import StripeProvider
    from sandbox.stripe_app import SandboxHTTPClient, start_sandbox

    secret = "whsec_e2e"
    server = start_sandbox(webhook_url=f"{live_server}/payments/stripe/webhook", webhook_secret=secret, delivery="sync")
    live_server.app.extensions["payment_provider"] = StripeProvider(
        api_key="sk_test_e2e",
        webhook_secret=secret,
        name="sandbox",
        api_base=server.url,
        http_client=SandboxHTTPClient(),
    )
    yield server
    live_server.app.extensions.pop("payment_provider", None)
    server.shutdown()


def shot(page, name):
    """Save a full-page screenshot under tests/e2e/screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, live_server, area, login, remember=False):
    """Sign in to `area` ("portal" or "staff") through its login form, as a person would, and wait for its home
    (an assistant's console home is their area's page)."""
    page.goto(f"{live_server}/{area}/login")
    page.fill("#login", login)
    page.fill("#password", builders.PASSWORD)
    if remember:
        page.check("#remember")
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: url in (f"{live_server}/{area}/", f"{live_server}/{area}/areas/mine"))
