"""Fixtures: one migrated database per run (SQLite, or PostgreSQL from TEST_DATABASE_URL), emptied after each test."""

import contextvars
import ipaddress
import itertools
import logging
import os
import smtplib
import socket
import tempfile
import zlib
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import stripe
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import event, text

from app import create_app
from config import TestConfig
from domain import clock as domain_clock
from extensions import db, limiter
from tests import builders

_TMP = tempfile.mkdtemp(prefix="property-tests-")


#: The instant the whole suite runs at, in the property's zone. CI also runs the suite at a month end, a year
#: end late at night (the UTC date is still the old year), 29 February and a public holiday through TEST_NOW.
DEFAULT_NOW = "2026-11-17T10:00:00+08:00"


class FrozenClock:
    """The suite's clock: it stands still unless a test moves it, so no test depends on the day it runs."""

    def __init__(self, at):
        self.start = at
        self.at = at

    def __call__(self):
        return self.at

    def advance(self, **delta):
        """Move the clock forward by timedelta(**delta) and return the new time."""
        self.at = self.at + timedelta(**delta)
        return self.at

    def set(self, at):
        """Put the clock at an aware datetime."""
        self.at = at.astimezone(UTC)
        return self.at

    def local(self):
        """The clock's time in the property's zone."""
        return self.at.astimezone(ZoneInfo("Asia/Shanghai"))


def suite_now():
    """The frozen instant from TEST_NOW (ISO 8601 with an offset, or a date meaning 10:00 there), as UTC."""
    value = os.environ.get("TEST_NOW") or DEFAULT_NOW
    if len(value) == 10:
        value += "T10:00:00+08:00"
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError("TEST_NOW needs an offset, e.g. 2026-12-31T23:30:00+08:00")
    return at.astimezone(UTC)


class SuiteConfig(TestConfig):
    """TestConfig with the database this run uses."""

    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite:///" + os.path.join(_TMP, "test.sqlite3")


class FastPathOn(SuiteConfig):
    """The suite's config with the template fast path on, whatever TEMPLATE_FAST_PATH says for this run."""

    TEMPLATE_FAST_PATH = True


def _reset_schema(app):
    """Drop everything and build the schema with the migrations, as production does."""
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production: nothing in `g` or the
    database session is shared with the test or with another client."""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(self._open_and_read, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the test's own session then reads what the request wrote
        return response

    def _open_and_read(self, *args, **kwargs):
        """Open the request, read its body and close it in the request's context, as a WSGI server does: a streamed
        body (an export's CSV) keeps that context open until its last chunk, a sent file is closed after it."""
        response = super().open(*args, **kwargs)
        if not response.is_sequence:
            response.make_sequence()
            response.close()
        return response


@pytest.fixture(scope="session")
def app():
    """The application, on a freshly migrated database."""
    app = create_app(SuiteConfig)
    app.test_client_class = IsolatedClient
    _reset_schema(app)
    yield app
    with app.app_context():
        db.engine.dispose()  # close pooled connections before the interpreter does


@pytest.fixture
def fast_path_app(app):
    """For the tests of the template fast path itself: the suite's app, or in a TEMPLATE_FAST_PATH=0 run one
    that takes the fast path all the same."""
    return app if app.config["TEMPLATE_FAST_PATH"] else create_app(FastPathOn)


@pytest.fixture(autouse=True)
def clock():
    """Freeze domain.clock for the test; `clock.advance(minutes=5)` moves it."""
    frozen = FrozenClock(suite_now())
    domain_clock.set_source(frozen)
    yield frozen
    domain_clock.set_source(None)


@pytest.fixture
def named_days(clock):
    """For a module whose tests name days of 2026 (a leave on 11-18, a card for October ...): the clock stands at
    DEFAULT_NOW, Tuesday 2026-11-17 10:00 in Shanghai, whatever TEST_NOW says. The modules use it with
    `pytestmark = pytest.mark.usefixtures("named_days")`."""
    clock.set(datetime.fromisoformat(DEFAULT_NOW))
    return clock


_written_tables_sql = {}

#: PostgreSQL: every sequence an id was drawn from since it last restarted, restarted (ids then start at 1 again).
_RESTART_SEQUENCES = text(
    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) FROM pg_sequences "
    "WHERE schemaname = 'public' AND last_value IS NOT NULL"
)


def _written_tables(conn):
    """The tables a test left rows in, found by one statement, so that only those are emptied."""
    dialect = conn.dialect.name
    if dialect not in _written_tables_sql:
        probes = [f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM {t.name})" for t in db.metadata.sorted_tables]
        _written_tables_sql[dialect] = text(" UNION ALL ".join(probes))
    return set(conn.execute(_written_tables_sql[dialect]).scalars())


#: How many tests' rows are deleted before every table is truncated once (which also drops the dead rows).
_TRUNCATE_EVERY = 200
_cleanups = itertools.count(1)


def _empty_tables(*, truncate=False):
    """Empty the tables a test wrote to, children first, and restart PostgreSQL's ids. Rows are deleted rather than
    truncated: a TRUNCATE must name every table with a foreign key to the ones emptied, nearly all 119, and took
    half a second after each of the suite's tests. Every _TRUNCATE_EVERY tests (and with `truncate`) PostgreSQL's
    tables are truncated all the same, so the deleted rows never pile up."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql" and (truncate or next(_cleanups) % _TRUNCATE_EVERY == 0):
            names = ", ".join(t.name for t in db.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        written = _written_tables(conn)
        for table in reversed(db.metadata.sorted_tables):
            if table.name in written:
                conn.execute(table.delete())
        if conn.dialect.name == "postgresql":
            conn.execute(_RESTART_SEQUENCES)


@pytest.fixture(autouse=True)
def _clean_database(app, request):
    """Run each test in an app context; afterwards empty every table (unless the test reads the module's shared
    `demo_data`, emptied after the module) and reset the throttles."""
    ctx = app.app_context()
    ctx.push()
    yield
    db.session.remove()
    if "demo_data" not in request.fixturenames:
        _empty_tables()
    limiter.reset()
    ctx.pop()


@pytest.fixture(scope="module")
def demo_data(app, tmp_path_factory):
    """The demo, loaded once for a module whose tests only read it: loading takes 15 s or more, so each test
    loading its own would cost minutes. It is loaded at the suite's frozen instant, into a folder of its own,
    and every table is emptied after the module. Returns load_demo's report."""
    from domain.accounts.models import Actor
    from domain.demo import load_demo

    previous = app.config.get("UPLOAD_FOLDER")
    app.config["UPLOAD_FOLDER"] = str(tmp_path_factory.mktemp("demo-uploads"))
    domain_clock.set_source(FrozenClock(suite_now()))
    try:
        with app.app_context():
            report = load_demo(app.config["DEMO_PASSWORD"], Actor.system())
            db.session.commit()
            db.session.remove()
        yield report
    finally:
        domain_clock.set_source(None)
        app.config["UPLOAD_FOLDER"] = previous
        with app.app_context():
            db.session.remove()
            _empty_tables(truncate=True)


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path, monkeypatch):
    """Every test stores photos and documents in a folder of its own, never in instance/uploads."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


class StoreProbe:
    """What the file store (domain/files/store.py) holds, whichever store FILE_STORE names for the test."""

    def __init__(self, kind, folder):
        self.kind = kind
        self.folder = folder

    def names(self):
        """The stored files' names, previews included (a preview's ends in store.PREVIEW_SUFFIX), sorted."""
        from domain.files import store

        return store.stored_names()

    def read(self, name):
        """The bytes of the stored file `name` (or of a preview, by its name); None when there is none."""
        from domain.files import store

        if name.endswith(store.PREVIEW_SUFFIX):
            return store.read_stored(name[: -len(store.PREVIEW_SUFFIX)], preview=True)
        return store.read_stored(name)

    def put(self, name, data, content_type="image/jpeg", property_id=None):
        """Keep `data` under `name` as an upload would have (demo data, a file put there by hand); committed."""
        from domain.files.models import StoredFile

        if self.kind == "database":
            db.session.add(
                StoredFile(property_id=property_id, name=name, content_type=content_type, size=len(data), data=data)
            )
            db.session.commit()
        else:
            (self.folder / name).write_bytes(data)

    def remove(self, name):
        """Lose the stored file `name` (as a disk or a careless hand might); committed."""
        from domain.files import store

        store.delete_stored([name])
        db.session.commit()


@pytest.fixture(params=["directory", "database"])
def file_store(request, app, upload_folder, monkeypatch):
    """The test runs once with each file store: files in the test's own folder, then in the database."""
    monkeypatch.setitem(app.config, "FILE_STORE", request.param)
    return StoreProbe(request.param, upload_folder)


@pytest.fixture
def other_server(app, upload_folder):
    """A second instance of the application on the same database, SECRET_KEY and settings (what another server
    behind the load balancer runs), with its own engine and connection pool; `other_server.test_client()`."""
    second = create_app(SuiteConfig)
    second.test_client_class = IsolatedClient
    second.config.update(UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"], FILE_STORE=app.config["FILE_STORE"])
    yield second
    with second.app_context():
        db.engine.dispose()
    limiter.init_app(app)  # one Limiter object serves both apps: give it back the suite app's storage


@pytest.fixture(autouse=True)
def _no_real_smtp(monkeypatch):
    """Fail any attempt to reach a real mail server."""

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to open a real SMTP connection")

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    monkeypatch.setattr(smtplib, "SMTP_SSL", refuse)


def redis_for_tests():
    """The throwaway Redis of this run (TEST_REDIS_URL), for the tests of what runs on Redis: they skip without one,
    except under CI=true, where .ci/run starts one and a missing Redis fails them."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("TEST_REDIS_URL is not set in CI: .ci/run starts a throwaway Redis")
        pytest.skip("TEST_REDIS_URL is not set (start a throwaway redis-server to run this)")
    return url


@pytest.fixture(autouse=True)
def _root_logging():
    """The root logger as each test found it: a production app made in a test (JSON lines at INFO) must not leave
    its handler and level to the tests after it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(autouse=True)
def task_queue(app):
    """The suite's task queue (immediate, the suite's app) whatever app a test made before (each create_app
    configures the one queue); emptied after each test (a retry scheduled in one test never runs in another); and a
    task that tripped a tripwire (SMTP, the network) fails the test, as it did when the work ran inline."""
    from huey.signals import SIGNAL_ERROR

    from domain.tasks import huey, init_tasks

    if huey.flask_app is not app or not huey._immediate:
        init_tasks(app)

    tripped = []

    def watch(signal, task, error=None):
        if isinstance(error, AssertionError):
            tripped.append(f"{type(task).__name__}: {error}")

    huey.signal(SIGNAL_ERROR)(watch)
    yield huey
    huey.disconnect_signal(watch, SIGNAL_ERROR)
    huey.flush()
    if tripped:
        pytest.fail(f"a task failed on a tripwire: {'; '.join(tripped)}", pytrace=False)


class RealNetworkRefused(AssertionError):
    """A test tried to reach a host other than this machine (Stripe's real API, say)."""


def _is_loopback(host):
    """Whether `host` (a name or an address) is this machine: the sandboxes, the live server, PostgreSQL."""
    if host in ("localhost", "", None):
        return True
    try:
        address = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False  # any other name would be looked up and reached over the network
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback or address.is_unspecified


class NetworkTripwire:
    """What `network_tripwire` saw: every refused attempt, so a test that swallowed the error still fails."""

    def __init__(self):
        self.attempts = []

    def refuse(self, where):
        """Record an attempt to reach `where` and raise RealNetworkRefused."""
        self.attempts.append(where)
        raise RealNetworkRefused(f"a test tried to reach {where}: only 127.0.0.1 is allowed (use the Stripe sandbox)")


@pytest.fixture(autouse=True)
def network_tripwire(monkeypatch):
    """Fail any test that opens a connection to Stripe's real API or to any host but this machine.

    Two layers: the Stripe SDK's own HTTP clients refuse a URL off this machine before any name is looked up
    (api.stripe.com, files.stripe.com), and every socket refuses to connect to an address off this machine.
    A test that expects the refusal clears `attempts`; any attempt left fails the test at teardown.
    """
    tripwire = NetworkTripwire()

    def guard_url(client, url):
        # Only the SDK's own transports reach the network; a test's recording client answers in-process.
        if type(client).__module__.startswith("stripe.") and not _is_loopback(urlsplit(url).hostname):
            tripwire.refuse(url)

    def guarded(original):
        def request(self, method, url, *args, **kwargs):
            guard_url(self, url)
            return original(self, method, url, *args, **kwargs)

        return request

    def guarded_async(original):
        async def request(self, method, url, *args, **kwargs):
            guard_url(self, url)
            return await original(self, method, url, *args, **kwargs)

        return request

    for name in ("request_with_retries", "request_stream_with_retries"):
        monkeypatch.setattr(stripe.HTTPClient, name, guarded(getattr(stripe.HTTPClient, name)))
    for name in ("request_with_retries_async", "request_stream_with_retries_async"):
        monkeypatch.setattr(stripe.HTTPClient, name, guarded_async(getattr(stripe.HTTPClient, name)))

    def guarded_socket(original):
        def connect(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
                self.close()  # the caller never gets it back to close
                tripwire.refuse(f"{address[0]}:{address[1]}")
            return original(self, address)

        return connect

    monkeypatch.setattr(socket.socket, "connect", guarded_socket(socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_socket(socket.socket.connect_ex))
    yield tripwire
    if tripwire.attempts:
        pytest.fail(f"the test tried to reach the network: {', '.join(tripwire.attempts)}", pytrace=False)


@pytest.fixture
def client(app):
    """A test client (CSRF off, as in TestConfig)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def prop():
    """The property, with one building (the one a staff fixture set up first made, if it did: staff belong to a
    property, so builders.create_staff makes the usual one when there is none yet)."""
    from sqlalchemy import select

    from domain.property.models import Property
    from extensions import db

    return db.session.scalar(select(Property).order_by(Property.id).limit(1)) or builders.create_property()


class AuthActions:
    """Sign in through the real login forms."""

    def __init__(self, client):
        self._client = client

    def login_staff(self, user, password=builders.PASSWORD):
        """Sign `user` in to the console."""
        response = self._client.post("/staff/login", data={"login": user.username, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return response

    def login_resident(self, user, password=builders.PASSWORD):
        """Sign `user` in to the portal."""
        response = self._client.post("/portal/login", data={"login": user.username, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return response

    def logout(self, area="portal"):
        """Sign out."""
        return self._client.post(f"/{area}/logout")


@pytest.fixture
def auth(client):
    """Sign-in helpers bound to `client`."""
    return AuthActions(client)


class QueryCounter:
    """Counts SQL statements sent while active."""

    def __init__(self):
        self.statements = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self):
        """How many statements were sent."""
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Use as `with count_queries() as counter:`; counter.count is the number of statements."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting


@pytest.fixture
def stripe_sandbox(app):
    """The local Stripe sandbox on a random port, as the app's payment provider; events wait to be delivered."""
    from domain.payments.providers import StripeProvider
    from sandbox.stripe_app import SandboxHTTPClient, start_sandbox

    secret = app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]
    server = start_sandbox(webhook_secret=secret, delivery="manual")
    app.extensions["payment_provider"] = StripeProvider(
        api_key="sk_test_suite",
        webhook_secret=secret,
        name="sandbox",
        api_base=server.url,
        http_client=SandboxHTTPClient(),
    )
    yield server
    app.extensions.pop("payment_provider", None)
    server.shutdown()


def pytest_collection_modifyitems(config, items):
    """TEST_SHARD=k/n (CI's calendar days) keeps every test below tests/domain/ and the k-th of n shares of the
    others, chosen by a stable hash of the test's id: each day then runs the domain's date rules in full and a
    different quarter of the pages, so the four days together run every page once on an unusual day."""
    shard = os.environ.get("TEST_SHARD")
    if not shard:
        return
    k, n = (int(part) for part in shard.split("/"))
    kept, dropped = [], []
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        share = zlib.crc32(item.nodeid.encode()) % n
        (kept if path.startswith("tests/domain/") or share == k else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
