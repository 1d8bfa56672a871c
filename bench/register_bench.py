"""Benchmark the register pages on a large property: SQL statements per page and requests per second.

Run from the repository root with the project's virtualenv (`make bench` does this):

    .venv/bin/python bench/register_bench.py

Steps:
  1. Build a throw-away database (SQLite in a temporary directory, or BENCH_DATABASE_URL, whose
     tables are dropped first) with the Alembic migrations, then load a property of 5,000 units
     and about 12,000 residents, the demo staff and one resident portal account.
  2. Give the resident's unit a busy history (a year of bills paid on time and late, reminders, tickets and
     complaints, parcels), then count the SQL statements of each register page in-process (Flask test client),
     the unit's 360° page as the manager and as the desk.
  3. Serve the app with gunicorn (production settings) on a free port of 127.0.0.1, sign in
     through the real login forms (CSRF token included) and keep the session cookies.
  4. Load each page with wrk, interleaved with the /healthz baseline, each after its area's empty
     page (bench/empty_pages.py): the floor, what any signed-in page of that area costs. The unit page is
     quoted both against /healthz and against the console's empty page.
  5. Print a report against the targets. The figures are for humans: the exit code is 0 unless
     something broke (no wrk, a failed migration, a page that does not answer 200, ...).

Environment: BENCH_SECONDS (wrk duration per run, default 10), BENCH_DATABASE_URL (use this
database instead of a temporary SQLite file; ALL ITS TABLES ARE DROPPED).
"""

import os
import secrets
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.empty_pages import PORTAL_EMPTY, STAFF_EMPTY  # noqa: E402
from bench.harness import (  # noqa: E402
    HOST,
    RESIDENT_LOGIN,
    SETTLE_SECONDS,
    STAFF_USERNAME,
    WRK_CONNECTIONS,
    WRK_THREADS,
    BenchError,
    check_authenticated,
    count_request,
    free_port,
    http_login,
    parse_page,
    prepare_database,
    required_tools,
    run_wrk,
    start_gunicorn,
    stop_gunicorn,
    test_client_login,
    verdict,
    wait_until_healthy,
)
from extensions import db  # noqa: E402

STATEMENT_BUDGET = 6
#: The unit's 360° page reads a dozen blocks, each one statement: its own budget.
UNIT_PAGE_BUDGET = 25
#: Minimum requests/s of a page as a share of /healthz's.
RATIO_TARGETS = {"/portal/": 0.30, "/staff/units/": 0.20}
#: The empty pages measured as each area's floor (bench/empty_pages.py).
FLOORS = (PORTAL_EMPTY, STAFF_EMPTY)


# SQL statements per page, in-process ----------------------------------------------------------


def make_unit_busy(app, label):
    """Give the unit `label` a year of bills (paid on time, late, one owed), reminders, tickets, a complaint and
    parcels, as a busy household has; return its id."""
    from sqlalchemy import select

    from domain.accounts.models import Actor
    from domain.billing.models import Bill, Reminder
    from domain.clock import today, utcnow
    from domain.parcels.models import Parcel
    from domain.property.models import Occupancy
    from domain.property.units import find_unit
    from domain.tickets import recording

    with app.app_context():
        unit = find_unit(label)
        resident_id = db.session.scalar(
            select(Occupancy.resident_id).where(Occupancy.unit_id == unit.id).order_by(Occupancy.id).limit(1)
        )
        day, now = today(), utcnow()
        for n in range(12):
            due = day - timedelta(days=20 + 30 * n)
            paid = n > 0
            settled = now - timedelta(days=20 + 30 * n + (12 if n % 3 == 0 else -3))
            db.session.add(
                Bill(
                    property_id=unit.property_id,
                    unit_id=unit.id,
                    period=None,
                    title=f"物业管理费 {n + 1}",
                    issued_on=due - timedelta(days=30),
                    due_date=due,
                    total_fen=22375,
                    paid_fen=22375 if paid else 0,
                    settled_at=settled if paid else None,
                )
            )
            db.session.add(
                Reminder(
                    property_id=unit.property_id,
                    resident_id=resident_id,
                    unit_id=unit.id,
                    outstanding_fen=22375,
                    message="请缴费",
                )
            )
            db.session.add(
                Parcel(
                    property_id=unit.property_id,
                    unit_id=unit.id,
                    tracking_number=f"SF{n:010d}",
                    carrier="sf",
                    status="waiting" if n < 3 else "picked_up",
                    arrived_at=now - timedelta(days=n),
                )
            )
            recording.create_ticket(
                Actor.system("bench"),
                property_id=unit.property_id,
                kind="complaint" if n % 4 == 0 else "repair",
                channel="phone",
                description=f"基准工单 {n}",
                unit_id=unit.id,
            )
        db.session.commit()
        return unit.id


def count_statements(app, password, unit_id):
    """Count the statements of the resident home and the staff register pages."""
    results = []
    with app.test_client() as client:
        test_client_login(client, "portal", RESIDENT_LOGIN[0], password)
        client.get("/portal/")  # warm-up: templates compiled, translations loaded
        results.append(count_request(app, client, "resident home", "/portal/")[0])
    with app.test_client() as client:
        test_client_login(client, "staff", STAFF_USERNAME, password)
        client.get("/staff/units/")
        first, body = count_request(app, client, "unit search, page 1", "/staff/units/")
        results.append(first)
        results.append(count_request(app, client, "unit search q=1", "/staff/units/?q=1")[0])
        next_links = [href for href in parse_page(body).links if "after=" in href]
        if not next_links:
            raise BenchError("the first page of /staff/units/ has no 'after=' link to a second page")
        results.append(count_request(app, client, "unit search, page 2", next_links[0])[0])
        results.append(count_request(app, client, "resident search", "/staff/residents/")[0])
        client.get(f"/staff/units/{unit_id}")
        results.append(count_request(app, client, "unit page 360 (desk)", f"/staff/units/{unit_id}")[0])
    with app.test_client() as client:
        test_client_login(client, "staff", "manager", password)
        client.get(f"/staff/units/{unit_id}")
        results.append(count_request(app, client, "unit page 360 (mgr)", f"/staff/units/{unit_id}")[0])
    return results


def budget_of(page):
    """The statement budget of a counted page."""
    return UNIT_PAGE_BUDGET if page.label.startswith("unit page") else STATEMENT_BUDGET


# The report -----------------------------------------------------------------------------------


def print_statement_report(pages):
    """Print each page's statement count against the budget, listing the statements of any page over it."""
    print(f"\nSQL statements per page (budget <= {STATEMENT_BUDGET}; the unit page <= {UNIT_PAGE_BUDGET})")
    print(f"  {'page':<22} {'path':<34} {'stmts':>5} {'ms':>8}  result")
    for page in pages:
        count = len(page.statements)
        print(
            f"  {page.label:<22} {page.path[:34]:<34} {count:>5} {page.millis:>8.1f}  "
            f"{verdict(count <= budget_of(page))}"
        )
    for page in pages:
        if len(page.statements) > budget_of(page):
            print(f"\n  Statements of {page.path}:")
            for i, statement in enumerate(page.statements, 1):
                print(f"    {i:>2}. {statement[:160]}{'...' if len(statement) > 160 else ''}")


def _fmt_ms(value):
    """A latency in ms for the table, or a dash."""
    return f"{value:.2f}" if value is not None else "-"


def print_load_report(runs, baseline):
    """Print requests/s, the ratio to /healthz and latencies of every wrk run, with the targets."""
    print(
        f"\nThroughput (wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS}; baseline = mean of the two /healthz runs "
        f"= {baseline:.1f} req/s)"
    )
    print(
        f"  {'path':<20} {'req/s':>9} {'x healthz':>10} {'avg ms':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'non-2xx/3xx':>11}  {'target':<10} result"
    )
    for run in runs:
        ratio = run.requests_per_sec / baseline if baseline else 0.0
        target = RATIO_TARGETS.get(run.path)
        if target:
            goal, result = f">= {target:.2f}x", verdict(ratio >= target)
        else:
            goal, result = ("floor", "") if run.path in FLOORS else ("baseline", "")
        print(
            f"  {run.path:<20} {run.requests_per_sec:>9.1f} {ratio:>9.2f}x {run.latency_avg_ms:>8.2f} "
            f"{_fmt_ms(run.latency_p50_ms):>8} {_fmt_ms(run.latency_p99_ms):>8} {run.bad_responses:>11}  "
            f"{goal:<10} {result}"
        )
    for run in runs:
        if run.socket_errors:
            print(f"  socket errors on {run.path}: {run.socket_errors}")
    print("  floor: an empty page of the area (session, signed-in user, area checks, layout), served only here;")
    print("  no page of that area can reach a higher ratio than its floor.")
    floor = next((run.requests_per_sec for run in runs if run.path == STAFF_EMPTY), 0.0)
    for run in runs:
        if run.path.startswith("/staff/units/") and run.path != "/staff/units/" and baseline and floor:
            print(
                f"  the unit's 360° page {run.path}: {run.requests_per_sec / baseline:.2f}x /healthz, "
                f"{run.requests_per_sec / floor:.2f}x the console's empty page"
            )


# Putting it together -----------------------------------------------------------------------------


def measure_load(url, workdir, password, seconds, wrk, unit_id):
    """Serve the app with gunicorn, sign in over HTTP and run wrk on each page; return the runs."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    log_path = Path(workdir) / "gunicorn.log"
    # The app plus an empty page per area: the floor every page of that area stands on.
    process = start_gunicorn(url, port, log_path, "bench.empty_pages:create_app()")
    try:
        wait_until_healthy(base, process, log_path)
        print(f"gunicorn (2 workers, production config) is up on {base}")
        resident_cookie = http_login(base, "portal", RESIDENT_LOGIN[0], password)
        staff_cookie = http_login(base, "staff", STAFF_USERNAME, password)
        check_authenticated(base, "/portal/", resident_cookie)
        check_authenticated(base, "/staff/units/", staff_cookie)
        print("Signed in as the resident and as frontdesk; both pages answer 200 with the cookie.")
        check_authenticated(base, PORTAL_EMPTY, resident_cookie)
        check_authenticated(base, STAFF_EMPTY, staff_cookie)
        plan = [
            ("/healthz", None),
            (PORTAL_EMPTY, resident_cookie),
            ("/portal/", resident_cookie),
            (STAFF_EMPTY, staff_cookie),
            ("/staff/units/", staff_cookie),
            (f"/staff/units/{unit_id}", staff_cookie),
            ("/healthz", None),
        ]
        runs = []
        for path, cookie in plan:
            time.sleep(SETTLE_SECONDS)
            runs.append(run_wrk(wrk, base, path, seconds, cookie))
        return runs
    finally:
        stop_gunicorn(process)


def main():
    """Run the whole benchmark; return the process exit code."""
    wrk = required_tools()
    if wrk is None:
        return 1
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    password = secrets.token_urlsafe(12)
    workdir = tempfile.mkdtemp(prefix="register-bench-")
    try:
        url, app = prepare_database(workdir, password)
        unit_id = make_unit_busy(app, RESIDENT_LOGIN[3])
        pages = count_statements(app, password, unit_id)
        with app.app_context():
            db.engine.dispose()  # no connection of ours stays open while gunicorn works
        runs = measure_load(url, workdir, password, seconds, wrk, unit_id)
        baseline = (runs[0].requests_per_sec + runs[-1].requests_per_sec) / 2
        print_statement_report(pages)
        print_load_report(runs, baseline)
        print("\nThe figures are for people to read: the exit code does not depend on PASS/FAIL.")
        return 0
    except BenchError as error:
        print(f"\nBENCHMARK BROKEN: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
