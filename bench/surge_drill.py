"""Month-start surge drill: 5,000 online payments whose webhooks arrive in bursts, 10 % duplicated and some out of
order, sent signed to the real webhook endpoint of gunicorn by concurrent clients.

Run from the repository root with the project's virtualenv:

    .venv/bin/python bench/surge_drill.py [--payments 5000] [--threads 4] [--burst 500] [--pause 0.5]

Steps:
  1. A throw-away database (SQLite in a temporary directory, or BENCH_DATABASE_URL, whose tables are dropped first),
     migrated; a property of 5,000 vacant units billed for one month by run_billing.
  2. One pending online payment per bill, each with a Checkout Session in the local Stripe sandbox, paid there: by
     card (checkout.session.completed), or for a fifth of them with a wallet that settles later (completed while
     unpaid, then checkout.session.async_payment_succeeded).
  3. gunicorn (2 sync workers, production settings, the real StripeProvider pointed at the sandbox) receives the
     events in bursts from concurrent clients: each wallet payment's later event BEFORE its earlier one, and 10 % of
     all events sent a second time later in the stream.
  4. Check that every payment was applied exactly once (succeeded, its bill paid once, one receipt each, gapless
     receipt numbers, payments = allocations applied = bills paid) and print p50/p99 of the webhook (target p99 <
     100 ms). Exit 0 when all holds, 3 when a check failed, 2 when the drill broke.
"""

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bench.billing_bench import webhook_config  # noqa: E402
from bench.drill_support import (  # noqa: E402
    STRIPE_KEY,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    billed_property,
    check_exactly_once,
    paid_in_sandbox,
    percentile,
    send_concurrently,
    send_in_bursts,
    stripe_env,
    surge_schedule,
    with_env,
)
from bench.harness import (  # noqa: E402
    HOST,
    BenchError,
    bench_database,
    free_port,
    log_tail,
    migrate,
    start_gunicorn,
    stop_gunicorn,
    wait_until_healthy,
)
from domain.payments.providers import StripeProvider  # noqa: E402
from extensions import db  # noqa: E402
from sandbox.stripe_app import SandboxHTTPClient, start_sandbox  # noqa: E402

P99_TARGET_MS = 100
#: 10 buildings x 25 floors x 20 units = 5,000 units, one bill each.
LAYOUT = {"buildings": 10, "floors": 25, "per_floor": 20}
PERIOD = date(2026, 10, 1)


def layout_for(payments):
    """A layout with at least `payments` units (5,000 for the full drill)."""
    floors = max(1, -(-payments // (LAYOUT["buildings"] * LAYOUT["per_floor"])))
    return {**LAYOUT, "floors": min(floors, 99)}


def sandboxed_app(url, sandbox):
    """The in-process app (for the set-up and the checks) with the real StripeProvider on the sandbox."""
    app = create_app(webhook_config(url, sandbox.url))
    app.extensions["payment_provider"] = StripeProvider(
        api_key=STRIPE_KEY, webhook_secret=WEBHOOK_SECRET, api_base=sandbox.url, http_client=SandboxHTTPClient()
    )
    return app


def server_millis(access_log):
    """The webhook requests' times inside the worker, ms, from gunicorn's access log."""
    try:
        rows = [line.split() for line in Path(access_log).read_text().splitlines()]
    except OSError:
        return []
    return [int(row[3]) / 1000 for row in rows if len(row) == 4 and row[0] == "POST" and row[1] == WEBHOOK_PATH]


def main(argv=None):
    """Run the drill; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=4, help="concurrent senders within a burst")
    parser.add_argument("--burst", type=int, default=500, help="deliveries per burst")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between bursts")
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="surge-drill-")
    sandbox = start_sandbox(delivery="manual", webhook_secret=WEBHOOK_SECRET)
    began = time.perf_counter()
    try:
        url = bench_database(workdir)
        migrate(url)
        app = sandboxed_app(url, sandbox)
        with app.app_context():
            started = time.perf_counter()
            property_id, _units = billed_property("月初高峰花园", layout_for(args.payments), [PERIOD])
            print(f"Billed the property in {time.perf_counter() - started:.1f}s", flush=True)
            started = time.perf_counter()
            payments = paid_in_sandbox(property_id, args.payments, app.extensions["payment_provider"], sandbox)
            print(f"Opened and paid {len(payments)} Checkout Sessions in {time.perf_counter() - started:.1f}s")
            db.engine.dispose()
        bodies, shape = surge_schedule(payments)
        port = free_port()
        log_path = Path(workdir) / "gunicorn.log"
        access_log = Path(workdir) / "access.log"
        # gunicorn's access log gives each request's time inside the worker (%(D)s, microseconds): the client's time
        # minus the wait for a free worker.
        access = f"--access-logfile {access_log} --access-logformat '%(m)s %(U)s %(s)s %(D)s'"
        process = with_env(
            {**stripe_env(sandbox.url), "GUNICORN_CMD_ARGS": access}, lambda: start_gunicorn(url, port, log_path)
        )
        try:
            wait_until_healthy(f"http://{HOST}:{port}", process, log_path)
            # Warm-up: an event type nobody handles, so that each worker has loaded the webhook's code.
            warm = [
                b'{"id": "evt_warm%d", "type": "payment_intent.created", "data": {"object": {}}}' % n for n in range(20)
            ]
            send_concurrently(port, warm, args.threads)
            print(
                f"Sending {len(bodies)} deliveries ({shape['events']} events + {shape['duplicates']} duplicates; "
                f"{shape['out_of_order_payments']} payments with their later event first) in bursts of {args.burst} "
                f"from {args.threads} threads, {args.pause}s apart ...",
                flush=True,
            )
            started = time.perf_counter()
            deliveries = send_in_bursts(port, bodies, args.threads, args.burst, args.pause)
            seconds = time.perf_counter() - started
        finally:
            stop_gunicorn(process)
        with app.app_context():
            ok, lines = check_exactly_once(property_id, payments)
            db.engine.dispose()
        millis = [d.millis for d in deliveries]
        statuses = Counter(d.status for d in deliveries)
        outcomes = Counter(d.outcome for d in deliveries)
        p50, p99 = percentile(millis, 0.50), percentile(millis, 0.99)
        not_ok = sum(n for s, n in statuses.items() if s != 200)
        print(f"\nMonth-start surge on {url.split(':')[0]}: {len(deliveries)} deliveries in {seconds:.1f}s")
        print("  HTTP statuses: " + ", ".join(f"{s} {n}" for s, n in statuses.most_common()))
        print("  answers: " + ", ".join(f"{o} {n}" for o, n in outcomes.most_common(6)))
        print(
            f"  webhook time: p50 {p50:.1f} ms, p90 {percentile(millis, 0.90):.1f} ms, p99 {p99:.1f} ms, "
            f"max {max(millis):.1f} ms (target p99 < {P99_TARGET_MS} ms: {'PASS' if p99 < P99_TARGET_MS else 'FAIL'})"
        )
        inside = server_millis(access_log)
        if inside:
            print(
                f"  inside the worker (gunicorn's access log): p50 {percentile(inside, 0.5):.1f} ms, "
                f"p99 {percentile(inside, 0.99):.1f} ms; the rest of the client's time is the wait for a free worker"
            )
        print("\n".join(lines))
        print(f"\nWhole drill: {time.perf_counter() - began:.0f}s")
        if not_ok:
            print(f"{not_ok} deliveries were not answered 200:\n{log_tail(log_path)}")
        return 0 if ok and not not_ok else 3
    except BenchError as error:
        print(f"\nDRILL BROKEN: {error}", file=sys.stderr)
        return 2
    finally:
        sandbox.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
