"""What every benchmark shares: the throw-away database and the large property, gunicorn, signing in, counting
statements in-process, running and reading wrk, and PASS/FAIL.

The benchmarks (bench/*_bench.py) import from here and keep only what they measure and how they report it.
"""

import base64
import html.parser
import http.cookiejar
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import MetaData, create_engine, event, func, select  # noqa: E402

from app import create_app  # noqa: E402
from bench.empty_pages import PORTAL_EMPTY, STAFF_EMPTY  # noqa: E402
from config import DevConfig  # noqa: E402
from domain.accounts.models import AccountKind, Actor, User  # noqa: E402
from domain.accounts.services import hash_password  # noqa: E402
from domain.announcements.models import Announcement  # noqa: E402
from domain.audit.services import record  # noqa: E402
from domain.clock import utcnow  # noqa: E402
from domain.demo import ensure_staff, generate_register  # noqa: E402
from domain.property.companies import ensure_company
from domain.property.models import Building, Occupancy, Property, Relation, Resident, Unit, UnitStatus  # noqa: E402
from extensions import db  # noqa: E402

#: The virtualenv's bin directory: this script is run by its python.
VENV_BIN = Path(sys.executable).parent


HOST = "127.0.0.1"


#: 10 buildings x 25 floors x 20 units per floor = 5,000 units.
LAYOUT = {"buildings": 10, "floors": 25, "per_floor": 20}


RESIDENTS_TARGET = 12000


RESIDENT_LOGIN = ("resident1", "陈业主", "13800000001", "1-1201")


STAFF_USERNAME = "frontdesk"


#: Sent by the logins and by wrk alike: Flask-Login ties a session to the client's user agent.
USER_AGENT = "register-bench/1.0"


WRK_THREADS, WRK_CONNECTIONS = 1, 8


#: Pause between wrk runs so that requests still queued in gunicorn do not spill into the next run.
SETTLE_SECONDS = 2


class BenchError(RuntimeError):
    """Something broke: the benchmark cannot give meaningful figures."""


@dataclass
class PageCount:
    """The SQL statements one in-process request ran."""

    label: str
    path: str
    status: int
    millis: float
    statements: list = field(default_factory=list)


@dataclass
class WrkResult:
    """The figures of one wrk run."""

    path: str
    requests_per_sec: float
    latency_avg_ms: float
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    bad_responses: int
    socket_errors: str
    #: Only when the run's script prints it (P95_SCRIPT): wrk itself prints the 50/75/90/99th percentiles.
    latency_p95_ms: float | None = None


def bench_config(database_url):
    """A development config on the bench database, without CSRF, for the in-process part only."""

    class BenchConfig(DevConfig):
        """In-process settings: the test client posts the login forms without a CSRF token."""

        DEVELOPMENT = True  # the default SECRET_KEY is fine for this throwaway in-process app
        SQLALCHEMY_DATABASE_URI = database_url
        WTF_CSRF_ENABLED = False
        LOGIN_RATE_LIMIT = "1000 per minute"

    return BenchConfig


def reset_database(url):
    """Drop every table of an existing database (BENCH_DATABASE_URL), alembic_version included."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()


def migrate(url):
    """Create the schema with the project's Alembic migrations (`flask db upgrade`)."""
    env = {**os.environ, "FLASK_APP": "app:create_app", "APP_ENV": "development", "DATABASE_URL": url}
    result = subprocess.run(
        [str(VENV_BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise BenchError(f"`flask db upgrade` failed:\n{result.stdout}{result.stderr}")


def load_large_property(password):
    """Load a 5,000-unit property, the demo staff and one resident account; return the row counts."""
    rng = random.Random(1)
    actor = Actor.system("bench")
    prop = Property(
        company_id=ensure_company().id,
        name="基准测试花园",
        address="沈阳市和平区",
        service_phone="024-0000 0000",
        desk_hours="08:00-20:00",
    )
    db.session.add(prop)
    db.session.flush()
    units = generate_register(prop, residents_target=RESIDENTS_TARGET, rng=rng, **LAYOUT)
    ensure_staff(password, actor, prop)

    username, name, phone, label = RESIDENT_LOGIN
    user = User(username=username, display_name=name, kind=AccountKind.RESIDENT, password_hash=hash_password(password))
    resident = Resident(property_id=prop.id, name=name, phone=phone, user=user)
    unit = db.session.get(Unit, units[label])
    unit.status = UnitStatus.OCCUPIED
    db.session.add_all(
        [user, resident, Occupancy(unit=unit, resident=resident, relation=Relation.OWNER, start_date=date(2019, 5, 1))]
    )
    now = utcnow()
    db.session.add(
        Announcement(
            property_id=prop.id,
            title="关于二次供水水箱清洗的通知",
            body="本周六 9:00-15:00 高区可能短暂停水，请提前储水。",
            valid_from=now - timedelta(days=1),
            valid_until=now + timedelta(days=30),
        )
    )
    db.session.flush()
    record(actor, "resident.account_create", resident, summary=f"bench {username}")
    db.session.commit()
    return {
        "buildings": db.session.scalar(select(func.count(Building.id))),
        "units": db.session.scalar(select(func.count(Unit.id))),
        "residents": db.session.scalar(select(func.count(Resident.id))),
        "occupancies": db.session.scalar(select(func.count(Occupancy.id))),
        "accounts": db.session.scalar(select(func.count(User.id))),
    }


class _LinkParser(html.parser.HTMLParser):
    """Collect the href of every <a> and the value of every named <input> of a page."""

    def __init__(self):
        """Start with no links and no inputs."""
        super().__init__()
        self.links, self.inputs = [], {}

    def handle_starttag(self, tag, attrs):
        """Remember links and input values (attribute values arrive unescaped)."""
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "input" and attrs.get("name"):
            self.inputs[attrs["name"]] = attrs.get("value") or ""


def parse_page(text):
    """Return the links and input values of an HTML page."""
    parser = _LinkParser()
    parser.feed(text)
    return parser


def test_client_login(client, area, username, password):
    """Sign in through an area's login form with the test client; fail loudly if it does not work."""
    response = client.post(f"/{area}/login", data={"login": username, "password": password})
    if response.status_code != 303 or "/login" in response.headers.get("Location", ""):
        raise BenchError(f"in-process login of {username} at /{area}/login failed (HTTP {response.status_code})")


def count_request(app, client, label, path, headers=None):
    """GET `path` with the test client (and `headers`, such as htmx's HX-Request) and record every SQL statement it
    sends."""
    page = PageCount(label, path, 0, 0.0)

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        """SQLAlchemy's before_cursor_execute hook: keep the statement, whitespace squeezed."""
        page.statements.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        page.millis = (time.perf_counter() - started) * 1000
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    page.status = response.status_code
    if response.status_code != 200:
        raise BenchError(f"in-process GET {path} answered HTTP {response.status_code}, not 200")
    return page, response.get_data(as_text=True)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(url, port, log_path, wsgi_app="app:create_app()"):
    """Start two gunicorn workers with the production config on 127.0.0.1:`port`."""
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "ID_NUMBER_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": url,
        "SESSION_COOKIE_SECURE": "0",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        # The run's tasks queue beside its log (start_worker takes them), never in the development queue of instance/.
        "TASKS_SQLITE_PATH": tasks_path(log_path),
    }
    command = [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"{HOST}:{port}", wsgi_app]
    with open(log_path, "wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def tasks_path(gunicorn_log):
    """The task queue's SQLite file of the gunicorn run logging to `gunicorn_log`."""
    return os.path.splitext(str(gunicorn_log))[0] + ".tasks.sqlite3"


def start_worker(url, gunicorn_log, log_path):
    """Start `flask worker` (production config) on the task queue of the gunicorn run logging to `gunicorn_log`."""
    env = {
        **os.environ,
        "APP_ENV": "production",
        "FLASK_APP": "app:create_app",
        "SECRET_KEY": secrets.token_hex(32),
        "ID_NUMBER_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": url,
        "TASKS_SQLITE_PATH": tasks_path(gunicorn_log),
    }
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [str(VENV_BIN / "flask"), "worker", "--no-periodic"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_gunicorn(process):
    """Stop gunicorn (its master stops the workers), killing it if it does not exit in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def log_tail(log_path, lines=30):
    """The last lines of gunicorn's log, for error messages."""
    try:
        return "\n".join(Path(log_path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until_healthy(base, process, log_path, timeout=30):
    """Poll /healthz until it answers 200; fail if gunicorn exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with code {process.returncode}:\n{log_tail(log_path)}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (TimeoutError, urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    raise BenchError(f"/healthz did not answer within {timeout}s:\n{log_tail(log_path)}")


def http_login(base, area, username, password):
    """Sign in through the real login form (CSRF token included); return the session cookie's value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    login_url = f"{base}/{area}/login"
    with opener.open(login_url, timeout=10) as response:
        token = parse_page(response.read().decode()).inputs.get("csrf_token")
    if not token:
        raise BenchError(f"no csrf_token input on {login_url}")
    form = urllib.parse.urlencode({"csrf_token": token, "login": username, "password": password, "next": ""}).encode()
    with opener.open(login_url, data=form, timeout=30) as response:
        landed = urllib.parse.urlsplit(response.geturl()).path
    if landed.endswith("/login"):
        raise BenchError(f"login of {username} at {login_url} was refused (still on the login page)")
    cookie = next((c.value for c in jar if c.name == "session"), None)
    if cookie is None:
        raise BenchError(f"login of {username} at {login_url} set no session cookie")
    return cookie


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report redirects instead of following them."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        """Do not follow: the caller sees the 3xx as an HTTPError."""
        return None


def check_authenticated(base, path, cookie, headers=None):
    """Fail loudly unless `path` answers 200 (not a redirect to a login page) with the cookie (and `headers`)."""
    opener = urllib.request.build_opener(_NoRedirect)
    sent = {"Cookie": f"session={cookie}", "User-Agent": USER_AGENT, **(headers or {})}
    request = urllib.request.Request(base + path, headers=sent)
    try:
        with opener.open(request, timeout=30) as response:
            status, location, set_cookie = response.status, "", response.headers.get("Set-Cookie")
    except urllib.error.HTTPError as error:
        status, location, set_cookie = error.code, error.headers.get("Location", ""), None
    if status != 200:
        raise BenchError(f"GET {path} with the session cookie answered HTTP {status} {location}, not 200")
    if set_cookie:
        print(f"  note: GET {path} sends Set-Cookie {set_cookie.split('=')[0]} again on a plain page view")


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _millis(text):
    """Convert a wrk duration ("612.34us", "1.20ms", "2.00s") to milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise BenchError(f"cannot read wrk duration {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(path, output):
    """Read requests/s, latencies and errors from wrk's text output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    avg = re.search(r"^\s+Latency\s+(\S+)", output, re.M)
    if not rps or not avg:
        raise BenchError(f"cannot read wrk's output for {path}:\n{output}")
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:\s+(.+)", output)
    p95 = re.search(r"^Latency p95: (\d+)", output, re.M)
    return WrkResult(
        path=path,
        requests_per_sec=float(rps.group(1)),
        latency_avg_ms=_millis(avg.group(1)),
        latency_p50_ms=_millis(p50.group(1)) if p50 else None,
        latency_p99_ms=_millis(p99.group(1)) if p99 else None,
        bad_responses=int(bad.group(1)) if bad else 0,
        socket_errors=errors.group(1).strip() if errors else "",
        latency_p95_ms=int(p95.group(1)) / 1000 if p95 else None,
    )


#: A wrk script that also prints the 95th percentile of its latency histogram (microseconds): parse_wrk reads it.
P95_SCRIPT = """\
done = function(summary, latency, requests)
  io.write(string.format("Latency p95: %d\\n", latency:percentile(95.0)))
end
"""


def wrk_command(wrk, url, seconds, *, script=None, cookie=None, script_args=(), headers=()):
    """The wrk command line every benchmark uses: its threads and connections, latencies, our user agent (and any
    more `headers`, "Name: value")."""
    command = [wrk, f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    command += ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: session={cookie}"]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    if script_args:
        command += ["--", *map(str, script_args)]
    return command


def run_wrk(wrk, base, path, seconds, cookie=None, *, script=None, script_args=(), describe=None, headers=()):
    """Load one URL of 127.0.0.1 for `seconds` with wrk and return its figures."""
    command = wrk_command(
        wrk, base + path, seconds, script=script, cookie=cookie, script_args=script_args, headers=headers
    )
    print(f"  wrk {describe or f'{path} ({seconds}s)'} ...", flush=True)
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        raise BenchError(f"wrk failed on {path}:\n{result.stdout}{result.stderr}")
    return parse_wrk(path, result.stdout)


def verdict(ok):
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def bench_database(workdir):
    """The bench database's URL: BENCH_DATABASE_URL with all its tables dropped, or a new SQLite file in `workdir`."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        print("Database: BENCH_DATABASE_URL (dropping all its tables first)")
        reset_database(url)
    else:
        url = "sqlite:///" + str(Path(workdir) / "bench.sqlite3")
        print(f"Database: SQLite, a temporary file ({url})")
    return url


def prepare_database(workdir, password):
    """Create, migrate and fill the bench database with the large property; return its URL and the in-process app."""
    url = bench_database(workdir)
    started = time.perf_counter()
    migrate(url)
    app = create_app(bench_config(url))
    with app.app_context():
        counts = load_large_property(password)
    print(f"Loaded in {time.perf_counter() - started:.1f}s: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    if counts["units"] != 5000:
        raise BenchError(f"expected 5000 units, found {counts['units']}")
    return url, app


def required_tools():
    """The path of wrk, once wrk and the virtualenv's flask and gunicorn are there; None (and why) otherwise."""
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed. Install it with `apt-get install wrk` and run the benchmark again.")
        return None
    for tool in ("flask", "gunicorn"):
        if not (VENV_BIN / tool).exists():
            print(f"{VENV_BIN / tool} is missing: run the benchmark with the project's virtualenv (`make bench`).")
            return None
    return wrk


def run_page_bench(name, *, prepare, count_statements, measure, report, time_pdfs=None):
    """The whole run of a page benchmark, the same for each: build the data (`prepare(workdir, password)` ->
    url, app, targets), count each page's statements in-process (`count_statements(app, password, targets)`), time
    its PDFs when it has some (`time_pdfs`, same arguments), then, unless BENCH_SKIP_LOAD=1 (only for a bench with
    PDFs, as before), serve it with gunicorn and load each page with wrk (`measure(url, workdir, password, seconds,
    wrk, targets)` -> runs); `report(pages, pdfs, runs)` prints the figures (runs is None before the load). Returns
    the process exit code: 0, 1 when a tool is missing, 2 when the benchmark broke."""
    wrk = required_tools()
    if wrk is None:
        return 1
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    password = secrets.token_urlsafe(12)
    workdir = tempfile.mkdtemp(prefix=f"{name}-bench-")
    began = time.perf_counter()
    try:
        url, app, targets = prepare(workdir, password)
        pages = count_statements(app, password, targets)
        pdfs = time_pdfs(app, password, targets) if time_pdfs else None
        if time_pdfs:
            report(pages, pdfs, None)
        with app.app_context():
            db.engine.dispose()  # no connection of ours stays open while gunicorn works
        if time_pdfs and os.environ.get("BENCH_SKIP_LOAD") == "1":
            return 0
        runs = measure(url, workdir, password, seconds, wrk, targets)
        report(pages, pdfs, runs)
        bad = [label for label, *results in runs if any(r.bad_responses for r in results)]
        if bad:
            raise BenchError(f"non-2xx/3xx answers during the load of: {', '.join(bad)}")
        print(f"\nWhole benchmark: {time.perf_counter() - began:.0f}s. No targets: the figures are for people to read.")
        return 0
    except BenchError as error:
        print(f"\nBENCHMARK BROKEN: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# Pages by plan: (area, username, [(label, path[, headers])]) -------------------------------------------------------


def count_plans(app, password, plans):
    """The statements of one GET of each planned page (after a warm-up GET of the same page), signed in as its
    reader in-process."""
    pages = []
    for area, username, plan in plans:
        with app.test_client() as client:
            test_client_login(client, area, username, password)
            for label, path, *headers in plan:
                headers = headers[0] if headers else None
                client.get(path, headers=headers)
                pages.append(count_request(app, client, label, path, headers)[0])
    return pages


def measure_plans(url, workdir, password, seconds, wrk, plans):
    """Serve with gunicorn (the app plus bench/empty_pages.py's empty pages); wrk each planned page right after
    /healthz and its area's empty page, signed in through the real login form; return the runs
    [(label, healthz, empty, page)]."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    log_path = Path(workdir) / "gunicorn.log"
    process = start_gunicorn(url, port, log_path, "bench.empty_pages:create_app()")
    try:
        wait_until_healthy(base, process, log_path)
        print(f"gunicorn (2 workers, production config) is up on {base}")
        runs = []
        for area, username, plan in plans:
            cookie = http_login(base, area, username, password)
            empty = PORTAL_EMPTY if area == "portal" else STAFF_EMPTY
            for _label, path, *headers in [("empty", empty), *plan]:
                check_authenticated(base, path, cookie, headers[0] if headers else None)
            for label, path, *headers in plan:
                sent = [f"{name}: {value}" for name, value in (headers[0] if headers else {}).items()]
                triple = []
                for run_path, run_cookie, run_headers in (
                    ("/healthz", None, []),
                    (empty, cookie, []),
                    (path, cookie, sent),
                ):
                    time.sleep(SETTLE_SECONDS)
                    triple.append(run_wrk(wrk, base, run_path, seconds, run_cookie, headers=run_headers))
                runs.append((label, *triple))
        return runs
    finally:
        stop_gunicorn(process)


def time_pdfs_of(app, area, username, password, pdfs, repeat=3, signature=b"%PDF"):
    """[(label, statements, best ms, bytes)] of each (label, path) of `pdfs`, made `repeat` times after a warm-up,
    signed in in-process as `username`; the statements are those of the last request. `signature` is how the file
    starts (b"PK" for a workbook)."""
    statements = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        """Count the statements of the PDF requests."""
        statements.append(statement)

    made = []
    with app.app_context():
        engine = db.engine
    with app.test_client() as client:
        test_client_login(client, area, username, password)
        for label, path in pdfs:
            client.get(path)
            best = None
            for _ in range(repeat):
                statements.clear()
                event.listen(engine, "before_cursor_execute", on_execute)
                try:
                    started = time.perf_counter()
                    response = client.get(path)
                    millis = (time.perf_counter() - started) * 1000
                finally:
                    event.remove(engine, "before_cursor_execute", on_execute)
                if response.status_code != 200 or not response.data.startswith(signature):
                    raise BenchError(f"in-process GET {path} answered HTTP {response.status_code}, not the file")
                best = millis if best is None else min(best, millis)
            made.append((label, len(statements), best, len(response.data)))
    return made
