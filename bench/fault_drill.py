"""Fault drills: what a bad day does to billing and payments, and that the app gets over it by itself.

Run from the repository root with the project's virtualenv:

    .venv/bin/python bench/fault_drill.py [billing] [webhooks] [postgres] [provider]   (default: all four)

  billing   kill -9 `flask billing run` in the middle of a run (it commits per batch), run it again: every unit is
            billed exactly once, and no bill is left without its lines.
  webhooks  kill -9 a gunicorn worker (twice, one after the other) while concurrent clients deliver webhooks; then
            Stripe's retry sends every event again: every payment applied exactly once.
  postgres  restart PostgreSQL (pg_ctl restart -m fast of a cluster this drill initdb's on a free port) while
            signed-in residents load their bills page: errors only while the server is down, none after; then a
            quiet restart (pools idle across it): no error when the residents come back (--without-pre-ping: the
            control, which fails).
  provider  the payment provider unreachable (STRIPE_API_BASE on a closed port): the resident is told clearly and
            nothing changed (no payment row, the bill unchanged).

billing and webhooks run on SQLite in a temporary directory, or on BENCH_DATABASE_URL (ALL ITS TABLES ARE
DROPPED); postgres always uses its own cluster. Exit 0 when every drill held, 3 when one failed, 2 when one broke.
"""

import argparse
import http.cookiejar
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select  # noqa: E402

from app import create_app  # noqa: E402
from bench.drill_support import (  # noqa: E402
    OwnPostgres,
    add_fee_schedule_once,
    add_resident_accounts,
    billed_property,
    check_exactly_once,
    paid_in_sandbox,
    send_concurrently,
    stripe_env,
    surge_schedule,
    with_env,
)
from bench.harness import (  # noqa: E402
    HOST,
    USER_AGENT,
    VENV_BIN,
    BenchError,
    bench_config,
    bench_database,
    free_port,
    log_tail,
    migrate,
    parse_page,
    start_gunicorn,
    stop_gunicorn,
    wait_until_healthy,
)
from bench.surge_drill import sandboxed_app  # noqa: E402
from domain.accounts.models import Actor  # noqa: E402
from domain.billing.models import Bill, BillLine  # noqa: E402
from domain.demo import ensure_staff  # noqa: E402
from domain.payments.models import Payment  # noqa: E402
from domain.property.models import Property  # noqa: E402
from extensions import db  # noqa: E402
from sandbox.stripe_app import start_sandbox  # noqa: E402

PERIOD = date(2026, 10, 1)
DRILLS = ("billing", "webhooks", "postgres", "provider")


def production_env(url):
    """What `flask ...` and gunicorn need to run with the production config on `url`."""
    import base64

    return {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "ID_NUMBER_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": url,
        "SESSION_COOKIE_SECURE": "0",
    }


class Browser:
    """A person's browser: cookies, the real login form with its CSRF token, forms posted with the page's token."""

    def __init__(self, base):
        """An empty cookie jar for `base`."""
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), urllib.request.ProxyHandler({})
        )
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def get(self, path, timeout=30):
        """GET `path` (following redirects): (status, text, final path)."""
        return self._open(urllib.request.Request(self.base + path), timeout)

    def post(self, path, form, timeout=30):
        """POST a form (a list of pairs) to `path`: (status, text, final path)."""
        data = urllib.parse.urlencode(form).encode()
        return self._open(urllib.request.Request(self.base + path, data=data), timeout)

    def _open(self, request, timeout):
        """Open and read; an HTTP error is an answer too."""
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode(), urllib.parse.urlsplit(response.geturl()).path
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode(errors="replace"), urllib.parse.urlsplit(error.url).path

    def login(self, area, username, password):
        """Sign in through the area's login form."""
        _status, page, _path = self.get(f"/{area}/login")
        token = parse_page(page).inputs.get("csrf_token")
        status, _page, landed = self.post(
            f"/{area}/login", [("csrf_token", token), ("login", username), ("password", password), ("next", "")]
        )
        if status != 200 or landed.endswith("/login"):
            raise BenchError(f"the login of {username} at /{area}/login was refused (HTTP {status})")


# a. kill -9 a billing run ------------------------------------------------------------------------


def drill_billing(workdir):
    """Kill `flask billing run` mid-run, run it again: every unit billed once."""
    print("\n== a. kill -9 `flask billing run` mid-run, then run it again ==", flush=True)
    url = bench_database(workdir)
    migrate(url)
    app = create_app(bench_config(url))
    with app.app_context():
        # 10,000 units and no run yet: the fee schedule and the month's readings only.
        property_id, units = billed_property("断电花园", {"buildings": 10, "floors": 25, "per_floor": 40}, [])
        add_fee_schedule_once(db.session.get(Property, property_id), sorted(units.values()), PERIOD, random.Random(3))
        db.session.commit()
        db.engine.dispose()
    total = len(units)
    env = production_env(url)
    command = [str(VENV_BIN / "flask"), "billing", "run", "--period", f"{PERIOD:%Y-%m}", "--property", str(property_id)]
    engine = create_engine(url)
    count = select(func.count(Bill.id)).where(Bill.property_id == property_id, Bill.period == PERIOD)
    try:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        billed = 0
        while process.poll() is None:
            with engine.connect() as conn:
                billed = conn.scalar(count)
            if billed >= total * 0.4:
                os.kill(process.pid, signal.SIGKILL)
                break
            time.sleep(0.02)
        process.wait()
        killed_at = billed
        with engine.connect() as conn:
            after_kill = conn.scalar(count)
        if process.returncode != -signal.SIGKILL:
            raise BenchError(f"the run ended before it could be killed ({killed_at} of {total} billed)")
        print(f"  killed after {time.perf_counter() - started:.1f}s with {after_kill} of {total} units billed")
        rerun = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        print(f"  rerun: exit {rerun.returncode}: {rerun.stdout.strip() or rerun.stderr.strip()[-300:]}")
        with engine.connect() as conn:
            bills = conn.scalar(count)
            units_billed = conn.scalar(
                select(func.count(func.distinct(Bill.unit_id))).where(
                    Bill.property_id == property_id, Bill.period == PERIOD
                )
            )
            without_lines = conn.scalar(
                select(func.count(Bill.id)).where(
                    Bill.property_id == property_id,
                    Bill.period == PERIOD,
                    ~select(BillLine.id).where(BillLine.bill_id == Bill.id).exists(),
                )
            )
            wrong_totals = conn.scalar(
                select(func.count()).select_from(
                    select(Bill.id)
                    .join(BillLine, BillLine.bill_id == Bill.id)
                    .where(Bill.property_id == property_id, Bill.period == PERIOD)
                    .group_by(Bill.id, Bill.total_fen)
                    .having(func.sum(BillLine.amount_fen) != Bill.total_fen)
                    .subquery()
                )
            )
    finally:
        engine.dispose()
    ok = rerun.returncode == 0 and bills == units_billed == total and without_lines == 0 and wrong_totals == 0
    print(
        f"  bills {bills} for {units_billed} distinct units of {total}; bills without lines {without_lines}; "
        f"bills whose lines do not add up {wrong_totals}: every unit billed exactly once: {'PASS' if ok else 'FAIL'}"
    )
    return ok


# b. kill -9 a gunicorn worker during webhooks ----------------------------------------------------


def gunicorn_workers(master_pid):
    """The pids of a gunicorn master's workers."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def drill_webhooks(workdir, payments_count, threads):
    """kill -9 workers while webhooks are being handled; Stripe's retry completes them."""
    print("\n== b. kill -9 a gunicorn worker during webhook handling, then Stripe's retry ==", flush=True)
    url = bench_database(workdir)
    migrate(url)
    sandbox = start_sandbox(delivery="manual", webhook_secret="whsec_drill")
    try:
        app = sandboxed_app(url, sandbox)
        with app.app_context():
            property_id, _units = billed_property("断线花园", {"buildings": 5, "floors": 10, "per_floor": 20}, [PERIOD])
            payments = paid_in_sandbox(property_id, payments_count, app.extensions["payment_provider"], sandbox)
            db.engine.dispose()
        bodies, shape = surge_schedule(payments, duplicate_share=0.0)
        port = free_port()
        log_path = Path(workdir) / "gunicorn-webhooks.log"
        process = with_env(stripe_env(sandbox.url), lambda: start_gunicorn(url, port, log_path))
        kills = []
        try:
            wait_until_healthy(f"http://{HOST}:{port}", process, log_path)
            marks = {len(bodies) // 3, 2 * len(bodies) // 3}

            def on_progress(done):
                """At a third and two thirds of the way, kill -9 a worker that is busy with webhooks."""
                if done in marks:
                    victim = gunicorn_workers(process.pid)[0]
                    os.kill(victim, signal.SIGKILL)
                    kills.append(victim)

            first = send_concurrently(port, bodies, threads, on_progress=on_progress)
            failed = [i for i, d in enumerate(first) if d.status != 200]
            why = Counter(str(first[i].status or first[i].outcome[:40]) for i in failed)
            print(
                f"  {len(bodies)} events sent from {threads} threads; workers killed: {len(kills)}; "
                f"not acknowledged: {len(failed)} (" + ", ".join(f"{k} {n}" for k, n in why.items()) + ")"
            )
            wait_until_healthy(f"http://{HOST}:{port}", process, log_path)
            # Stripe retries what was not acknowledged; sending every event again is stricter still.
            retry = send_concurrently(port, bodies, threads)
            retry_bad = [d for d in retry if d.status != 200]
            print(
                "  Stripe's retry of every event: "
                + ", ".join(f"{o} {n}" for o, n in Counter(d.outcome for d in retry).most_common(4))
            )
        finally:
            stop_gunicorn(process)
        with app.app_context():
            ok, lines = check_exactly_once(property_id, payments)
            db.engine.dispose()
        print("\n".join(lines))
        if retry_bad:
            print(f"  {len(retry_bad)} retries not answered 200:\n{log_tail(log_path)}")
        return ok and not retry_bad and len(kills) == 2 and shape["events"] == len(bodies)
    finally:
        sandbox.shutdown()


# c. restart PostgreSQL under load ----------------------------------------------------------------


def app_without_pre_ping():
    """The app as APP_ENV configures it but with no engine options (no pool_pre_ping): the control of the restart
    drill (--without-pre-ping), which then shows what a pool of cut connections does."""
    from config import config_from_env

    class NoPrePing(config_from_env()):
        """The same settings; an explicit empty SQLALCHEMY_ENGINE_OPTIONS keeps app.py's pool_pre_ping out."""

        SQLALCHEMY_ENGINE_OPTIONS = {}

    return create_app(NoPrePing)


def drill_postgres(workdir, seconds, threads, *, pre_ping=True):
    """Residents load their bills page while PostgreSQL restarts: errors only while it is down."""
    print(
        f"\n== c. restart PostgreSQL during load{'' if pre_ping else ' (control: without pool_pre_ping)'} ==",
        flush=True,
    )
    pg = OwnPostgres()
    try:
        print(f"  own cluster on {HOST}:{pg.port}")
        migrate(pg.url)
        password = secrets.token_urlsafe(12)
        app = create_app(bench_config(pg.url))
        with app.app_context():
            property_id, units = billed_property("重启花园", {"buildings": 2, "floors": 10, "per_floor": 10}, [PERIOD])
            residents = add_resident_accounts(property_id, sorted(units.values())[:threads], password)
            ensure_staff(password, Actor.system("drill"), db.session.get(Property, property_id))
            db.session.commit()
            db.engine.dispose()
        port = free_port()
        base = f"http://{HOST}:{port}"
        log_path = Path(workdir) / "gunicorn-postgres.log"
        wsgi_app = "app:create_app()" if pre_ping else "bench.fault_drill:app_without_pre_ping()"
        process = start_gunicorn(pg.url, port, log_path, wsgi_app=wsgi_app)
        samples = []  # (monotonic time, ok, what)
        lock = threading.Lock()
        try:
            wait_until_healthy(base, process, log_path)
            browsers = []
            for username in residents:
                browser = Browser(base)
                browser.login("portal", username, password)
                browsers.append(browser)
            deadline = time.monotonic() + seconds

            def load(browser):
                """Load the bills page until the deadline; remember each answer."""
                while time.monotonic() < deadline:
                    at = time.monotonic()
                    try:
                        status, _text, landed = browser.get("/portal/bills", timeout=10)
                        ok, what = status == 200 and landed == "/portal/bills", str(status)
                    except (urllib.error.URLError, OSError) as error:
                        ok, what = False, type(error).__name__
                    with lock:
                        samples.append((at, time.monotonic(), ok, what))

            pool = [threading.Thread(target=load, args=(b,)) for b in browsers]
            for thread in pool:
                thread.start()
            time.sleep(seconds / 3)
            down_from = time.monotonic()
            pg.restart()
            down_until = time.monotonic()
            for thread in pool:
                thread.join()
            # A quiet restart: the pools' connections sit idle across it, then the residents come back. Every
            # worker's pool still holds connections the server has cut: nothing may fail for that.
            pg.restart()
            quiet = []
            for _round in range(5):
                for browser in browsers:
                    status, _text, landed = browser.get("/portal/bills", timeout=10)
                    quiet.append(status == 200 and landed == "/portal/bills")
        finally:
            stop_gunicorn(process)
    finally:
        pg.stop()
    before = [s for s in samples if s[1] < down_from]
    during = [s for s in samples if s[1] >= down_from and s[0] <= down_until]
    after = [s for s in samples if s[0] > down_until]
    errors_before = sum(1 for s in before if not s[2])
    errors_during = sum(1 for s in during if not s[2])
    errors_after = [s for s in after if not s[2]]
    first_ok = min((s[1] for s in after if s[2]), default=None)
    print(
        f"  {len(samples)} requests from {threads} signed-in residents over {seconds}s; PostgreSQL restarted "
        f"(pg_ctl restart -m fast) at {down_from - samples[0][0]:.1f}s, down for {down_until - down_from:.2f}s"
    )
    print(
        f"  errors before: {errors_before} of {len(before)}; while down: {errors_during} of {len(during)} ("
        + ", ".join(f"{k} {n}" for k, n in Counter(s[3] for s in during if not s[2]).items())
        + f"); after: {len(errors_after)} of {len(after)}"
        + (f", first after {errors_after[-1][0] - down_until:.2f}s" if errors_after else "")
    )
    if first_ok is not None:
        print(f"  first good answer {first_ok - down_until:.2f}s after the server was back")
    print(f"  after a quiet restart (the pools idle across it): {quiet.count(False)} errors of {len(quiet)} requests")
    ok = errors_before == 0 and not errors_after and len(after) > 0 and all(quiet)
    print(f"  the app recovers by itself, errors only while the server is down: {'PASS' if ok else 'FAIL'}")
    if not ok:
        print(log_tail(log_path, 40))
    return ok


# d. the payment provider unreachable -------------------------------------------------------------


def drill_provider(workdir):
    """STRIPE_API_BASE on a closed port: a resident who pays is told clearly, nothing changes."""
    print("\n== d. the payment provider unreachable ==", flush=True)
    url = bench_database(workdir)
    migrate(url)
    password = secrets.token_urlsafe(12)
    app = create_app(bench_config(url))
    with app.app_context():
        property_id, units = billed_property("断网花园", {"buildings": 1, "floors": 5, "per_floor": 4}, [PERIOD])
        (username,) = add_resident_accounts(property_id, sorted(units.values())[:1], password)
        db.engine.dispose()
    closed = free_port()  # nothing listens there
    port = free_port()
    base = f"http://{HOST}:{port}"
    log_path = Path(workdir) / "gunicorn-provider.log"
    process = with_env(stripe_env(f"http://{HOST}:{closed}"), lambda: start_gunicorn(url, port, log_path))
    engine = create_engine(url)
    try:
        wait_until_healthy(base, process, log_path)
        browser = Browser(base)
        browser.login("portal", username, password)
        _status, page, _path = browser.get("/portal/bills")
        bill_ids = re.findall(r'name="bill_ids" value="(\d+)"', page)
        token = parse_page(page).inputs.get("csrf_token")
        if not bill_ids:
            raise BenchError("the resident's bills page offers no bill to pay")
        bill = select(Bill.id, Bill.paid_fen, Bill.total_fen).where(Bill.id == int(bill_ids[0]))
        with engine.connect() as conn:
            before = conn.execute(bill).one()
        started = time.perf_counter()
        status, answer, landed = browser.post(
            "/portal/bills/pay", [("csrf_token", token), ("bill_ids", bill_ids[0])], timeout=60
        )
        waited = time.perf_counter() - started
    finally:
        stop_gunicorn(process)
    with engine.connect() as conn:
        after = conn.execute(bill).one()
        payments = conn.scalar(select(func.count(Payment.id)))
    engine.dispose()
    told = "Your bill is unchanged" in answer or "账单未变" in answer
    ok = status == 200 and landed == "/portal/bills" and told and payments == 0 and tuple(before) == tuple(after)
    message = re.search(r"(Online payment is not available[^<]*|[^>]*账单未变[^<]*)", answer)
    print(
        f"  POST /portal/bills/pay answered in {waited:.2f}s, landed on {landed} (HTTP {status}); message shown: "
        f"{message.group(1).strip() if message else 'NONE'}"
    )
    print(
        f"  payment rows {payments}; bill paid/total before {before[1]}/{before[2]}, after {after[1]}/{after[2]}: "
        f"told clearly and nothing changed: {'PASS' if ok else 'FAIL'}"
    )
    return ok


def main(argv=None):
    """Run the chosen drills; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("drills", nargs="*", help="billing, webhooks, postgres, provider (default: all)")
    parser.add_argument("--payments", type=int, default=1000, help="payments of the webhook drill")
    parser.add_argument("--threads", type=int, default=4, help="concurrent clients")
    parser.add_argument("--seconds", type=int, default=30, help="length of the PostgreSQL restart drill")
    parser.add_argument(
        "--without-pre-ping", action="store_true", help="control: the restart drill without pool_pre_ping (expect FAIL)"
    )
    args = parser.parse_args(argv)
    chosen = args.drills or list(DRILLS)
    unknown = set(chosen) - set(DRILLS)
    if unknown:
        parser.error(f"unknown drill(s) {', '.join(sorted(unknown))}: choose from {', '.join(DRILLS)}")
    results = {}
    for name in chosen:
        workdir = tempfile.mkdtemp(prefix=f"fault-drill-{name}-")
        try:
            if name == "billing":
                results[name] = drill_billing(workdir)
            elif name == "webhooks":
                results[name] = drill_webhooks(workdir, args.payments, args.threads)
            elif name == "postgres":
                results[name] = drill_postgres(workdir, args.seconds, args.threads, pre_ping=not args.without_pre_ping)
            else:
                results[name] = drill_provider(workdir)
        except BenchError as error:
            print(f"\nDRILL {name} BROKEN: {error}", file=sys.stderr)
            return 2
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\nFault drills: " + ", ".join(f"{n} {'PASS' if ok else 'FAIL'}" for n, ok in results.items()))
    return 0 if all(results.values()) else 3


if __name__ == "__main__":
    sys.exit(main())
