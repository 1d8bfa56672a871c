"""Benchmark billing and payments on a large property: billing runs, bill pages and the Stripe webhook.

Run from the repository root with the project's virtualenv (`make bench` runs it after register_bench.py):

    .venv/bin/python bench/billing_bench.py

Steps:
  1. Build a throw-away database (SQLite in a temporary directory, or BENCH_DATABASE_URL, whose
     tables are dropped first) with the Alembic migrations, then load a property of 20,000 units
     (20 buildings x 25 floors x 40 units, about 20,000 residents) and a second one of 5,000 units,
     each with a fee schedule (物业管理费 per m², 车位 for 20 % of the units, 垃圾费, metered 水费
     with one reading per unit for the month).
  2. Billing runs, in-process, counting SQL statements: the preview of the large property, the run
     of 5,000 units, the run of 20,000 units and the rerun of the same month.
  3. SQL statements of GET /portal/bills (a resident with 12, then 36 months of bills) and of
     GET /staff/billing/arrears (finance, with 1,000, then 20,000 units in arrears).
  4. The webhook: Checkout sessions opened with `start_checkout` against a local Stripe sandbox and
     paid there, then gunicorn (production settings, the real StripeProvider) receives the signed
     checkout.session.completed events from concurrent clients, then the same events again; wrk
     compares the webhook's requests/s with /healthz's. Every payment must succeed exactly once
     with exactly one receipt.
  5. Print a report against the targets. The figures are for humans: the exit code is 0 unless
     something broke (no wrk, a failed migration, a request that does not answer 200, a payment
     applied twice, ...).

Environment: BENCH_SECONDS (wrk duration per run, default 10), BENCH_DATABASE_URL (use this
database instead of a temporary SQLite file; ALL ITS TABLES ARE DROPPED), BENCH_WEBHOOK_THREADS
(concurrent webhook senders, default 4).
"""

import http.client
import itertools
import json
import math
import os
import random
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select, update  # noqa: E402

from app import create_app  # noqa: E402
from bench.harness import (  # noqa: E402
    HOST,
    SETTLE_SECONDS,
    USER_AGENT,
    WRK_CONNECTIONS,
    WRK_THREADS,
    BenchError,
    bench_config,
    bench_database,
    count_request,
    free_port,
    log_tail,
    migrate,
    required_tools,
    run_wrk,
    start_gunicorn,
    stop_gunicorn,
    test_client_login,
    verdict,
    wait_until_healthy,
)
from domain.accounts.models import AccountKind, Actor, User  # noqa: E402
from domain.accounts.services import hash_password  # noqa: E402
from domain.billing.models import (
    Bill,
    BillLine,
    ChargeBasis,
    ChargeRate,
    ChargeType,
    ChargeUnit,
    LineKind,  # noqa: E402
    MeterReading,
    Scope,
)
from domain.billing.runs import BATCH_SIZE, preview_run, run_billing  # noqa: E402
from domain.billing.schedule import month_before  # noqa: E402
from domain.clock import today as property_today  # noqa: E402
from domain.clock import utcnow  # noqa: E402
from domain.demo import ensure_staff, generate_register  # noqa: E402
from domain.payments.checkout import start_checkout  # noqa: E402
from domain.payments.desk import record_desk_payment  # noqa: E402
from domain.payments.models import Allocation, Method, Payment, PaymentStatus, Receipt, WebhookEvent  # noqa: E402
from domain.payments.providers import StripeProvider  # noqa: E402
from domain.property.companies import ensure_company
from domain.property.models import Building, Occupancy, Property, Relation, Resident, Unit, UnitStatus  # noqa: E402
from extensions import db  # noqa: E402
from sandbox.stripe_app import SandboxHTTPClient, pay, signed, start_sandbox  # noqa: E402

#: 20 buildings x 25 floors x 40 units per floor = 20,000 units; the small property has a quarter of that.
LARGE_LAYOUT = {"buildings": 20, "floors": 25, "per_floor": 40}
SMALL_LAYOUT = {"buildings": 5, "floors": 25, "per_floor": 40}
LARGE_RESIDENTS = 20000
#: Share of the units that rent a parking space (车位管理费 is listed per unit).
PARKING_SHARE = 0.20
RUN_SECONDS_TARGET = 60
#: A run may send at most this many statements per extra batch of BATCH_SIZE units.
STATEMENTS_PER_BATCH_BUDGET = 10
PAGE_BUDGET = 10
ARREARS_SMALL = 1000
RESIDENT_LOGIN = ("resident1", "陈业主", "13800000001", "1-1201")
FINANCE_USERNAME = "finance"
#: The resident's bills: 12 months, then 36 (bills_for_resident shows at most 36).
RESIDENT_MONTHS = (12, 36)
STRIPE_KEY, WEBHOOK_SECRET = "sk_test_bench", "whsec_bench"
WEBHOOK_PATH = "/payments/stripe/webhook"
#: Payments opened through start_checkout and the sandbox, delivered by the client threads.
WEBHOOK_PAYMENTS = 2000
WEBHOOK_P99_TARGET_MS = 100
WARMUP_EVENTS = 20
#: First deliveries sent one at a time before the concurrent phases: the time of a request without queueing.
SEQUENTIAL_EVENTS = 200
#: Extra pending payments (inserted directly) whose first deliveries wrk sends, per second of wrk.
WRK_POOL_PER_SECOND = 250

#: wrk script: cycle through pre-signed deliveries, one "signature<TAB>body" line each in the data file.
WRK_SCRIPT = """\
local requests, i = {}, 0

function init(args)
  for line in io.lines(args[1]) do
    local signature, body = line:match("^([^\\t]*)\\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", nil, {["Content-Type"] = "application/json",
      ["Stripe-Signature"] = signature, ["User-Agent"] = args[2]}, body)
  end
end

function request()
  i = i % #requests + 1
  return requests[i]
end
"""


@dataclass
class RunFigures:
    """What one billing run (or preview) did and cost."""

    label: str
    units: int
    bills: int
    lines: int | None
    seconds: float
    statements: list = field(default_factory=list)

    @property
    def batches(self):
        """Batches of BATCH_SIZE units the run went through."""
        return math.ceil(self.units / BATCH_SIZE)


@dataclass
class Delivery:
    """One webhook request from a client thread."""

    millis: float
    status: int | None
    outcome: str


@dataclass
class Phase:
    """The deliveries of one webhook phase."""

    label: str
    deliveries: list
    seconds: float

    @property
    def millis(self):
        """Latencies, sorted."""
        return sorted(d.millis for d in self.deliveries)

    def percentile(self, q):
        """Nearest-rank percentile of the latencies, ms."""
        values = self.millis
        return values[max(0, math.ceil(q * len(values)) - 1)]


def webhook_config(database_url, sandbox_url):
    """The in-process settings: the bench config with Stripe keys, as production would have them."""

    class WebhookBenchConfig(bench_config(database_url)):
        """CSRF off for the test client; the real StripeProvider pointed at the sandbox."""

        STRIPE_SECRET_KEY = STRIPE_KEY
        STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        STRIPE_API_BASE = sandbox_url

    return WebhookBenchConfig


@contextmanager
def counting_statements():
    """Collect the SQL statements sent while the block runs (SQLAlchemy's before_cursor_execute)."""
    statements = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        """Keep the statement, whitespace squeezed."""
        statements.append(" ".join(statement.split()))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def statement_kind(statement):
    """A short name for a statement, for the breakdown: "INSERT INTO bills", "SELECT ... FROM units"."""
    words = statement.split()
    verb = words[0].upper() if words else "?"
    if verb in ("INSERT", "DELETE"):
        return " ".join(words[:3])
    if verb == "UPDATE":
        return " ".join(words[:2])
    lowered = [w.lower() for w in words]
    table = words[lowered.index("from") + 1] if "from" in lowered else ""
    return f"SELECT ... FROM {table}"


# 1. The database ---------------------------------------------------------------------------------


def add_property(name, layout, residents, rng):
    """A property from generate_register; residents=0 leaves every unit vacant (the run bills them all)."""
    prop = Property(
        company_id=ensure_company().id,
        name=name,
        address="沈阳市和平区",
        service_phone="024-0000 0000",
        desk_hours="08:00-20:00",
    )
    db.session.add(prop)
    db.session.flush()
    units = generate_register(
        prop, residents_target=residents, rng=rng, vacant_share=0.12 if residents else 1.0, **layout
    )
    return prop, units


def add_fee_schedule(prop, unit_ids, period, rng):
    """物业管理费 per m² (70 % while vacant), 车位 for a listed 20 % of the units, 垃圾费 per unit, 水费 metered with a
    reading per unit."""
    since = date(2020, 1, 1)
    charges = {}
    for code, name, basis, rate, scope, meter_unit in (
        ("PM", "物业管理费", ChargeBasis.PER_AREA, 250, Scope.ALL, ""),
        ("PARK", "车位管理费", ChargeBasis.PER_UNIT, 15000, Scope.UNITS, ""),
        ("GARBAGE", "垃圾费", ChargeBasis.PER_UNIT, 1000, Scope.ALL, ""),
        ("WATER", "水费", ChargeBasis.METERED, 345, Scope.ALL, "吨"),
    ):
        charge = ChargeType(property_id=prop.id, code=code, name=name, basis=basis, scope=scope, meter_unit=meter_unit)
        if code == "PM":  # 70 % for a unit vacant all month: the run reads every batch's vacant days
            charge.vacancy_percent = 70
        charge.rates.append(ChargeRate(rate_fen=rate, effective_from=since))
        db.session.add(charge)
        charges[code] = charge
    db.session.flush()
    parking = rng.sample(unit_ids, int(len(unit_ids) * PARKING_SHARE))
    readings = []
    for unit_id in unit_ids:
        previous = rng.randrange(0, 500000)
        readings.append(
            {
                "unit_id": unit_id,
                "charge_type_id": charges["WATER"].id,
                "period": period,
                "previous_x100": previous,
                "current_x100": previous + rng.randrange(100, 3000),
            }
        )
    for start in range(0, len(parking), 1000):
        db.session.execute(
            insert(ChargeUnit),
            [{"charge_type_id": charges["PARK"].id, "unit_id": u} for u in parking[start : start + 1000]],
        )
    for start in range(0, len(readings), 1000):
        db.session.execute(insert(MeterReading), readings[start : start + 1000])
    return len(parking), len(readings)


def add_accounts(prop, units, password):
    """The demo staff of `prop` (finance among them) and one resident portal account, owner of RESIDENT_LOGIN's
    unit."""
    ensure_staff(password, Actor.system("bench"), prop)
    username, name, phone, label = RESIDENT_LOGIN
    user = User(username=username, display_name=name, kind=AccountKind.RESIDENT, password_hash=hash_password(password))
    prop_id = db.session.get(Unit, units[label]).building.property_id
    resident = Resident(property_id=prop_id, name=name, phone=phone, user=user)
    unit = db.session.get(Unit, units[label])
    unit.status = UnitStatus.OCCUPIED
    db.session.add_all(
        [user, resident, Occupancy(unit=unit, resident=resident, relation=Relation.OWNER, start_date=date(2019, 5, 1))]
    )
    db.session.flush()
    return resident.id, unit.id


def load_properties(password, period):
    """Load both properties, their fee schedules and the accounts; return what the later steps need."""
    rng = random.Random(7)
    large, large_units = add_property("基准测试花园", LARGE_LAYOUT, LARGE_RESIDENTS, rng)
    small, small_units = add_property("基准测试小区", SMALL_LAYOUT, 0, rng)
    parking_large, readings_large = add_fee_schedule(large, sorted(large_units.values()), period, rng)
    parking_small, readings_small = add_fee_schedule(small, sorted(small_units.values()), period, rng)
    resident_id, resident_unit = add_accounts(large, large_units, password)
    db.session.commit()
    print(
        f"  {large.name}: {len(large_units)} units, "
        f"{db.session.scalar(select(func.count(Resident.id)).where(Resident.property_id == large.id))} residents, "
        f"{parking_large} parking spaces, {readings_large} water readings"
    )
    print(
        f"  {small.name}: {len(small_units)} units (vacant, no residents), {parking_small} parking spaces, "
        f"{readings_small} water readings"
    )
    return {
        "large": large.id,
        "small": small.id,
        "large_units": len(large_units),
        "small_units": len(small_units),
        "resident_id": resident_id,
        "resident_unit": resident_unit,
    }


# 2. Billing runs ---------------------------------------------------------------------------------


def line_count(run_id):
    """Lines of the bills of a run."""
    return db.session.scalar(select(func.count(BillLine.id)).join(Bill).where(Bill.run_id == run_id))


def measure_preview(label, property_id, units, period):
    """Time and count the statements of preview_run."""
    with counting_statements() as statements:
        started = time.perf_counter()
        preview = preview_run(property_id, period)
        seconds = time.perf_counter() - started
    db.session.rollback()
    if preview.units != units:
        raise BenchError(f"the preview saw {preview.units} units to bill, expected {units}")
    lines = sum(entry[1] for entry in preview.by_charge.values())
    return RunFigures(label, units, preview.bills, lines, seconds, statements)


def measure_run(label, property_id, units, period, due_date, today):
    """Time and count the statements of run_billing, committing after each batch as the CLI does."""
    with counting_statements() as statements:
        started = time.perf_counter()
        run = run_billing(
            Actor.system("bench"),
            property_id=property_id,
            period=period,
            due_date=due_date,
            today=today,
            after_batch=db.session.commit,
        )
        db.session.commit()
        seconds = time.perf_counter() - started
    return run, RunFigures(label, units, run.bill_count, line_count(run.id), seconds, statements)


def billing_runs(ids, period, due_date, today):
    """The preview, the 5,000- and 20,000-unit runs and the rerun; returns their figures."""
    results = []
    print("  preview of the large property ...", flush=True)
    results.append(measure_preview(f"preview, {ids['large_units']:,} units", ids["large"], ids["large_units"], period))
    print("  run of the small property ...", flush=True)
    _run, small = measure_run(
        f"run, {ids['small_units']:,} units", ids["small"], ids["small_units"], period, due_date, today
    )
    results.append(small)
    print("  run of the large property ...", flush=True)
    first, large = measure_run(
        f"run, {ids['large_units']:,} units", ids["large"], ids["large_units"], period, due_date, today
    )
    results.append(large)
    for figures, expected in ((small, ids["small_units"]), (large, ids["large_units"])):
        if figures.bills != expected:
            raise BenchError(f"{figures.label} created {figures.bills} bills, expected {expected}")
    print("  rerun of the same month ...", flush=True)
    bills_before = db.session.scalar(select(func.count(Bill.id)).where(Bill.property_id == ids["large"]))
    again, rerun = measure_run("rerun, same month", ids["large"], ids["large_units"], period, due_date, today)
    rerun.bills = db.session.scalar(select(func.count(Bill.id)).where(Bill.property_id == ids["large"])) - bills_before
    rerun.lines = None
    if again.id != first.id:
        raise BenchError("the rerun started a second BillingRun for the month instead of resuming the first")
    results.append(rerun)
    return results


def print_run_report(results):
    """Runs against the 60 s target, statements per 500 units, and the statement breakdown of the large run."""
    print(
        f"\nBilling runs (batches of {BATCH_SIZE} units, commit after each; target: 20,000 units in < "
        f"{RUN_SECONDS_TARGET} s, statements growing with units/{BATCH_SIZE})"
    )
    print(
        f"  {'what':<22} {'units':>6} {'bills':>6} {'lines':>6} {'seconds':>8} {'stmts':>6} "
        f"{'stmts/500 units':>15}  result"
    )
    preview, small, large, rerun = results
    for figures in results:
        per_500 = len(figures.statements) / (figures.units / BATCH_SIZE)
        if figures is rerun:
            result = f"{verdict(figures.bills == 0)} ({figures.bills} new bills)"
        elif figures is preview:
            result = ""
        else:
            result = f"{verdict(figures.seconds < RUN_SECONDS_TARGET)} (< {RUN_SECONDS_TARGET} s)"
        lines = "-" if figures.lines is None else figures.lines
        print(
            f"  {figures.label:<22} {figures.units:>6} {figures.bills:>6} {lines:>6} {figures.seconds:>8.2f} "
            f"{len(figures.statements):>6} {per_500:>15.2f}  {result}"
        )
    extra = len(large.statements) - len(small.statements)
    per_batch = extra / (large.batches - small.batches)
    fixed = len(small.statements) - per_batch * small.batches
    print(
        f"  {len(large.statements)} - {len(small.statements)} statements for {large.batches - small.batches} more "
        f"batches = {per_batch:.2f} per batch of {BATCH_SIZE} units (+ {fixed:.1f} per run): "
        f"{verdict(per_batch <= STATEMENTS_PER_BATCH_BUDGET)} (<= {STATEMENTS_PER_BATCH_BUDGET} per batch)"
    )
    rate = large.units / large.seconds if large.seconds else 0
    print(f"  large run: {rate:,.0f} units/s, {large.seconds / large.batches * 1000:.0f} ms per batch")
    print(f"\n  Statements of the {large.label} by kind:")
    for kind, count in Counter(statement_kind(s) for s in large.statements).most_common():
        print(f"    {count:>5}  {kind[:100]}")
    print(f"  Statements of the {rerun.label} by kind:")
    for kind, count in Counter(statement_kind(s) for s in rerun.statements).most_common():
        print(f"    {count:>5}  {kind[:100]}")


# 3. Statements of the bill pages -----------------------------------------------------------------


def set_overdue_units(property_id, period, overdue_unit_ids, today, due_date):
    """Make only `overdue_unit_ids` owe past their due date (the rest fall due in a month); None: every unit."""
    db.session.execute(
        update(Bill).where(Bill.property_id == property_id, Bill.period == period).values(due_date=due_date)
    )
    if overdue_unit_ids is not None:
        db.session.execute(
            update(Bill)
            .where(Bill.property_id == property_id, Bill.period == period, Bill.unit_id.not_in(overdue_unit_ids))
            .values(due_date=today + timedelta(days=30))
        )
    db.session.commit()


def add_resident_months(unit_id, property_id, first_period, months, pay_every_other):
    """Bills for `months` months before `first_period` (one line each), every other one paid at the desk."""
    period, created = first_period, []
    for _i in range(months):
        period = month_before(period)
        bill = Bill(
            property_id=property_id,
            unit_id=unit_id,
            period=period,
            title="",
            issued_on=period,
            due_date=period + timedelta(days=29),
            total_fen=22375,
            paid_fen=0,
            created_at=utcnow(),
        )
        bill.lines.append(
            BillLine(kind=LineKind.CHARGE, description="物业管理费", detail="89.50 m² × ¥2.50", amount_fen=22375)
        )
        db.session.add(bill)
        created.append(bill)
    db.session.flush()
    if pay_every_other:
        for bill in created[1::2]:
            record_desk_payment(Actor.system("bench"), unit_id=unit_id, bill_ids=[bill.id], method=Method.CASH)
    db.session.commit()
    return period


def page_counts(app, ids, password, period, due_date, today):
    """Statements of /portal/bills (12 and 36 months) and /staff/billing/arrears (1,000 and 20,000 units)."""
    from domain.payments.collection import arrears_totals

    results = {}
    with app.app_context():
        first_units = db.session.scalars(
            select(Unit.id)
            .join(Unit.building)
            .where(Building.property_id == ids["large"])
            .order_by(Unit.id)
            .limit(ARREARS_SMALL)
        ).all()
    with app.test_client() as client:
        test_client_login(client, "staff", FINANCE_USERNAME, password)
        for _label, overdue in ((f"{ARREARS_SMALL:,} units", first_units), (f"{ids['large_units']:,} units", None)):
            with app.app_context():
                set_overdue_units(ids["large"], period, overdue, today, due_date)
                units = arrears_totals(ids["large"], property_today())["units"]
            client.get("/staff/billing/arrears")  # warm-up: templates compiled, translations loaded
            page, _body = count_request(app, client, f"arrears, {units:,} units", "/staff/billing/arrears")
            results.setdefault("arrears", []).append(page)
    with app.test_client() as client:
        test_client_login(client, "portal", RESIDENT_LOGIN[0], password)
        oldest = period
        for _months, (before, now) in zip(RESIDENT_MONTHS, itertools.pairwise((1, *RESIDENT_MONTHS))):
            with app.app_context():
                oldest = add_resident_months(ids["resident_unit"], ids["large"], oldest, now - before, True)
                bills = db.session.scalar(select(func.count(Bill.id)).where(Bill.unit_id == ids["resident_unit"]))
            client.get("/portal/bills")
            page, _body = count_request(app, client, f"bills, {bills} months", "/portal/bills")
            results.setdefault("bills", []).append(page)
    return results


def print_page_report(results):
    """Each page's statements for the small and large case; PASS when equal and within the budget."""
    print(f"\nSQL statements per page as the bills grow (PASS: the same count both times, <= {PAGE_BUDGET})")
    print(f"  {'page':<24} {'case':<22} {'stmts':>5} {'ms':>8}  result")
    for key, path in (("bills", "/portal/bills"), ("arrears", "/staff/billing/arrears")):
        pages = results[key]
        counts = [len(p.statements) for p in pages]
        ok = len(set(counts)) == 1 and counts[0] <= PAGE_BUDGET
        for i, page in enumerate(pages):
            print(
                f"  {path:<24} {page.label:<22} {len(page.statements):>5} {page.millis:>8.1f}  "
                f"{verdict(ok) if i == len(pages) - 1 else ''}"
            )
    for key in ("bills", "arrears"):
        pages = results[key]
        if len({len(p.statements) for p in pages}) > 1:
            shown = pages  # the count changed with the data: show both
        else:
            shown = [pages[-1]] if len(pages[-1].statements) > PAGE_BUDGET else []
        for page in shown:
            print(f"\n  Statements of {page.path} ({page.label}):")
            for i, statement in enumerate(page.statements, 1):
                print(f"    {i:>2}. {statement[:160]}{'...' if len(statement) > 160 else ''}")


# 4. The webhook ----------------------------------------------------------------------------------


def payable_bills(property_id, period, exclude_unit, limit, with_resident):
    """(bill id, unit id, resident id or None, owed) of unpaid bills of the month, one per unit."""
    query = (
        select(Bill.id, Bill.unit_id, Bill.total_fen - Bill.paid_fen)
        .where(
            Bill.property_id == property_id,
            Bill.period == period,
            Bill.unit_id != exclude_unit,
            Bill.paid_fen == 0,
            ~select(Allocation.id).where(Allocation.bill_id == Bill.id).exists(),
        )
        .order_by(Bill.unit_id)
        .limit(limit)
    )
    if with_resident:
        owner = (
            select(func.min(Occupancy.resident_id))
            .where(
                Occupancy.unit_id == Bill.unit_id, Occupancy.relation == Relation.OWNER, Occupancy.end_date.is_(None)
            )
            .correlate(Bill)
            .scalar_subquery()
        )
        query = query.add_columns(owner).where(owner.is_not(None))
        return [(b, u, r, owed) for b, u, owed, r in db.session.execute(query)]
    return [(b, u, None, owed) for b, u, owed in db.session.execute(query)]


def open_checkouts(ids, period, provider, sandbox):
    """Open WEBHOOK_PAYMENTS Checkout sessions with start_checkout and pay them in the sandbox; return the events."""
    bills = payable_bills(ids["large"], period, ids["resident_unit"], WEBHOOK_PAYMENTS, with_resident=True)
    if len(bills) < WEBHOOK_PAYMENTS:
        raise BenchError(f"only {len(bills)} occupied units with an unpaid bill, {WEBHOOK_PAYMENTS} needed")
    actor, today = Actor.system("bench"), property_today()
    events = []
    for n, (bill_id, _unit_id, resident_id, _owed) in enumerate(bills, 1):
        start = start_checkout(
            actor,
            resident_id=resident_id,
            bill_ids=[bill_id],
            today=today,
            provider=provider,
            success_url="http://127.0.0.1/portal/payments/{PAYMENT_ID}?session_id={CHECKOUT_SESSION_ID}",
            cancel_url="http://127.0.0.1/portal/bills",
        )
        session_id = start.url.rsplit("/", 1)[-1]
        events.append(pay(sandbox.app, session_id, "card"))
        if n % 200 == 0:
            db.session.commit()
    db.session.commit()
    return events


def pending_checkouts(provider, property_id, bills, label):
    """One pending online payment per (bill id, unit id, amount owed), inserted directly as start_checkout leaves it,
    each with its Checkout session made through `provider` (idempotency key "<label>-<bill id>"); flushed, not
    committed. Returns the payments, in the bills' order."""
    payments = []
    for bill_id, unit_id, owed in bills:
        payment = Payment(
            property_id=property_id,
            unit_id=unit_id,
            method=Method.ONLINE,
            status=PaymentStatus.PENDING,
            amount_fen=owed,
            provider="stripe",
            idempotency_key=f"{label}-{bill_id}",
        )
        payment.allocations = [Allocation(bill_id=bill_id, amount_fen=owed)]
        payments.append(payment)
    db.session.add_all(payments)
    db.session.flush()
    for payment in payments:
        session = provider.create_checkout(
            line_items=[(label, payment.amount_fen)],
            currency="cny",
            metadata={"payment_id": str(payment.id)},
            client_reference_id=str(payment.id),
            success_url="http://127.0.0.1/portal/bills",
            cancel_url="http://127.0.0.1/portal/bills",
            idempotency_key=payment.idempotency_key,
        )
        payment.provider_session_id, payment.checkout_url = session.id, session.url
    return payments


def add_pool_payments(ids, period, count, provider, sandbox):
    """Pending online payments for wrk, inserted directly (as start_checkout leaves them), each with a Checkout
    session paid in the sandbox: the webhook reads the session back from there. Return their events."""
    bills = payable_bills(ids["large"], period, ids["resident_unit"], count, with_resident=False)
    payments = pending_checkouts(provider, ids["large"], [(b, u, owed) for b, u, _r, owed in bills], "bench-pool")
    events = [pay(sandbox.app, payment.provider_session_id, "card") for payment in payments]
    db.session.commit()
    return events


def body_of(event_dict):
    """The exact bytes sent and signed."""
    return json.dumps(event_dict, ensure_ascii=False).encode("utf-8")


def send_all(port, bodies, threads):
    """POST every body to the webhook from `threads` client threads, signed just before sending; time each."""
    results = [None] * len(bodies)
    counter = itertools.count()

    def worker():
        """Take the next body until none is left; one connection per thread, reopened when the server closes it."""
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            while (i := next(counter)) < len(bodies):
                headers = {
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "Stripe-Signature": signed(bodies[i], WEBHOOK_SECRET),
                }
                started = time.perf_counter()
                try:
                    connection.request("POST", WEBHOOK_PATH, body=bodies[i], headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                except (http.client.HTTPException, OSError) as error:
                    connection.close()
                    results[i] = Delivery((time.perf_counter() - started) * 1000, None, f"error: {error}")
                    continue
                millis = (time.perf_counter() - started) * 1000
                if response.will_close:
                    connection.close()
                try:
                    outcome = json.loads(data).get("outcome", "?") if response.status == 200 else data[:200].decode()
                except ValueError:
                    outcome = data[:200].decode(errors="replace")
                results[i] = Delivery(millis, response.status, outcome)
        finally:
            connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, name=f"webhook-sender-{n}") for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results, time.perf_counter() - started


def run_wrk_webhook(wrk, base, bodies, seconds, workdir):
    """wrk POSTs freshly signed first deliveries of the pool (it cycles back to duplicates if it runs out)."""
    script, data = Path(workdir) / "webhook.lua", Path(workdir) / "webhook-deliveries.tsv"
    script.write_text(WRK_SCRIPT)
    with open(data, "w", encoding="utf-8") as out:
        for body in bodies:
            out.write(signed(body, WEBHOOK_SECRET) + "\t" + body.decode("utf-8") + "\n")
    return run_wrk(
        wrk,
        base,
        WEBHOOK_PATH,
        seconds,
        script=script,
        script_args=(data, USER_AGENT),
        describe=f"POST {WEBHOOK_PATH} ({seconds}s, {len(bodies)} pre-signed first deliveries)",
    )


@contextmanager
def environment(**values):
    """Set environment variables for the block (gunicorn inherits them when it starts)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def check_phase(phase, expected, log_path):
    """Fail loudly when a delivery did not answer 200 with the expected outcome."""
    bad = [d for d in phase.deliveries if d.status != 200]
    if bad:
        raise BenchError(
            f"{len(bad)} of the {phase.label} did not answer 200, e.g. {bad[0].status} {bad[0].outcome!r}:\n"
            f"{log_tail(log_path)}"
        )
    outcomes = Counter(d.outcome for d in phase.deliveries)
    return outcomes.get(expected, 0) == len(phase.deliveries), outcomes


def measure_webhook(url, workdir, sandbox_url, events, pool_events, seconds, wrk, threads):
    """Serve the app with gunicorn, deliver the events (first and again), then wrk /healthz and the webhook."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    log_path = Path(workdir) / "gunicorn.log"
    with environment(STRIPE_SECRET_KEY=STRIPE_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE=sandbox_url):
        process = start_gunicorn(url, port, log_path)
    try:
        wait_until_healthy(base, process, log_path)
        print(f"gunicorn (2 workers, production config, Stripe keys set) is up on {base}")
        # Warm-up: event types the app does not handle, so each worker has loaded the webhook's code path.
        warmup = [
            body_of(
                {
                    "id": "evt_warmup" + secrets.token_hex(8),
                    "type": "payment_intent.created",
                    "data": {"object": {"id": "pi_warmup"}},
                }
            )
            for _i in range(WARMUP_EVENTS)
        ]
        warm, _seconds = send_all(port, warmup, threads)
        if any(d.status != 200 for d in warm):
            raise BenchError(
                f"the webhook refused the warm-up events: {warm[0].status} {warm[0].outcome!r}\n{log_tail(log_path)}"
            )
        pool_bodies = [body_of(e) for e in pool_events]
        alone, pool_bodies = pool_bodies[:SEQUENTIAL_EVENTS], pool_bodies[SEQUENTIAL_EVENTS:]
        print(f"  {len(alone)} first deliveries from 1 thread (no queueing: the time of one request) ...", flush=True)
        phases = [Phase("first, 1 thread", *send_all(port, alone, 1))]
        bodies = [body_of(e) for e in events]
        print(f"  {len(bodies)} first deliveries from {threads} threads ...", flush=True)
        phases.append(Phase("first deliveries", *send_all(port, bodies, threads)))
        print(f"  {len(bodies)} duplicate deliveries from {threads} threads ...", flush=True)
        phases.append(Phase("duplicates", *send_all(port, bodies, threads)))
        checks = [
            check_phase(phase, expected, log_path)
            for phase, expected in zip(phases, ("applied", "applied", "duplicate"))
        ]
        runs = []
        for what in ("/healthz", WEBHOOK_PATH, "/healthz"):
            time.sleep(SETTLE_SECONDS)
            if what == WEBHOOK_PATH:
                runs.append(run_wrk_webhook(wrk, base, pool_bodies, seconds, workdir))
            else:
                runs.append(run_wrk(wrk, base, what, seconds))
        return phases, checks, runs
    finally:
        stop_gunicorn(process)


def print_webhook_report(phases, checks, runs, threads):
    """Latency percentiles per phase against the p99 target, then wrk's requests/s against /healthz."""
    print(
        f"\nWebhook POST {WEBHOOK_PATH}: gunicorn 2 workers, {threads} client threads "
        f"(target: p99 < {WEBHOOK_P99_TARGET_MS} ms)"
    )
    print(
        f"  {'phase':<17} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7}  "
        f"{'outcomes':<28} result"
    )
    for i, (phase, (ok, outcomes)) in enumerate(zip(phases, checks)):
        p99 = phase.percentile(0.99)
        shown = ", ".join(f"{name} {count}" for name, count in outcomes.most_common(3))
        result = verdict(p99 < WEBHOOK_P99_TARGET_MS and ok) if i else f"{'' if ok else 'FAIL '}(for reference)"
        print(
            f"  {phase.label:<17} {len(phase.deliveries):>8} {len(phase.deliveries) / phase.seconds:>7.1f} "
            f"{phase.percentile(0.50):>7.1f} {phase.percentile(0.90):>7.1f} {p99:>7.1f} {phase.millis[-1]:>7.1f}  "
            f"{shown[:28]:<28} {result}"
        )
    baseline = (runs[0].requests_per_sec + runs[-1].requests_per_sec) / 2
    print(
        f"\nThroughput (wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS}; baseline = mean of the two /healthz runs "
        f"= {baseline:.1f} req/s)"
    )
    print(
        f"  {'path':<36} {'req/s':>9} {'x healthz':>10} {'avg ms':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx/3xx':>11}"
    )
    for run in runs:
        ratio = run.requests_per_sec / baseline if baseline else 0.0
        label = f"POST {run.path} (first)" if run.path == WEBHOOK_PATH else run.path
        p50 = f"{run.latency_p50_ms:.2f}" if run.latency_p50_ms is not None else "-"
        p99 = f"{run.latency_p99_ms:.2f}" if run.latency_p99_ms is not None else "-"
        print(
            f"  {label:<36} {run.requests_per_sec:>9.1f} {ratio:>9.2f}x {run.latency_avg_ms:>8.2f} {p50:>8} "
            f"{p99:>8} {run.bad_responses:>11}"
        )
    for run in runs:
        if run.socket_errors:
            print(f"  socket errors on {run.path}: {run.socket_errors}")


def verify_payments(property_id, thread_sessions, pool_sessions):
    """Every delivered payment succeeded exactly once with one receipt; returns (ok, the report's lines)."""
    succeeded = dict(
        db.session.execute(
            select(Payment.provider_session_id, Payment.status).where(Payment.provider == "stripe")
        ).all()
    )
    receipts = Counter(db.session.scalars(select(Receipt.payment_id).join(Payment).where(Payment.provider == "stripe")))
    paid = {
        pid
        for pid, status in db.session.execute(select(Payment.id, Payment.status).where(Payment.provider == "stripe"))
        if status == PaymentStatus.SUCCEEDED
    }
    outcomes = Counter(db.session.scalars(select(WebhookEvent.outcome)))
    thread_ok = sum(1 for s in thread_sessions if succeeded.get(s) == PaymentStatus.SUCCEEDED)
    pool_paid = sum(1 for s in pool_sessions if succeeded.get(s) == PaymentStatus.SUCCEEDED)
    pool_pending = sum(1 for s in pool_sessions if succeeded.get(s) == PaymentStatus.PENDING)
    double_receipts = sum(1 for n in receipts.values() if n > 1)
    without_receipt = len(paid - set(receipts))
    receipts_of_unpaid = len(set(receipts) - paid)
    bills_short = db.session.scalar(
        select(func.count(Allocation.id))
        .join(Payment)
        .join(Bill, Allocation.bill_id == Bill.id)
        .where(
            Payment.provider == "stripe",
            Payment.status == PaymentStatus.SUCCEEDED,
            (Allocation.applied_fen != Allocation.amount_fen) | (Bill.paid_fen != Bill.total_fen),
        )
    )
    numbers = db.session.execute(
        select(func.count(Receipt.id), func.min(Receipt.sequence), func.max(Receipt.sequence)).where(
            Receipt.property_id == property_id
        )
    ).one()
    gapless = numbers[0] == numbers[2] and numbers[1] == 1
    ok = (
        thread_ok == len(thread_sessions)
        and pool_paid + pool_pending == len(pool_sessions)
        and outcomes.get("applied", 0) == len(paid)
        and double_receipts == 0
        and without_receipt == 0
        and receipts_of_unpaid == 0
        and bills_short == 0
        and gapless
    )
    applied = outcomes.get("applied", 0)
    return ok, [
        "\nCorrectness of the online payments",
        f"  opened with start_checkout, delivered by the client threads: {thread_ok}/{len(thread_sessions)} succeeded",
        (
            f"  inserted for the single sender and wrk: {pool_paid} succeeded, {pool_pending} never delivered "
            f"(still pending), of {len(pool_sessions)}"
        ),
        "  webhook events: " + ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items())),
        (
            f"  succeeded payments {len(paid)} = events applied {applied}; receipts {sum(receipts.values())} "
            f"(payments with 2+ receipts {double_receipts}, succeeded without one {without_receipt}, "
            f"receipts of unpaid "
            f"payments {receipts_of_unpaid}); bills not fully paid by their payment {bills_short}"
        ),
        (
            f"  receipt numbers of the property: {numbers[0]} issued, {numbers[1]}..{numbers[2]} "
            f"({'no gaps' if gapless else 'GAPS'}); the desk payments of the bill-page step included"
        ),
        f"  every payment succeeded exactly once with exactly one receipt: {verdict(ok)}",
    ] + (
        [
            f"  note: wrk used up its {len(pool_sessions) - SEQUENTIAL_EVENTS} first deliveries "
            "and went on with duplicates"
        ]
        if pool_sessions and pool_pending == 0
        else []
    )


# Putting it together -----------------------------------------------------------------------------


def prepare_database(workdir):
    """Create and migrate the bench database; return its URL."""
    url = bench_database(workdir)
    migrate(url)
    return url


def main():
    """Run the whole benchmark; return the process exit code."""
    wrk = required_tools()
    if wrk is None:
        return 1
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    threads = int(os.environ.get("BENCH_WEBHOOK_THREADS", "4"))
    password = secrets.token_urlsafe(12)
    workdir = tempfile.mkdtemp(prefix="billing-bench-")
    sandbox = start_sandbox(delivery="manual", webhook_secret=WEBHOOK_SECRET)
    began = time.perf_counter()
    try:
        url = prepare_database(workdir)
        app = create_app(webhook_config(url, sandbox.url))
        provider = StripeProvider(
            api_key=STRIPE_KEY, webhook_secret=WEBHOOK_SECRET, api_base=sandbox.url, http_client=SandboxHTTPClient()
        )
        app.extensions["payment_provider"] = provider  # no proxies: the sandbox is on 127.0.0.1
        with app.app_context():
            today = property_today()
            period = month_before(month_before(today.replace(day=1)))
            due_date = period + timedelta(days=29)
            started = time.perf_counter()
            ids = load_properties(password, period)
            print(f"Loaded in {time.perf_counter() - started:.1f}s; billing {period:%Y-%m}, due {due_date}")
            runs = billing_runs(ids, period, due_date, today)
        print("Counting the statements of the bill pages ...", flush=True)
        pages = page_counts(app, ids, password, period, due_date, today)
        with app.app_context():
            print(
                f"Opening {WEBHOOK_PAYMENTS} Checkout sessions with start_checkout and paying them in the sandbox ...",
                flush=True,
            )
            started = time.perf_counter()
            events = open_checkouts(ids, period, provider, sandbox)
            pool_events = add_pool_payments(
                ids, period, SEQUENTIAL_EVENTS + WRK_POOL_PER_SECOND * seconds, provider, sandbox
            )
            print(f"  done in {time.perf_counter() - started:.1f}s (+ {len(pool_events)} pending payments for wrk)")
            db.engine.dispose()  # no connection of ours stays open while gunicorn works
        phases, checks, wrk_runs = measure_webhook(
            url, workdir, sandbox.url, events, pool_events, seconds, wrk, threads
        )
        with app.app_context():
            correct, correctness = verify_payments(
                ids["large"],
                [e["data"]["object"]["id"] for e in events],
                [e["data"]["object"]["id"] for e in pool_events],
            )
            db.engine.dispose()
        print_run_report(runs)
        print_page_report(pages)
        print_webhook_report(phases, checks, wrk_runs, threads)
        print("\n".join(correctness))
        print(
            f"\nWhole benchmark: {time.perf_counter() - began:.0f}s. "
            "The figures are for people to read: the exit code does not depend on PASS/FAIL."
        )
        if not correct:
            raise BenchError("online payments were not each applied exactly once (see 'Correctness' above)")
        return 0
    except BenchError as error:
        print(f"\nBENCHMARK BROKEN: {error}", file=sys.stderr)
        return 2
    finally:
        sandbox.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
