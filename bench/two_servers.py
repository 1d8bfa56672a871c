"""The two-server drill: two gunicorn instances on loopback ports share PostgreSQL, Redis and the file store, with
one task worker beside them, and requests alternate between the two.

What it shows, each step through one server and checked through the other:
  1. a staff sign-in made on A is valid on B (sessions are rows in the database, the cookie is signed with the one
     SECRET_KEY);
  2. a photo a resident uploads with a repair through A is served by B, byte for byte the same as A serves it;
  3. the sign-in throttle counts attempts made on both: the limit is reached by alternating A and B, and then holds
     on both;
  4. a parcel logged at the desk through A is announced to its resident by the worker (not by either web server);
  5. a resident who signs out through B is signed out on A too.

Run from the repository root with the project's virtualenv, against a PostgreSQL database whose tables are dropped
and a Redis server whose database is flushed:

    DRILL_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/drill DRILL_REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/two_servers.py

The suite runs the same drill (tests/test_two_servers.py) on its PostgreSQL and Redis. Each step prints how long it
took; the exit code is 0 only if every step held.
"""

import base64
import io
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import HOST, BenchError, free_port, log_tail, parse_page  # noqa: E402

VENV_BIN = Path(sys.executable).parent
#: The sign-in attempts each client address may make a minute in the drill (the throttle step reaches it).
LOGIN_LIMIT = 4
#: How long the worker may take to announce a parcel.
NOTICE_SECONDS = 30


@dataclass
class Accounts:
    """Who the drill signs in as, and the resident's unit (its id for the repair form, its label for the desk)."""

    staff: str
    resident: str
    password: str
    unit_id: int
    unit_label: str


@dataclass
class Drill:
    """Two web servers and a worker sharing one database, one Redis and one file store."""

    database_url: str
    redis_url: str
    workdir: Path
    file_store: str = "database"
    processes: dict = field(default_factory=dict)
    log_files: list = field(default_factory=list)
    bases: list = field(default_factory=list)
    timings: list = field(default_factory=list)

    def environment(self):
        """What every process of the installation shares: the database, Redis, the files, the keys."""
        keys = self.workdir / "keys"
        if not keys.exists():
            keys.write_text(secrets.token_hex(32) + "\n" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        secret_key, id_key = keys.read_text().split("\n")
        return {
            **os.environ,
            "FLASK_APP": "app:create_app",
            "APP_ENV": "production",
            "SECRET_KEY": secret_key,
            "ID_NUMBER_KEY": id_key,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "FILE_STORE": self.file_store,
            "UPLOAD_FOLDER": str(self.workdir / "uploads"),
            "SESSION_COOKIE_SECURE": "0",
            "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
        }

    def start(self):
        """Start servers A and B (two workers each) and the task worker; wait until both servers answer."""
        env = self.environment()
        for name in ("A", "B"):
            port = free_port()
            log = self._log(f"server-{name}.log")
            command = [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"{HOST}:{port}", "app:create_app()"]
            self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            self.bases.append(f"http://{HOST}:{port}")
        log = self._log("worker.log")
        self.processes["worker"] = subprocess.Popen(
            [str(VENV_BIN / "flask"), "worker"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        for name, base in zip(("A", "B"), self.bases, strict=True):
            self._wait_ready(name, base)

    def _log(self, name):
        """A log file for one process, closed by stop()."""
        log = open(self.workdir / name, "wb")  # noqa: SIM115 - closed by stop()
        self.log_files.append(log)
        return log

    def _wait_ready(self, name, base, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise BenchError(f"server {name} exited:\n{log_tail(self.workdir / f'server-{name}.log')}")
            try:
                if requests.get(base + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise BenchError(
            f"server {name} was not ready in {timeout} s:\n{log_tail(self.workdir / f'server-{name}.log')}"
        )

    def stop(self):
        """Stop the servers and the worker."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.log_files:
            log.close()

    def logs(self):
        """The tail of every process's log, for a failure's message."""
        names = ["server-A", "server-B", "worker"]
        return "\n".join(f"--- {n}\n{log_tail(self.workdir / f'{n}.log')}" for n in names)

    def step(self, label, action):
        """Run one step, keep its time, and fail with the processes' logs if it does not hold."""
        started = time.perf_counter()
        try:
            action()
        except (AssertionError, BenchError, requests.RequestException) as error:
            raise BenchError(f"{label}: {error}\n{self.logs()}") from error
        self.timings.append((label, time.perf_counter() - started))

    # The steps ------------------------------------------------------------------------------------------------

    def run(self, accounts, *, photo, count_notified):
        """Every step in order; `photo` is a small picture's bytes, `count_notified(tracking)` reads the database."""
        a, b = self.bases
        staff = requests.Session()
        resident = requests.Session()
        self.step("a staff sign-in made on A is valid on B", lambda: session_on_both(staff, a, b, accounts))
        self.step("a photo uploaded through A is served by B", lambda: photo_on_both(resident, a, b, accounts, photo))
        self.step("the sign-in throttle holds on both", lambda: throttle_on_both(a, b))
        self.step(
            "a parcel logged through A is announced by the worker",
            lambda: notice_by_worker(staff, a, accounts, count_notified),
        )
        self.step("signing out through B ends the session on A", lambda: logout_on_both(resident, a, b))
        return self.timings


def csrf_token(session, url):
    """The CSRF token of the form at `url`."""
    response = session.get(url, timeout=30)
    response.raise_for_status()
    token = parse_page(response.text).inputs.get("csrf_token")
    if not token:
        raise BenchError(f"no csrf_token on {url}")
    return token


def sign_in(session, base, area, login, password):
    """Sign in through the real form; the final response."""
    token = csrf_token(session, f"{base}/{area}/login")
    response = session.post(
        f"{base}/{area}/login", data={"csrf_token": token, "login": login, "password": password}, timeout=30
    )
    if response.url.rstrip("/").endswith("/login"):
        raise BenchError(f"{login} could not sign in at {base}")
    return response


def session_on_both(staff, a, b, accounts):
    sign_in(staff, a, "staff", accounts.staff, accounts.password)
    response = staff.get(f"{b}/staff/", allow_redirects=False, timeout=30)
    assert response.status_code == 200, f"B answered {response.status_code} {response.headers.get('Location')}"


def photo_on_both(resident, a, b, accounts, photo):
    sign_in(resident, a, "portal", accounts.resident, accounts.password)
    token = csrf_token(resident, f"{a}/portal/tickets/new")
    form = {
        "csrf_token": token,
        "kind": "repair",
        "repair_category": "water",
        "description": "两台服务器演练：厨房水龙头滴水",
        "place": str(accounts.unit_id),
        "location": "",
        "preferred_time": "",
        "contact_phone": "13800000001",
    }
    files = {"photos": ("drill.png", io.BytesIO(photo), "image/png")}
    response = resident.post(f"{a}/portal/tickets/new", data=form, files=files, timeout=30)
    match = re.search(r"/portal/tickets/(\d+)$", response.url)
    assert match, f"the repair was not filed (ended on {response.url})"
    page = resident.get(f"{b}/portal/tickets/{match.group(1)}", timeout=30)
    assert page.status_code == 200, f"B answered {page.status_code} for the ticket"
    urls = re.findall(rf"/portal/tickets/{match.group(1)}/photos/\d+", page.text)
    assert urls, "the ticket page on B shows no photo"
    from_a = resident.get(a + urls[0], timeout=30)
    from_b = resident.get(b + urls[0], timeout=30)
    assert from_b.status_code == 200, f"B answered {from_b.status_code} for the photo"
    assert from_b.headers["Content-Type"].startswith("image/")
    assert from_a.content == from_b.content and len(from_b.content) > 0, "A and B served different bytes"


def throttle_on_both(a, b):
    """Wrong sign-ins alternating A and B: the limit (LOGIN_LIMIT a minute, the drill's own sign-in counted too) is
    reached within LOGIN_LIMIT attempts in all, which two servers counting apart (two workers each) would not do;
    then each refuses."""
    statuses = []
    while 429 not in statuses and len(statuses) < 4 * LOGIN_LIMIT:
        statuses.append(wrong_sign_in((a, b)[len(statuses) % 2]))
    assert statuses[-1] == 429 and len(statuses) <= LOGIN_LIMIT, f"the limit was not shared: {statuses}"
    assert {wrong_sign_in(a), wrong_sign_in(b)} == {429}, "a server let a sign-in through past the limit"


def wrong_sign_in(base):
    """One wrong staff sign-in through `base`'s form; the status it answered."""
    guesser = requests.Session()
    token = csrf_token(guesser, f"{base}/staff/login")
    form = {"csrf_token": token, "login": "nobody-at-all", "password": "wrong"}
    return guesser.post(f"{base}/staff/login", data=form, timeout=30).status_code


def notice_by_worker(staff, a, accounts, count_notified):
    tracking = "SF" + "".join(secrets.choice("0123456789") for _ in range(10))
    token = csrf_token(staff, f"{a}/staff/parcels/")
    form = {
        "csrf_token": token,
        "tracking_number": tracking,
        "carrier": "sf",
        "unit_label": accounts.unit_label,
        "shelf": "A1",
        "more": "",
    }
    response = staff.post(f"{a}/staff/parcels/", data=form, timeout=30)
    assert response.status_code == 200, f"the intake answered {response.status_code}"
    deadline = time.monotonic() + NOTICE_SECONDS
    while time.monotonic() < deadline:
        if count_notified(tracking):
            return
        time.sleep(0.2)
    raise BenchError(f"the parcel {tracking} was not announced within {NOTICE_SECONDS} s")


def logout_on_both(resident, a, b):
    assert resident.get(f"{a}/portal/", allow_redirects=False, timeout=30).status_code == 200
    token = csrf_token(resident, f"{b}/portal/")
    resident.post(f"{b}/portal/logout", data={"csrf_token": token}, timeout=30)
    response = resident.get(f"{a}/portal/", allow_redirects=False, timeout=30)
    assert response.status_code in (302, 303), f"A still answered {response.status_code} after the sign-out on B"
    assert "/portal/login" in response.headers.get("Location", "")


def tiny_png():
    """A real 32 x 24 picture."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 120, 110)).save(out, "PNG")
    return out.getvalue()


def notified_counter(database_url):
    """count_notified(tracking) for the drill: whether the parcel's notice has gone out."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(database_url, poolclass=NullPool)  # each look closes its connection

    def count_notified(tracking):
        with engine.connect() as conn:
            return conn.scalar(
                text("SELECT count(*) FROM parcels WHERE tracking_number = :t AND notified_at IS NOT NULL"),
                {"t": tracking},
            )

    return count_notified


def main():
    """Migrate, load the demo, run the drill once and print each step's time."""
    database_url = os.environ.get("DRILL_DATABASE_URL")
    redis_url = os.environ.get("DRILL_REDIS_URL")
    if not (database_url and redis_url and database_url.startswith("postgresql")):
        sys.exit("Set DRILL_DATABASE_URL (PostgreSQL: its tables are dropped) and DRILL_REDIS_URL (flushed).")
    from bench.harness import migrate, reset_database

    with tempfile.TemporaryDirectory(prefix="two-servers-") as workdir:
        drill = Drill(database_url, redis_url, Path(workdir))
        reset_database(database_url)
        migrate(database_url)
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        env = drill.environment()
        demo_env = {**env, "APP_ENV": "development"}  # the demo is refused in production
        subprocess.run(
            [str(VENV_BIN / "flask"), "demo", "load"], cwd=ROOT, env=demo_env, check=True, capture_output=True
        )
        accounts = demo_accounts(database_url, env["DEMO_PASSWORD"] if "DEMO_PASSWORD" in env else "demo1234")
        started = time.perf_counter()
        drill.start()
        print(f"two servers and a worker ready in {time.perf_counter() - started:.1f} s")
        try:
            for label, seconds in drill.run(accounts, photo=tiny_png(), count_notified=notified_counter(database_url)):
                print(f"  ok  {label}: {seconds * 1000:.0f} ms")
        finally:
            drill.stop()


def demo_accounts(database_url, password):
    """The demo's desk clerk and resident1, with resident1's unit."""
    from sqlalchemy import create_engine, text

    with create_engine(database_url).connect() as conn:
        unit_id, label = conn.execute(
            text(
                "SELECT u.id, b.code || '-' || u.number FROM residents r JOIN users s ON s.id = r.user_id "
                "JOIN occupancies o ON o.resident_id = r.id JOIN units u ON u.id = o.unit_id "
                "JOIN buildings b ON b.id = u.building_id WHERE s.username = 'resident1' ORDER BY o.id LIMIT 1"
            )
        ).one()
    return Accounts(staff="frontdesk", resident="resident1", password=password, unit_id=unit_id, unit_label=label)


if __name__ == "__main__":
    main()
