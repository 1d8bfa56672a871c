"""Load drill: a realistic mix of 50 concurrent users for 5 minutes against gunicorn, on SQLite and on PostgreSQL,
driven by locust (bench/locustfile.py).

Run from the repository root with the project's virtualenv (locust comes with requirements-dev.txt):

    .venv/bin/python bench/load_drill.py [--duration 300] [--users 50] [--spawn-rate 10] [--database both]

The mix: residents browsing home, bills and tickets and paying a bill through the local Stripe sandbox (whose webhook
comes back to gunicorn), the desk logging parcels and recording tickets, staff working the ticket queue and the
waiting parcels, open consoles polling their badges, and two load-balancer probes of /healthz.

Each database: a throw-away database (SQLite in a temporary directory; for PostgreSQL the database `drills_load` on
--postgres-server, default 127.0.0.1:55432, dropped and made again), migrated; a property of 5,000 units with about
4,000 residents, billed for three months; RESIDENT_ACCOUNTS portal accounts and the demo staff. Then gunicorn
(2 sync workers, production settings, the real StripeProvider pointed at the sandbox) and `locust --headless`.
--database is sqlite, postgres or both (the default).

Printed: requests, failures and the error rate (target < 0.1 %), then per route the requests, p50 and p95 and the p95
as a ratio to /healthz's p95 in the same run. The sign-ins are timed as the users arrive; every other route once they
have all started (the spawn takes users / spawn-rate seconds, while the server checks their passwords); failures are
counted throughout. Exit 0 when the error rate is under the target on every database, 3
when not, 2 when the drill broke.
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bench.drill_support import (  # noqa: E402
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    add_resident_accounts,
    billed_property,
    percentile,
    stripe_env,
    with_env,
)
from bench.harness import (  # noqa: E402
    HOST,
    VENV_BIN,
    BenchError,
    bench_config,
    free_port,
    log_tail,
    migrate,
    start_gunicorn,
    stop_gunicorn,
    wait_until_healthy,
)
from domain.accounts.models import Actor  # noqa: E402
from domain.demo import ensure_staff  # noqa: E402
from domain.property.models import Property  # noqa: E402
from extensions import db  # noqa: E402
from sandbox.stripe_app import start_sandbox  # noqa: E402

ERROR_RATE_TARGET = 0.001
RESIDENT_ACCOUNTS = 60
PERIODS = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
LAYOUT = {"buildings": 10, "floors": 25, "per_floor": 20}
STAFF = ["manager", "assistant", "engineer", "security", "finance"]
#: Those of STAFF whose role handles the counter (the waiting parcels).
COUNTER_STAFF = ["manager", "assistant", "security"]
DESK = "frontdesk"


def prepare(url, password):
    """Migrate and fill the database; return the accounts and units for the locustfile."""
    migrate(url)
    app = create_app(bench_config(url))
    with app.app_context():
        started = time.perf_counter()
        property_id, units = billed_property("压力测试花园", LAYOUT, PERIODS, residents=4000)
        unit_ids = sorted(units.values())
        residents = add_resident_accounts(property_id, unit_ids[:: len(unit_ids) // RESIDENT_ACCOUNTS], password)
        ensure_staff(password, Actor.system("drill"), db.session.get(Property, property_id))
        db.session.commit()
        db.engine.dispose()
    print(f"  loaded and billed {len(units)} units for {len(PERIODS)} months in {time.perf_counter() - started:.0f}s")
    return {
        "residents": residents,
        "staff": STAFF,
        "counter_staff": COUNTER_STAFF,
        "desk": DESK,
        "units": sorted(units)[::7],
    }


def postgres_database(server, name="drills_load"):
    """Drop and create `name` on the PostgreSQL server host:port; return its URL."""
    host, port = server.split(":")
    for command in (["dropdb", "--if-exists"], ["createdb"]):
        result = subprocess.run(
            [*command, "-h", host, "-p", port, "-U", "postgres", name], capture_output=True, text=True, timeout=60
        )
        if result.returncode != 0:
            raise BenchError(f"{command[0]} {name} failed: {result.stderr.strip()}")
    return f"postgresql+psycopg://postgres@{host}:{port}/{name}"


def run_locust(base, config_path, out_path, csv_prefix, args, log_path):
    """locust --headless for --duration seconds; returns its exit code."""
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        base,
        "-u",
        str(args.users),
        "-r",
        str(args.spawn_rate),
        "-t",
        f"{args.duration}s",
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
    ]
    env = {**os.environ, "LOAD_DRILL_CONFIG": str(config_path), "LOAD_DRILL_OUT": str(out_path)}
    with open(log_path, "wb") as log:
        return subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT).returncode


def report(label, out_path):
    """Print the run's figures; return the error rate."""
    figures = json.loads(Path(out_path).read_text())
    times, errors = figures["times"], figures["errors"]
    total = sum(len(v) for v in times.values())  # the sign-ins, then every request once all users have started
    failed = sum(sum(e.values()) for e in errors.values())
    rate = failed / total if total else 1.0
    healthz = percentile(times.get("/healthz", []), 0.95)
    print(
        f"\n{label}: {total} requests, {failed} failed: error rate {rate:.3%} "
        f"(target < {ERROR_RATE_TARGET:.1%}: {'PASS' if rate < ERROR_RATE_TARGET else 'FAIL'})"
    )
    print(f"  /healthz p95 {healthz:.1f} ms (the baseline of the ratios)" if healthz else "  no /healthz requests")
    print(f"  {'route':<58} {'requests':>8} {'failed':>6} {'p50 ms':>7} {'p95 ms':>7} {'p95 / healthz':>13}")
    for name in sorted(times, key=lambda n: -len(times[n])):
        p50, p95 = percentile(times[name], 0.50), percentile(times[name], 0.95)
        ratio = f"{p95 / healthz:.1f}x" if healthz else "-"
        print(
            f"  {name[:58]:<58} {len(times[name]):>8} {sum(errors.get(name, {}).values()):>6} "
            f"{p50:>7.1f} {p95:>7.1f} {ratio:>13}"
        )
    for name, kinds in errors.items():
        for error, count in kinds.items():
            print(f"  failure x{count} on {name}: {error}")
    return rate


def drill(label, url, args, workdir):
    """Fill `url`, serve it with gunicorn and the sandbox, run locust; return the error rate."""
    print(f"\n== {label} ==", flush=True)
    password = secrets.token_urlsafe(12)
    config = prepare(url, password)
    port = free_port()
    base = f"http://{HOST}:{port}"
    sandbox = start_sandbox(delivery="sync", webhook_url=base + WEBHOOK_PATH, webhook_secret=WEBHOOK_SECRET)
    log_path = Path(workdir) / f"gunicorn-{label}.log"
    process = with_env(stripe_env(sandbox.url), lambda: start_gunicorn(url, port, log_path))
    try:
        wait_until_healthy(base, process, log_path)
        config_path = Path(workdir) / "accounts.json"
        config_path.write_text(json.dumps({**config, "password": password, "sandbox": sandbox.url}))
        out_path = Path(workdir) / f"times-{label}.json"
        print(f"  locust: {args.users} users, {args.spawn_rate}/s, {args.duration}s against {base} ...", flush=True)
        code = run_locust(base, config_path, out_path, Path(workdir) / label, args, Path(workdir) / "locust.log")
        if not out_path.exists():
            raise BenchError(f"locust wrote no figures (exit {code}):\n{log_tail(Path(workdir) / 'locust.log')}")
        rate = report(label, out_path)
        if rate >= ERROR_RATE_TARGET:
            print(log_tail(log_path, 40))
        return rate
    finally:
        stop_gunicorn(process)
        sandbox.shutdown()


def main(argv=None):
    """Run the drill on the chosen databases; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=300, help="seconds of load (default 300)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-server", default="127.0.0.1:55432", help="host:port (user postgres, trust)")
    args = parser.parse_args(argv)
    rates = {}
    try:
        for label in ("sqlite", "postgres"):
            if args.database not in (label, "both"):
                continue
            workdir = tempfile.mkdtemp(prefix=f"load-drill-{label}-")
            try:
                if label == "sqlite":
                    url = "sqlite:///" + str(Path(workdir) / "load.sqlite3")
                else:
                    url = postgres_database(args.postgres_server)
                rates[label] = drill(label, url, args, workdir)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
    except BenchError as error:
        print(f"\nDRILL BROKEN: {error}", file=sys.stderr)
        return 2
    print("\nLoad drill: " + ", ".join(f"{k} error rate {v:.3%}" for k, v in rates.items()))
    return 0 if all(v < ERROR_RATE_TARGET for v in rates.values()) else 3


if __name__ == "__main__":
    sys.exit(main())
