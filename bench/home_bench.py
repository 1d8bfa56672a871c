"""Benchmark the console's "today" page of each role and its hottest route, the one poll every open console sends
(/staff/alerts/counts: the banner with the live alarms and each menu entry's count), on the large property.

Run from the repository root with the project's virtualenv:

    .venv/bin/python bench/home_bench.py

Steps:
  1. Build a throw-away database (SQLite in a temporary directory, or BENCH_DATABASE_URL, whose tables are dropped
     first) with the Alembic migrations and the register bench's 5,000-unit property (harness.load_large_property),
     then the demo's tickets, callbacks, incidents and patrol routes through their demo loaders, and NEW_REPAIRS
     repairs waiting for the desk, half of them past their dispatch deadline (live alarms on the desk's banner).
  2. Count the SQL statements of each role's today page and of the poll in-process (after a warm-up request).
  3. Serve the app with gunicorn (2 workers, production settings, plus bench/empty_pages.py's empty pages) on
     127.0.0.1, sign in through the real login forms, and load each page and the poll with wrk right after /healthz
     and the console's empty page of the same run.
  4. 50 open consoles: sign in CONSOLES sessions (the demo's desk, manager, engineering, security, finance and
     cleaning accounts in turn) and (a) let wrk send the poll as fast as it can with each request carrying the next
     session's cookie (-c CONSOLES): the poll's capacity, and how many consoles polling every POLL_SECONDS it would
     carry; (b) have each session poll every POLL_SECONDS for PACED_ROUNDS rounds, as the consoles do: requests/s and
     the latency's median and 95th percentile.
  5. Print the figures. There are no targets: the exit code is 0 unless something broke.

Environment: BENCH_SECONDS (wrk duration per run, default 10), BENCH_DATABASE_URL (use this database instead of a
temporary SQLite file; ALL ITS TABLES ARE DROPPED), POLL_SECONDS (the consoles' interval, default 10, as the
layout), PACED_ROUNDS (default 6).
"""

import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from app import create_app  # noqa: E402
from bench.field_bench import print_load, print_statements  # noqa: E402
from bench.harness import (  # noqa: E402
    HOST,
    P95_SCRIPT,
    SETTLE_SECONDS,
    USER_AGENT,
    BenchError,
    bench_config,
    bench_database,
    check_authenticated,
    count_plans,
    free_port,
    http_login,
    load_large_property,
    measure_plans,
    migrate,
    required_tools,
    run_wrk,
    start_gunicorn,
    stop_gunicorn,
    wait_until_healthy,
)
from domain.accounts.models import Actor  # noqa: E402
from domain.clock import today, utcnow  # noqa: E402
from domain.incidents.demo import load_incidents_demo  # noqa: E402
from domain.patrols.demo import load_patrols_demo  # noqa: E402
from domain.property.models import Property, Unit  # noqa: E402
from domain.tickets import recording  # noqa: E402
from domain.tickets.callback_demo import load_callbacks_demo  # noqa: E402
from domain.tickets.demo import load_ticket_demo  # noqa: E402
from extensions import db  # noqa: E402

HTMX = {"HX-Request": "true"}
POLL = "/staff/alerts/counts"
#: The demo's accounts whose today page is measured (the assistant's console opens on their area).
ROLE_USERS = ("frontdesk", "engineer", "security", "finance", "manager", "cleaner")
#: Repairs waiting for the desk, half of them past their dispatch deadline.
NEW_REPAIRS = 40
CONSOLES = int(os.environ.get("CONSOLES", "50"))
POLL_SECONDS = float(os.environ.get("POLL_SECONDS", "10"))
PACED_ROUNDS = int(os.environ.get("PACED_ROUNDS", "6"))
#: A wrk script that signs each request with the next console's session cookie (and prints the 95th percentile).
ROTATE_SCRIPT = (
    """\
cookies = {}
counter = 0
init = function(args)
  for _, value in ipairs(args) do table.insert(cookies, value) end
end
request = function()
  counter = counter + 1
  local headers = { ["Cookie"] = "session=" .. cookies[(counter % #cookies) + 1], ["HX-Request"] = "true" }
  return wrk.format("GET", nil, headers)
end
"""
    + P95_SCRIPT
)


def plans(_targets=None):
    """(area, username, [(label, path[, headers])]): each role's today page, and the poll as the desk and manager."""
    result = [("staff", username, [(f"today: {username}", "/staff/")]) for username in ROLE_USERS]
    result[0][2].append(("poll: frontdesk", POLL, HTMX))
    result[4][2].append(("poll: manager", POLL, HTMX))
    return result


def add_waiting_repairs(prop):
    """NEW_REPAIRS repairs recorded by phone over the last 6 minutes: those older than 3 are past their deadline."""
    system = Actor.system("bench")
    unit_ids = db.session.scalars(select(Unit.id).order_by(Unit.id).limit(NEW_REPAIRS)).all()
    now = utcnow()
    for i, unit_id in enumerate(unit_ids):
        recording.create_ticket(
            system,
            property_id=prop.id,
            kind="repair",
            channel="phone",
            description="卫生间漏水",
            unit_id=unit_id,
            now=now - timedelta(seconds=9 * i),
        )
    return len(unit_ids)


def prepare(workdir, password):
    """Create, migrate and fill the database; return (url, app, targets)."""
    url = bench_database(workdir)
    started = time.perf_counter()
    migrate(url)
    app = create_app(bench_config(url))
    with app.app_context():
        register = load_large_property(password)
        prop = db.session.scalar(select(Property).order_by(Property.id).limit(1))
        rng, day = random.Random(20), today()
        counts = {"tickets": load_ticket_demo(prop, rng=rng)}
        counts["callbacks"] = load_callbacks_demo(prop, rng=rng, today=day)
        counts["incidents"] = load_incidents_demo(prop, rng=rng, today=day)
        counts["patrol routes"] = load_patrols_demo(prop, rng=rng, today=day)
        counts["repairs waiting"] = add_waiting_repairs(prop)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.engine.dispose()
    print(
        f"Loaded in {time.perf_counter() - started:.1f}s: {register['units']} units; "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
    )
    return url, app, None


def count_statements(app, password, targets):
    """The statements of one GET of each page (after a warm-up GET of the same page)."""
    return count_plans(app, password, plans())


def _get(base, path, cookie):
    """One poll: (status, milliseconds)."""
    request = urllib.request.Request(
        base + path, headers={"Cookie": f"session={cookie}", "User-Agent": USER_AGENT, **HTMX}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        status = response.status
    return status, (time.perf_counter() - started) * 1000


def paced_consoles(base, cookies):
    """Each console polls every POLL_SECONDS (its first poll at a random moment of the first interval), PACED_ROUNDS
    times; returns (requests/s, latencies in ms, failures)."""
    latencies, failures, lock = [], [], threading.Lock()

    def console(cookie, offset):
        time.sleep(offset)
        for _round in range(PACED_ROUNDS):
            began = time.perf_counter()
            try:
                status, millis = _get(base, POLL, cookie)
                with lock:
                    (latencies if status == 200 else failures).append(millis if status == 200 else status)
            except OSError as error:
                with lock:
                    failures.append(str(error))
            time.sleep(max(0.0, POLL_SECONDS - (time.perf_counter() - began)))

    rng = random.Random(50)
    threads = [threading.Thread(target=console, args=(c, rng.uniform(0, POLL_SECONDS))) for c in cookies]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies, failures


def measure(url, workdir, password, seconds, wrk, targets):
    """The pages and the poll against /healthz and the empty page; then the 50 consoles."""
    runs = measure_plans(url, workdir, password, seconds, wrk, plans())
    script = Path(workdir) / "rotate.lua"
    script.write_text(ROTATE_SCRIPT)
    port = free_port()
    base = f"http://{HOST}:{port}"
    log_path = Path(workdir) / "gunicorn-consoles.log"
    process = start_gunicorn(url, port, log_path)
    try:
        wait_until_healthy(base, process, log_path)
        cookies = [http_login(base, "staff", ROLE_USERS[i % len(ROLE_USERS)], password) for i in range(CONSOLES)]
        for cookie in cookies[: len(ROLE_USERS)]:
            check_authenticated(base, POLL, cookie, HTMX)
        print(f"{CONSOLES} consoles signed in.")
        time.sleep(SETTLE_SECONDS)
        saturated = run_wrk(
            wrk,
            base,
            POLL,
            seconds,
            script=script,
            script_args=cookies,
            describe=f"{POLL} from {CONSOLES} sessions, as fast as it goes",
        )
        time.sleep(SETTLE_SECONDS)
        print(f"  {CONSOLES} consoles polling every {POLL_SECONDS:g}s, {PACED_ROUNDS} rounds ...", flush=True)
        paced = paced_consoles(base, cookies)
    finally:
        stop_gunicorn(process)
    return runs, saturated, paced


def report(pages, pdfs, measured):
    """The statements, then each page's ratios and the consoles' figures."""
    if measured is None:
        return
    runs, saturated, (rate, latencies, failures) = measured
    print_statements(pages, [])
    print_load(runs)
    print(f"\n{CONSOLES} open consoles")
    print(
        f"  as fast as it goes (wrk, each request the next session's cookie): {saturated.requests_per_sec:.1f} req/s, "
        f"p50 {saturated.latency_p50_ms or 0:.2f} ms, p95 {saturated.latency_p95_ms or 0:.2f} ms, "
        f"p99 {saturated.latency_p99_ms or 0:.2f} ms, non-2xx {saturated.bad_responses}"
    )
    print(
        f"  that carries about {int(saturated.requests_per_sec * POLL_SECONDS):,} consoles polling every "
        f"{POLL_SECONDS:g}s"
    )
    if latencies:
        ordered = sorted(latencies)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
        print(
            f"  paced (each polls every {POLL_SECONDS:g}s): {rate:.1f} req/s, {len(latencies)} answers, "
            f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms, "
            f"failures {len(failures)}"
        )
    if failures:
        raise BenchError(f"{len(failures)} polls failed: {failures[:3]}")


def main():
    """Run the whole benchmark (as harness.run_page_bench, with the consoles' run added); return the exit code."""
    wrk = required_tools()
    if wrk is None:
        return 1
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    password = secrets.token_urlsafe(12)
    workdir = tempfile.mkdtemp(prefix="home-bench-")
    began = time.perf_counter()
    try:
        url, app, targets = prepare(workdir, password)
        pages = count_statements(app, password, targets)
        with app.app_context():
            db.engine.dispose()  # no connection of ours stays open while gunicorn works
        measured = measure(url, workdir, password, seconds, wrk, targets)
        report(pages, None, measured)
        bad = [label for label, *results in measured[0] if any(r.bad_responses for r in results)]
        if bad or measured[1].bad_responses:
            raise BenchError(f"non-2xx/3xx answers during the load of: {', '.join(bad) or POLL}")
        print(f"\nWhole benchmark: {time.perf_counter() - began:.0f}s. No targets: the figures are for people to read.")
        return 0
    except BenchError as error:
        print(f"\nBENCHMARK BROKEN: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
