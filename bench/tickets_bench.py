"""Benchmark the staff ticket queue at 1,000 and at 100,000 tickets: SQL statements, requests per second and p95.

Run from the repository root with the project's virtualenv:

    .venv/bin/python bench/tickets_bench.py

Steps:
  1. Build a throw-away database (SQLite in a temporary directory, or BENCH_DATABASE_URL, whose tables
     are dropped first) with the Alembic migrations; load the register bench's 5,000-unit property and
     the demo staff (harness.load_large_property), a few more staff per department, and the
     newest 1,000 tickets of a property's three years (bulk-inserted, ids 99,001-100,000).
  2. Count the SQL statements of GET /staff/tickets/ in-process as `engineer` (their department's open
     tickets) and as `frontdesk` (every open ticket, with the "to forward" panel).
  3. Serve the app with gunicorn (2 workers, production settings) on 127.0.0.1, sign in through the real
     login forms, and load /healthz, then the queue as each user, with wrk.
  4. Add the 99,000 older tickets (ids 1-99,000: the property's history, nearly all closed), count the
     statements again, and load both queues and /healthz again.
  5. Print the report: each queue at 100,000 tickets against 0.20 x the requests/s of /healthz (the mean
     of its two runs), its p95 against 1.5 x its p95 at 1,000, and the statements per request. The
     figures are for people: the exit code is 0 unless something broke (no wrk, no queue route, a
     failed migration, a page that does not answer 200, ...).

Environment: BENCH_SECONDS (wrk duration per run, default 10), BENCH_DATABASE_URL (use this database
instead of a temporary SQLite file; ALL ITS TABLES ARE DROPPED).
"""

import os
import random
import secrets
import shutil
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from bench.harness import (  # noqa: E402
    HOST,
    P95_SCRIPT,
    SETTLE_SECONDS,
    USER_AGENT,
    WRK_CONNECTIONS,
    WRK_THREADS,
    BenchError,
    bench_config,
    bench_database,
    check_authenticated,
    count_request,
    free_port,
    http_login,
    load_large_property,
    migrate,
    required_tools,
    run_wrk,
    start_gunicorn,
    stop_gunicorn,
    test_client_login,
    verdict,
    wait_until_healthy,
)
from domain.accounts.models import AccountKind, User  # noqa: E402
from domain.accounts.roles import Role  # noqa: E402
from domain.accounts.services import hash_password  # noqa: E402
from domain.clock import utcnow  # noqa: E402
from domain.property.models import Property, Unit  # noqa: E402
from domain.tickets.catalogue import DEFAULT_LEVELS  # noqa: E402
from domain.tickets.models import Channel, Department, Priority, Severity, Status, Ticket, TicketKind  # noqa: E402
from domain.tickets.recording import DEFAULT_DEPARTMENT  # noqa: E402
from domain.tickets.workflow import OPEN  # noqa: E402
from extensions import db  # noqa: E402

QUEUE_PATH = "/staff/tickets/"
QUEUE_ENDPOINT = "staff.list_tickets"
#: (username, who) of the two queues measured; both accounts come from the demo staff.
QUEUE_USERS = (("engineer", "engineering"), ("frontdesk", "front desk"))
SMALL, LARGE = 1_000, 100_000
#: The property's tickets span this long; the newest SMALL of them are loaded first.
HISTORY_DAYS = 3 * 365
RATIO_TARGET = 0.20
P95_GROWTH_TARGET = 1.5
CHUNK = 5_000
#: More staff per role, so that claimed tickets spread over several people as they do in a real office.
EXTRA_STAFF = {Role.ENGINEERING: 6, Role.SECURITY: 3, Role.CLEANING: 2, Role.ASSISTANT: 1}
#: Requests to each queue after the big insert, before wrk, so both workers have read the new pages.
WARMUP_REQUESTS = 20


KINDS = [
    (TicketKind.REPAIR, 55),
    (TicketKind.COMPLAINT, 10),
    (TicketKind.HELP, 10),
    (TicketKind.INQUIRY, 15),
    (TicketKind.SERVICE, 10),
]
CHANNELS = [(Channel.PHONE, 35), (Channel.PORTAL, 35), (Channel.VISIT, 15), (Channel.KIOSK, 5), (Channel.PATROL, 10)]
CATEGORIES = {
    TicketKind.REPAIR: ("water", "electricity", "doors_locks", "elevator", "public_area", "gas_heating", "other"),
    TicketKind.COMPLAINT: ("service", "noise", "environment", "security", "charges", "neighbour", "other"),
}
DESCRIPTIONS = (
    "厨房水龙头一直滴水，关不紧。",
    "卫生间插座没电，空气开关没跳。",
    "入户门锁芯卡住，钥匙很难转动。",
    "楼上渗水，卫生间天花板有水渍。",
    "地下车库B2入口处灯不亮。",
    "楼上每晚十一点后装修噪音。",
    "请问明年物业费标准是否调整？",
    "希望周六上午上门保洁。",
    "单元门禁刷卡无反应。",
    "电梯运行时有异响。",
)
PLACES = ("2号楼电梯厅", "地下车库B2", "小区东门", "3号楼楼道", "会所")
NAMES = ("陈先生", "李女士", "王阿姨", "张先生", "刘女士", "赵先生")


@dataclass
class LoadRun:
    """One wrk run: what was loaded, as whom, at how many tickets, and its figures (p95 from the Lua hook)."""

    label: str
    tickets: int | None
    result: object
    p95_ms: float


# 1. The tickets ----------------------------------------------------------------------------------


def _pick(rng, weighted):
    """One value of [(value, weight)]."""
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def _status_for(rng, age):
    """A status as likely for a ticket of `age`: the newest are still being worked on, old ones closed."""
    if age < timedelta(hours=1):
        return _pick(rng, [(Status.NEW, 25), (Status.DISPATCHED, 40), (Status.CLAIMED, 35)])
    if age < timedelta(days=1):
        return _pick(
            rng,
            [
                (Status.DISPATCHED, 12),
                (Status.CLAIMED, 28),
                (Status.SCHEDULED, 15),
                (Status.WAITING, 5),
                (Status.DONE, 20),
                (Status.CLOSED, 17),
                (Status.CANCELLED, 3),
            ],
        )
    if age < timedelta(days=14):
        return _pick(
            rng,
            [
                (Status.CLAIMED, 5),
                (Status.SCHEDULED, 5),
                (Status.WAITING, 3),
                (Status.DONE, 10),
                (Status.CLOSED, 72),
                (Status.CANCELLED, 5),
            ],
        )
    # The history: nearly all closed; about 1 % forgotten and still open (the backlog a queue must not choke on).
    return _pick(
        rng,
        [
            (Status.CLOSED, 940),
            (Status.CANCELLED, 50),
            (Status.DONE, 2),
            (Status.CLAIMED, 4),
            (Status.WAITING, 2),
            (Status.DISPATCHED, 2),
        ],
    )


def _department_for(rng, kind):
    """Where a ticket of `kind` ends up (service requests go to whoever does the service)."""
    if kind == TicketKind.SERVICE:
        return _pick(rng, [(Department.ENGINEERING, 50), (Department.CLEANING, 30), (Department.CUSTOMER_SERVICE, 20)])
    if kind == TicketKind.COMPLAINT and rng.random() < 0.2:
        return rng.choice((Department.ENGINEERING, Department.SECURITY))
    return DEFAULT_DEPARTMENT[kind]


def ticket_row(rng, ticket_id, created, now, property_id, unit_ids, staff):
    """One ticket as a dict for insert(Ticket): every NOT NULL column filled, timestamps in order."""
    kind = _pick(rng, KINDS)
    priority = Priority.URGENT if rng.random() < 0.1 else Priority.NORMAL
    severity = None
    if kind == TicketKind.COMPLAINT:
        severity = _pick(rng, [(Severity.MINOR, 60), (Severity.SERIOUS, 38), (Severity.MAJOR, 2)])
        priority = Priority.URGENT if severity == Severity.MAJOR else priority
    dispatch, response, resolve, _callback = DEFAULT_LEVELS[(kind, priority)]
    status = _status_for(rng, now - created)
    department = _department_for(rng, kind)
    row = {
        "id": ticket_id,
        "property_id": property_id,
        "kind": kind,
        "channel": _pick(rng, CHANNELS),
        "category": rng.choice(CATEGORIES.get(kind, ("",))),
        "description": rng.choice(DESCRIPTIONS),
        "unit_id": None,
        "location": "",
        "resident_id": None,
        "contact_name": rng.choice(NAMES),
        "contact_phone": f"138{rng.randrange(10**8):08d}",
        "preferred_time": "",
        "service_item_id": None,
        "department": department,
        "assignee_id": None,
        "status": status,
        "priority": priority,
        "severity": severity,
        "created_by_id": None,
        "created_at": created,
        "dispatch_due_at": created + timedelta(minutes=dispatch),
        "response_due_at": created + timedelta(minutes=response),
        "resolve_due_at": created + timedelta(minutes=resolve),
        "dispatched_at": None,
        "claimed_at": None,
        "scheduled_for": None,
        "waiting_since": None,
        "done_at": None,
        "closed_at": None,
        "late_notice_at": None,
        "escalated_at": created if severity == Severity.MAJOR else None,
        "outcome": "",
        "resident_reaction": "",
        "rating": None,
        "rating_comment": "",
        "billed_line_id": None,
    }
    if rng.random() < 0.85:
        row["unit_id"] = rng.choice(unit_ids)
    else:
        row["location"] = rng.choice(PLACES)
    # Each step a little after the one before, never in the future.
    at = created
    if status != Status.NEW and not (status == Status.CANCELLED and rng.random() < 0.5):
        at = min(now, at + timedelta(seconds=rng.randrange(20, 600)))
        row["dispatched_at"] = at
    if status in (Status.CLAIMED, Status.SCHEDULED, Status.WAITING, Status.DONE, Status.CLOSED):
        at = min(now, at + timedelta(minutes=rng.randrange(2, 180)))
        row["claimed_at"] = at
        row["assignee_id"] = rng.choice(staff[department])
    if status == Status.SCHEDULED:
        row["scheduled_for"] = at + timedelta(hours=rng.randrange(1, 48))
    if status == Status.WAITING:
        row["waiting_since"] = min(now, at + timedelta(minutes=rng.randrange(5, 120)))
    if status in (Status.DONE, Status.CLOSED):
        at = min(now, at + timedelta(minutes=rng.randrange(20, 3 * 24 * 60)))
        row["done_at"] = at
    if status in (Status.CLOSED, Status.CANCELLED):
        row["closed_at"] = min(now, at + timedelta(hours=rng.randrange(1, 72)))
        if status == Status.CLOSED and rng.random() < 0.4:
            row["rating"] = _pick(rng, [(5, 55), (4, 28), (3, 10), (2, 4), (1, 3)])
    return row


def add_staff(password_hash):
    """A few more staff per role; returns {department: [user ids]} of who may hold a department's tickets."""
    for role, count in EXTRA_STAFF.items():
        for n in range(1, count + 1):
            db.session.add(
                User(
                    username=f"{role.value}-bench{n}",
                    display_name=f"{role.value}{n}",
                    kind=AccountKind.STAFF,
                    role=role,
                    password_hash=password_hash,
                )
            )
    db.session.flush()
    by_role = {}
    for user_id, role in db.session.execute(select(User.id, User.role).where(User.kind == AccountKind.STAFF)):
        by_role.setdefault(role, []).append(user_id)
    desk = by_role[Role.FRONTDESK] + by_role[Role.ASSISTANT]
    return {
        Department.CUSTOMER_SERVICE: desk,
        Department.ENGINEERING: by_role[Role.ENGINEERING],
        Department.SECURITY: by_role[Role.SECURITY],
        Department.CLEANING: by_role[Role.CLEANING],
        Department.FINANCE: by_role[Role.FINANCE],
    }


def insert_tickets(first_id, last_id, property_id, unit_ids, staff, now, seed):
    """Insert the tickets with ids first_id..last_id in chunks, spread evenly over the property's history by id."""
    rng = random.Random(seed)
    step = timedelta(days=HISTORY_DAYS) / LARGE
    for start in range(first_id, last_id + 1, CHUNK):
        rows = []
        for ticket_id in range(start, min(start + CHUNK, last_id + 1)):
            # id LARGE was opened a few minutes ago, id 1 three years ago; jitter keeps timestamps irregular.
            created = now - (LARGE - ticket_id) * step - timedelta(seconds=rng.randrange(60, 300))
            rows.append(ticket_row(rng, ticket_id, created, now, property_id, unit_ids, staff))
        db.session.execute(insert(Ticket), rows)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Explicit ids leave the sequence behind; a real insert after the bench must not collide.
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets))")
        )
        db.session.execute(text("ANALYZE tickets"))  # what autovacuum does after a bulk load
        db.session.commit()


def ticket_counts():
    """(all tickets, open tickets)."""
    total = db.session.scalar(select(func.count(Ticket.id)))
    open_ = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.status.in_(list(OPEN))))
    return total, open_


# 2. Statements per request -------------------------------------------------------------------------


def count_queue_statements(app, password, tickets):
    """The statements of one GET of the queue per user (after a warm-up request)."""
    pages = []
    for username, who in QUEUE_USERS:
        with app.test_client() as client:
            test_client_login(client, "staff", username, password)
            client.get(QUEUE_PATH)
            page, _body = count_request(app, client, f"{who}, {tickets:,} tickets", QUEUE_PATH)
            pages.append(page)
    return pages


# 3. wrk with the 95th percentile -----------------------------------------------------------------------


def run_wrk_p95(wrk, base, path, seconds, script, cookie=None):
    """Load one URL of 127.0.0.1 with wrk; return its figures and the p95 in ms."""
    result = run_wrk(wrk, base, path, seconds, cookie, script=script)
    if result.latency_p95_ms is None:
        raise BenchError(f"wrk printed no p95 for {path}")
    return result, result.latency_p95_ms


def warm_up(base, path, cookie, count):
    """A few plain requests, so both workers have read what the big insert wrote before wrk measures."""
    for _i in range(count):
        request = urllib.request.Request(base + path, headers={"Cookie": f"session={cookie}", "User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()


# 4. The report -----------------------------------------------------------------------------------------


def print_statements(pages):
    """Statements per request at both sizes; the same count at 1,000 and 100,000 tickets passes."""
    print("\nSQL statements per request to GET /staff/tickets/ (in-process; target: the same at 1,000 and 100,000)")
    print(f"  {'user, tickets':<32} {'stmts':>5} {'ms':>8}  result")
    by_user = {}
    for page in pages:
        by_user.setdefault(page.label.split(",")[0], []).append(page)
    for small, large in by_user.values():
        same = len(small.statements) == len(large.statements)
        for page in (small, large):
            print(
                f"  {page.label:<32} {len(page.statements):>5} {page.millis:>8.1f}  "
                f"{verdict(same) if page is large else ''}"
            )
        if not same:
            for page in (small, large):
                print(f"    statements of {page.label}:")
                for i, statement in enumerate(page.statements, 1):
                    print(f"      {i:>2}. {statement[:150]}{'...' if len(statement) > 150 else ''}")


def print_load(runs, counts):
    """Requests/s against /healthz and p95 growth, with PASS/FAIL."""
    healthz = [run for run in runs if run.tickets is None]
    baseline = sum(run.result.requests_per_sec for run in healthz) / len(healthz)
    print(
        f"\nThroughput and latency (wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS}; baseline = mean of the two /healthz runs "
        f"= {baseline:.1f} req/s)"
    )
    print(
        f"  tickets: {counts[SMALL][0]:,} ({counts[SMALL][1]:,} open), then {counts[LARGE][0]:,} "
        f"({counts[LARGE][1]:,} open)"
    )
    print(f"  {'run':<34} {'req/s':>8} {'x healthz':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'non-2xx':>7}")
    for run in runs:
        r = run.result
        print(
            f"  {run.label:<34} {r.requests_per_sec:>8.1f} {r.requests_per_sec / baseline:>8.2f}x "
            f"{r.latency_p50_ms or 0:>7.2f} {run.p95_ms:>7.2f} {r.latency_p99_ms or 0:>7.2f} {r.bad_responses:>7}"
        )
    for run in runs:
        if run.result.socket_errors:
            print(f"  socket errors on {run.label}: {run.result.socket_errors}")
    print("\nTargets at 100,000 tickets")
    for _username, who in QUEUE_USERS:
        small = next(run for run in runs if run.tickets == SMALL and run.label.startswith(who))
        large = next(run for run in runs if run.tickets == LARGE and run.label.startswith(who))
        ratio = large.result.requests_per_sec / baseline
        growth = large.p95_ms / small.p95_ms if small.p95_ms else float("inf")
        print(
            f"  {who + ' queue':<22} {ratio:.2f}x /healthz (target >= {RATIO_TARGET:.2f}x)  "
            f"{verdict(ratio >= RATIO_TARGET)}"
        )
        print(
            f"  {'':<22} p95 {large.p95_ms:.2f} ms vs {small.p95_ms:.2f} ms at 1,000 = {growth:.2f}x "
            f"(target <= {P95_GROWTH_TARGET:.1f}x)  {verdict(growth <= P95_GROWTH_TARGET)}"
        )


# Putting it together -----------------------------------------------------------------------------------


def prepare(workdir, password):
    """Create, migrate and fill the database with the register and the newest 1,000 tickets; return (url, app, ids)."""
    url = bench_database(workdir)
    app = create_app(bench_config(url))
    if QUEUE_ENDPOINT not in app.view_functions:
        raise BenchError(
            f"the staff queue ({QUEUE_ENDPOINT}, GET {QUEUE_PATH}) does not exist yet: "
            "nothing to measure. Run the benchmark again once staff/tickets/routes.py serves it."
        )
    started = time.perf_counter()
    migrate(url)
    with app.app_context():
        register = load_large_property(password)
        staff = add_staff(hash_password(secrets.token_urlsafe(12)))
        property_id = db.session.scalar(select(Property.id).order_by(Property.id).limit(1))
        unit_ids = list(db.session.scalars(select(Unit.id)))
        db.session.commit()
        now = utcnow()
        insert_tickets(LARGE - SMALL + 1, LARGE, property_id, unit_ids, staff, now, seed=1)
        counts = ticket_counts()
    print(
        f"Loaded in {time.perf_counter() - started:.1f}s: {register['units']} units, "
        f"{register['residents']} residents, "
        f"{counts[0]:,} tickets ({counts[1]:,} open)"
    )
    if counts[0] != SMALL:
        raise BenchError(f"expected {SMALL} tickets, found {counts[0]}")
    return url, app, {"property_id": property_id, "unit_ids": unit_ids, "staff": staff, "now": now}, counts


def add_history(app, ids):
    """Insert the 99,000 older tickets; return the counts."""
    started = time.perf_counter()
    with app.app_context():
        insert_tickets(1, LARGE - SMALL, ids["property_id"], ids["unit_ids"], ids["staff"], ids["now"], seed=2)
        counts = ticket_counts()
        db.engine.dispose()
    print(
        f"  added {LARGE - SMALL:,} older tickets in {time.perf_counter() - started:.1f}s: {counts[0]:,} tickets "
        f"({counts[1]:,} open)"
    )
    if counts[0] != LARGE:
        raise BenchError(f"expected {LARGE} tickets, found {counts[0]}")
    return counts


def measure(app, url, ids, counts, workdir, password, seconds, wrk):
    """Serve with gunicorn; wrk /healthz and both queues at 1,000 tickets, add the rest, both queues and /healthz."""
    script = Path(workdir) / "p95.lua"
    script.write_text(P95_SCRIPT)
    port = free_port()
    base = f"http://{HOST}:{port}"
    log_path = Path(workdir) / "gunicorn.log"
    process = start_gunicorn(url, port, log_path)
    runs, pages = [], []
    try:
        wait_until_healthy(base, process, log_path)
        print(f"gunicorn (2 workers, production config) is up on {base}")
        cookies = {username: http_login(base, "staff", username, password) for username, _who in QUEUE_USERS}
        for username, _who in QUEUE_USERS:
            check_authenticated(base, QUEUE_PATH, cookies[username])
        print("Signed in as engineer and frontdesk; the queue answers 200 to both.")
        time.sleep(SETTLE_SECONDS)
        runs.append(LoadRun("/healthz", None, *run_wrk_p95(wrk, base, "/healthz", seconds, script)))
        for tickets in (SMALL, LARGE):
            if tickets == LARGE:
                print(f"Adding the history: {LARGE - SMALL:,} tickets ...", flush=True)
                counts[LARGE] = add_history(app, ids)
                pages += count_queue_statements(app, password, tickets)
                with app.app_context():
                    db.engine.dispose()  # no connection of ours stays open while gunicorn works
                for username, _who in QUEUE_USERS:
                    warm_up(base, QUEUE_PATH, cookies[username], WARMUP_REQUESTS)
            for username, who in QUEUE_USERS:
                time.sleep(SETTLE_SECONDS)
                result, p95 = run_wrk_p95(wrk, base, QUEUE_PATH, seconds, script, cookies[username])
                runs.append(LoadRun(f"{who}, {tickets:,} tickets", tickets, result, p95))
        time.sleep(SETTLE_SECONDS)
        runs.append(LoadRun("/healthz", None, *run_wrk_p95(wrk, base, "/healthz", seconds, script)))
        return runs, pages
    finally:
        stop_gunicorn(process)


def main():
    """Run the whole benchmark; return the process exit code."""
    wrk = required_tools()
    if wrk is None:
        return 1
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    password = secrets.token_urlsafe(12)
    workdir = tempfile.mkdtemp(prefix="tickets-bench-")
    began = time.perf_counter()
    try:
        url, app, ids, small_counts = prepare(workdir, password)
        pages = count_queue_statements(app, password, SMALL)
        with app.app_context():
            db.engine.dispose()
        counts = {SMALL: small_counts}
        runs, large_pages = measure(app, url, ids, counts, workdir, password, seconds, wrk)
        print_statements([page for pair in zip(pages, large_pages) for page in pair])
        print_load(runs, counts)
        bad = [run.label for run in runs if run.result.bad_responses]
        if bad:
            raise BenchError(f"non-2xx/3xx answers during the load of: {', '.join(bad)}")
        print(
            f"\nWhole benchmark: {time.perf_counter() - began:.0f}s. "
            "The figures are for people to read: the exit code does not depend on PASS/FAIL."
        )
        return 0
    except BenchError as error:
        print(f"\nBENCHMARK BROKEN: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
