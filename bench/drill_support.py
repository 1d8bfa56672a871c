"""What the load and fault drills share: a billed property, pending online payments paid in the Stripe sandbox,
signed webhook deliveries from concurrent clients, the exactly-once check of the payments, percentiles, and a
throw-away PostgreSQL cluster of the drill's own.

Written against today's code: the drills start gunicorn and `flask billing run` as subprocesses (harness), so a
change of the background runner or of the file store changes nothing here.
"""

import http.client
import itertools
import json
import math
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.billing_bench import add_fee_schedule, add_property, pending_checkouts
from bench.harness import HOST, USER_AGENT, BenchError, free_port
from domain.accounts.models import AccountKind, Actor, User
from domain.accounts.services import hash_password
from domain.billing.models import Bill
from domain.billing.runs import run_billing
from domain.payments.models import Allocation, Payment, PaymentStatus, Receipt, WebhookEvent
from domain.property.models import Occupancy, Relation, Resident, Unit, UnitStatus
from extensions import db
from sandbox.stripe_app import pay, settle, signed

STRIPE_KEY, WEBHOOK_SECRET = "sk_test_drill", "whsec_drill"
WEBHOOK_PATH = "/payments/stripe/webhook"


def percentile(values, q):
    """Nearest-rank percentile of `values` (q in 0..1); None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def stripe_env(api_base):
    """The environment gunicorn needs for the real StripeProvider against `api_base`."""
    return {"STRIPE_SECRET_KEY": STRIPE_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": api_base}


def with_env(values, start):
    """Run `start()` with the environment variables `values` set (gunicorn inherits them), then restore them."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        return start()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# The property ------------------------------------------------------------------------------------


def billed_property(name, layout, periods, *, residents=0, seed=11):
    """A property from generate_register with the billing bench's fee schedule, billed for each month of `periods`
    (run_billing, committed per batch as the CLI does). Returns (property id, {label: unit id})."""
    rng = random.Random(seed)
    prop, units = add_property(name, layout, residents, rng)
    for period in periods:
        add_fee_schedule_once(prop, sorted(units.values()), period, rng)
    db.session.commit()
    for period in periods:
        run_billing(
            Actor.system("drill"),
            property_id=prop.id,
            period=period,
            due_date=period + timedelta(days=29),
            today=periods[-1] + timedelta(days=40),
            after_batch=db.session.commit,
        )
        db.session.commit()
    return prop.id, units


def add_fee_schedule_once(prop, unit_ids, period, rng):
    """The fee schedule the first time (charges, rates, parking), only the month's water readings after."""
    from domain.billing.models import ChargeType, MeterReading

    water = db.session.scalar(select(ChargeType).where(ChargeType.property_id == prop.id, ChargeType.code == "WATER"))
    if water is None:
        add_fee_schedule(prop, unit_ids, period, rng)
        return
    rows = []
    for unit_id in unit_ids:
        previous = rng.randrange(0, 500000)
        rows.append(
            {
                "unit_id": unit_id,
                "charge_type_id": water.id,
                "period": period,
                "previous_x100": previous,
                "current_x100": previous + rng.randrange(100, 3000),
            }
        )
    for start in range(0, len(rows), 1000):
        db.session.execute(MeterReading.__table__.insert(), rows[start : start + 1000])


def add_resident_accounts(property_id, unit_ids, password, prefix="drill"):
    """One portal account owning each unit of `unit_ids` (username prefix-N); returns the usernames."""
    names = []
    for n, unit_id in enumerate(unit_ids, 1):
        username = f"{prefix}{n}"
        user = User(
            username=username, display_name=f"住户{n}", kind=AccountKind.RESIDENT, password_hash=hash_password(password)
        )
        resident = Resident(property_id=property_id, name=f"住户{n}", phone=f"139{n:08d}", user=user)
        unit = db.session.get(Unit, unit_id)
        unit.status = UnitStatus.OCCUPIED
        db.session.add_all(
            [
                user,
                resident,
                Occupancy(unit=unit, resident=resident, relation=Relation.OWNER, start_date=date(2019, 5, 1)),
            ]
        )
        names.append(username)
    db.session.commit()
    return names


# Payments and their webhook events ---------------------------------------------------------------


@dataclass
class SandboxPayment:
    """One pending payment of ours, paid in the sandbox: its events in the order Stripe sent them."""

    payment_id: int
    session_id: str
    events: list


def paid_in_sandbox(property_id, count, provider, sandbox, *, wallet_share=0.2, seed=5):
    """`count` pending online payments of unpaid bills (one bill each, inserted as start_checkout leaves them), each
    with a Checkout Session paid in the sandbox: by card (one event, checkout.session.completed), or for
    `wallet_share` of them with a wallet that settles later (two events: completed while unpaid, then
    async_payment_succeeded)."""
    rng = random.Random(seed)
    bills = db.session.execute(
        select(Bill.id, Bill.unit_id, Bill.total_fen - Bill.paid_fen)
        .where(
            Bill.property_id == property_id,
            Bill.paid_fen == 0,
            ~select(Allocation.id).where(Allocation.bill_id == Bill.id).exists(),
        )
        .order_by(Bill.id)
        .limit(count)
    ).all()
    if len(bills) < count:
        raise BenchError(f"only {len(bills)} unpaid bills, {count} needed")
    made = []
    for payment in pending_checkouts(provider, property_id, bills, "drill"):
        session_id = payment.provider_session_id
        if rng.random() < wallet_share:
            events = [pay(sandbox.app, session_id, "alipay", later=True), settle(sandbox.app, session_id)]
        else:
            events = [pay(sandbox.app, session_id, "card")]
        made.append(SandboxPayment(payment.id, session_id, events))
    db.session.commit()
    return made


def surge_schedule(payments, *, duplicate_share=0.10, seed=9):
    """The deliveries of a month-start surge, as bodies: each payment's events, a payment with two events with its
    later event first (out of order), `duplicate_share` of all events sent twice (the copy later, somewhere in the
    rest of the stream); the concurrent senders mix the order further. Returns (bodies, figures)."""
    rng = random.Random(seed)
    stream = []
    out_of_order = 0
    for payment in payments:
        events = list(payment.events)
        if len(events) > 1:
            events.reverse()  # async_payment_succeeded before checkout.session.completed
            out_of_order += 1
        stream.extend(events)
    originals = len(stream)
    for event in rng.sample(stream[: originals - 1], int(originals * duplicate_share)):
        at = rng.randrange(stream.index(event) + 1, len(stream) + 1)
        stream.insert(at, event)
    bodies = [json.dumps(e, ensure_ascii=False).encode("utf-8") for e in stream]
    return bodies, {"events": originals, "duplicates": len(stream) - originals, "out_of_order_payments": out_of_order}


@dataclass
class Delivery:
    """One webhook request: when it was sent (monotonic), how long it took, its status (None: no answer)."""

    sent_at: float
    millis: float
    status: int | None
    outcome: str


def send_concurrently(port, bodies, threads, *, on_progress=None):
    """POST every body, freshly signed, to the webhook from `threads` client threads (one keep-alive connection each,
    reopened when it breaks); returns the deliveries in the order of `bodies`."""
    results = [None] * len(bodies)
    counter = itertools.count()
    done = itertools.count(1)

    def worker():
        """Take the next body until none is left."""
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            while (i := next(counter)) < len(bodies):
                headers = {
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "Stripe-Signature": signed(bodies[i], WEBHOOK_SECRET),
                }
                sent = time.monotonic()
                try:
                    connection.request("POST", WEBHOOK_PATH, body=bodies[i], headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                except (http.client.HTTPException, OSError) as error:
                    connection.close()
                    connection = http.client.HTTPConnection(HOST, port, timeout=30)
                    results[i] = Delivery(sent, (time.monotonic() - sent) * 1000, None, f"error: {error}")
                else:
                    if response.will_close:
                        connection.close()
                    try:
                        outcome = (
                            json.loads(data).get("outcome", "?") if response.status == 200 else data[:120].decode()
                        )
                    except ValueError:
                        outcome = data[:120].decode(errors="replace")
                    results[i] = Delivery(sent, (time.monotonic() - sent) * 1000, response.status, outcome)
                if on_progress is not None:
                    on_progress(next(done))
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, name=f"drill-sender-{n}") for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results


def send_in_bursts(port, bodies, threads, burst, pause):
    """Send `bodies` in bursts of `burst` (each from `threads` concurrent clients), `pause` seconds apart."""
    deliveries = []
    for start in range(0, len(bodies), burst):
        deliveries += send_concurrently(port, bodies[start : start + burst], threads)
        time.sleep(pause)
    return deliveries


def check_exactly_once(property_id, payments):
    """Every payment of `payments` succeeded once: (ok, report lines). Bills paid once (paid = total, one allocation
    applied each), one receipt each, receipt numbers gapless, and the ledger's sums equal (payments = allocations
    applied = what the bills record as paid)."""
    ids = [p.payment_id for p in payments]
    statuses = Counter()
    for start in range(0, len(ids), 1000):
        statuses.update(
            db.session.scalars(select(Payment.status).where(Payment.id.in_(ids[start : start + 1000]))).all()
        )
    succeeded = statuses.get(PaymentStatus.SUCCEEDED, 0)
    receipts = Counter(db.session.scalars(select(Receipt.payment_id).join(Payment).where(Payment.provider == "stripe")))
    twice = sum(1 for n in receipts.values() if n > 1)
    paid_sum = db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount_fen), 0)).where(
            Payment.property_id == property_id, Payment.status == PaymentStatus.SUCCEEDED
        )
    )
    applied_sum = db.session.scalar(
        select(func.coalesce(func.sum(Allocation.applied_fen), 0))
        .join(Payment)
        .where(Payment.property_id == property_id, Payment.status == PaymentStatus.SUCCEEDED)
    )
    bills_paid_sum = db.session.scalar(
        select(func.coalesce(func.sum(Bill.paid_fen), 0)).where(Bill.property_id == property_id)
    )
    overpaid = db.session.scalar(
        select(func.count(Bill.id)).where(Bill.property_id == property_id, Bill.paid_fen > Bill.total_fen)
    )
    short = db.session.scalar(
        select(func.count(Allocation.id))
        .join(Payment)
        .join(Bill, Allocation.bill_id == Bill.id)
        .where(
            Payment.property_id == property_id,
            Payment.status == PaymentStatus.SUCCEEDED,
            (Allocation.applied_fen != Allocation.amount_fen) | (Bill.paid_fen != Bill.total_fen),
        )
    )
    numbers = db.session.execute(
        select(func.count(Receipt.id), func.min(Receipt.sequence), func.max(Receipt.sequence)).where(
            Receipt.property_id == property_id
        )
    ).one()
    outcomes = Counter(db.session.scalars(select(WebhookEvent.outcome)))
    gapless = numbers[0] == 0 or (numbers[1] == 1 and numbers[2] == numbers[0])
    ok = (
        succeeded == len(ids)
        and len(receipts) == len(ids)
        and twice == 0
        and paid_sum == applied_sum == bills_paid_sum
        and overpaid == 0
        and short == 0
        and outcomes.get("applied", 0) == len(ids)
        and gapless
    )
    return ok, [
        f"  payments succeeded: {succeeded}/{len(ids)} (statuses: "
        + ", ".join(f"{s.value} {n}" for s, n in statuses.items())
        + ")",
        f"  receipts: {sum(receipts.values())} for {len(receipts)} payments (with two or more: {twice}); "
        f"numbers {numbers[1]}..{numbers[2]} ({'gapless' if gapless else 'GAPS'})",
        f"  ledger: payments succeeded ¥{paid_sum / 100:,.2f} = allocations applied ¥{applied_sum / 100:,.2f} = "
        f"bills paid ¥{bills_paid_sum / 100:,.2f}: {'equal' if paid_sum == applied_sum == bills_paid_sum else 'DIFFER'}"
        f"; bills overpaid {overpaid}; bills not fully paid by their payment {short}",
        "  webhook events stored: " + ", ".join(f"{name} {n}" for name, n in outcomes.most_common()),
        f"  every payment applied exactly once: {'PASS' if ok else 'FAIL'}",
    ]


# A PostgreSQL cluster of the drill's own ---------------------------------------------------------


class OwnPostgres:
    """A throw-away PostgreSQL cluster (initdb) on a free loopback port, stopped and deleted by stop()."""

    def __init__(self):
        """initdb into a temporary directory and start the server."""
        for tool in ("initdb", "pg_ctl", "createdb"):
            if shutil.which(tool) is None:
                raise BenchError(f"{tool} is not on PATH: the drill starts a PostgreSQL cluster of its own")
        self.dir = Path(tempfile.mkdtemp(prefix="drill-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.log = self.dir / "postgres.log"
        user = [] if os.geteuid() != 0 else ["-u", "postgres"]
        self._as = user
        if user:
            shutil.chown(self.dir, "postgres")
        self._run(["initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])
        self.start()
        self._run(["createdb", "-h", HOST, "-p", str(self.port), "-U", "postgres", "drill"])
        self.url = f"postgresql+psycopg://postgres@{HOST}:{self.port}/drill"

    def _run(self, command, check=True):
        """Run a PostgreSQL tool (as the postgres user when we are root)."""
        prefix = ["runuser", "-u", "postgres", "--"] if self._as else []
        result = subprocess.run(prefix + command, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise BenchError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
        return result

    def _ctl(self, action, *more):
        """pg_ctl `action`, waiting for it to finish."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses={HOST} -c fsync=off"
        return self._run(["pg_ctl", action, "-w", "-D", str(self.data), "-l", str(self.log), "-o", options, *more])

    def start(self):
        """Start the server."""
        self._ctl("start")

    def restart(self):
        """pg_ctl restart -m fast: every connection is cut, the server is down for a moment."""
        self._ctl("restart", "-m", "fast")

    def stop(self):
        """Stop the server and delete the cluster."""
        self._run(["pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data)], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
