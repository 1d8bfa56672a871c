"""A live server (CSRF on, as in production) and headless Chromium from Debian, driven by Playwright."""

import os
import re
import shutil
import threading
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image, ImageDraw, ImageOps
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app import create_app
from config import TestConfig
from tests import builders

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: A phone's viewport (page_factory(**PHONE)).
PHONE = {"width": 390, "height": 844, "mobile": True}
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
def playwright_driver():
    """Playwright's driver for the run (one per thread); skipped where Chromium is not installed, except in CI."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """Headless Chromium, shared by the run."""
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


class CheckedPages:
    """New isolated pages of `browser` (each its own cookie jar) that record console errors and failed responses.

    `problems()` lists what any page saw: a console error, a page error, a failed request or a response of 400 or
    more, unless the test named that status as expected: `page.expect_status(422)` (a refusal answered on purpose)
    clears those responses and their console lines.
    """

    def __init__(self, browser):
        self.browser = browser
        self.contexts, self.pages = [], []

    def new_page(self, width=1366, height=900, mobile=False):
        """A page in a context of its own at `width` x `height` (a touch phone when `mobile`), speaking Chinese."""
        context = self.browser.new_context(
            viewport={"width": width, "height": height},
            is_mobile=mobile,
            has_touch=mobile,
            device_scale_factor=1,
            locale="zh-CN",
        )
        self.contexts.append(context)
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
        self.pages.append(page)
        return page

    def problems(self):
        """What the pages saw that the test did not expect, one line each."""
        problems = []
        for page in self.pages:
            problems += [
                f"console: {e}"
                for e in page.console_errors
                if not any(f"status of {s}" in e for s in page.expected_statuses)
            ]
            problems += [f"response: {r}" for r in page.failed_responses]
        return problems

    def close(self):
        """Close every context opened."""
        for context in self.contexts:
            context.close()


@pytest.fixture
def page_factory(browser):
    """`page_factory(width, height, mobile)`: a new checked page (see CheckedPages); the test fails afterwards if any
    page saw an error it did not expect."""
    pages = CheckedPages(browser)
    yield pages.new_page
    problems = pages.problems()
    pages.close()
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


def sign_with_a_finger(page, pad):
    """Draw a stroke on the signature pad `pad` (a locator of [data-signature-pad]) with real touch input."""
    canvas = pad.locator("canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    cdp = page.context.new_cdp_session(page)
    left, top, width, height = box["x"], box["y"], box["width"], box["height"]
    points = [(left + width * (0.15 + 0.07 * n), top + height * (0.7 - 0.4 * (n % 2))) for n in range(10)]
    x, y = points[0]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for x, y in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()
    expect(pad.locator("input[type=hidden]")).to_have_value(re.compile("^data:image/png;base64,"))


def view_shot(page, name):
    """Save what the screen shows now (the viewport) under tests/e2e/screenshots/, the size the README uses."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.fixture
def live_uploads(live_server, tmp_path):
    """The live app stores uploads in this test's folder (yielded)."""
    folder = tmp_path / "uploads"
    previous = live_server.app.config.get("UPLOAD_FOLDER")
    live_server.app.config["UPLOAD_FOLDER"] = str(folder)
    yield folder
    live_server.app.config["UPLOAD_FOLDER"] = previous


def photo(path):
    """A small photo as a phone's camera would give it, written to `path` (a .jpg); its path as text."""
    image = Image.new("RGB", (320, 240), "#d8d4cc")
    ImageDraw.Draw(image).rectangle([120, 40, 200, 200], fill="#555")
    image.save(path, "JPEG")
    return str(path)


def pdf_text(response):
    """(the PDF's pages, the text of all pages) of a PDF response."""
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.body())
    return pdf, "".join(pdf[n].get_textpage().get_text_range() for n in range(len(pdf)))


def save_first_page(pdf, name):
    """Render the PDF's first page to tests/e2e/screenshots/<name>.png as it prints, down to its last line."""
    SCREENSHOTS.mkdir(exist_ok=True)
    image = pdf[0].render(scale=1.5).to_pil().convert("RGB")
    bottom = ImageOps.invert(image).getbbox()[3]
    image.crop((0, 0, image.width, min(image.height, bottom + 50))).save(SCREENSHOTS / f"{name}.png")
