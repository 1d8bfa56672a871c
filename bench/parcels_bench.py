"""Benchmark the desk's parcel intake: SQL statements per parcel, and 1,000 parcels logged through the HTTP form
against /healthz requests per second in the same run.

Run from the repository root with the project's virtualenv:

    .venv/bin/python bench/parcels_bench.py

Steps:
  1. Build a throw-away database (SQLite in a temporary directory, or BENCH_DATABASE_URL, whose tables are
     dropped first) with the Alembic migrations and the register bench's 5,000-unit property with 12,000
     residents and the demo staff.
  2. In-process, count the SQL statements of logging one parcel and of a batch of ten for one unit through
     POST /staff/parcels/ (the after-commit notice is deferred and counted apart).
  3. Serve the app with gunicorn (2 workers, production settings: notices go out on a background thread) on
     127.0.0.1, sign in as frontdesk through the real login form, and read the intake form's CSRF token.
  4. wrk: /healthz for BENCH_SECONDS, then exactly 1,000 htmx POSTs of the intake form (each a new tracking
     number, for units spread over the property), then /healthz again.
  5. Print parcels per second against 0.25 x the mean requests/s of the two /healthz runs, and check that all
     1,000 parcels are in the database and that their residents were told.

Environment: BENCH_SECONDS (wrk duration of each /healthz run, default 10), BENCH_DATABASE_URL (use this
database instead of a temporary SQLite file; ALL ITS TABLES ARE DROPPED).
"""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select  # noqa: E402

from bench.harness import (  # noqa: E402
    HOST,
    SETTLE_SECONDS,
    STAFF_USERNAME,
    USER_AGENT,
    WRK_CONNECTIONS,
    WRK_THREADS,
    BenchError,
    free_port,
    http_login,
    parse_page,
    parse_wrk,
    prepare_database,
    required_tools,
    run_wrk,
    start_gunicorn,
    start_worker,
    stop_gunicorn,
    test_client_login,
    verdict,
    wait_until_healthy,
    wrk_command,
)
from domain.parcels.models import Parcel  # noqa: E402
from domain.parcels.tasks import notify_parcels  # noqa: E402
from domain.property.models import Unit  # noqa: E402
from domain.property.units import UNIT_LABEL  # noqa: E402
from domain.tasks import held, run_queued, waiting_count
from extensions import db  # noqa: E402

INTAKE_PATH = "/staff/parcels/"
PARCELS = 1_000
RATIO_TARGET = 0.25
STATEMENT_BUDGET = 4
#: The intake's units: every 5th unit of the property, so that parcels spread as they do at a real desk.
UNIT_STRIDE = 5

#: wrk posts the intake form as htmx does; each request a new tracking number; after PARCELS answers the thread
#: stops and leaves a marker file, so that the benchmark ends wrk at once.
POST_SCRIPT = """\
local counter = 0
local sent = 0
local units = {%(units)s}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["HX-Request"] = "true"
wrk.headers["HX-Current-URL"] = "%(base)s%(path)s"
request = function()
  counter = counter + 1
  local unit = units[(counter %% #units) + 1]
  local body = "csrf_token=%(token)s&carrier=sf&shelf=A1&unit_label=" .. unit
    .. "&tracking_number=BENCH" .. string.format("%%08d", counter)
  return wrk.format(nil, nil, nil, body)
end
response = function(status, headers, body)
  sent = sent + 1
  if sent == %(parcels)d then
    local marker = io.open("%(marker)s", "w")
    if marker then marker:write("done") marker:close() end
  end
  if sent >= %(parcels)d then wrk.thread:stop() end
end
"""


def count_intake_statements(app, password, labels):
    """Statements of one POST of the intake form for one parcel, and for a batch of ten; the queued notices apart."""
    with held(notify_parcels):
        return _count_intake_statements(app, password, labels)


def _count_intake_statements(app, password, labels):
    """count_intake_statements with the after-commit tasks held in the queue."""
    statements = []

    def counter(conn, cursor, statement, parameters, context, executemany):
        """SQLAlchemy's before_cursor_execute hook."""
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    figures = {}
    with app.test_client() as client:
        test_client_login(client, "staff", STAFF_USERNAME, password)
        client.get(INTAKE_PATH)  # warm-up: templates compiled, translations loaded
        batches = (("1 parcel", ["COUNT00000001"]), ("10 parcels, one unit", [f"COUNT1{n:07d}" for n in range(10)]))
        for label, numbers in batches:
            data = {
                "tracking_number": numbers[0],
                "more": "\n".join(numbers[1:]),
                "carrier": "sf",
                "shelf": "A1",
                "unit_label": labels[0],
            }
            statements.clear()
            event.listen(engine, "before_cursor_execute", counter)
            try:
                response = client.post(INTAKE_PATH, data=data, headers={"HX-Request": "true"})
            finally:
                event.remove(engine, "before_cursor_execute", counter)
            if response.status_code != 200 or b"parcel-row" not in response.data:
                raise BenchError(f"POST {INTAKE_PATH} ({label}) answered {response.status_code} without the new row")
            figures[label] = (len(statements), len(numbers))
    notices = waiting_count()
    statements.clear()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        run_queued()
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    figures["after-commit notices"] = (len(statements), notices)
    return figures


def intake_units(app):
    """Unit labels for the load: every UNIT_STRIDE-th unit."""
    with app.app_context():
        labels = db.session.scalars(select(UNIT_LABEL).select_from(Unit).join(Unit.building).order_by(Unit.id)).all()
    return labels[::UNIT_STRIDE]


def intake_token(base, cookie):
    """The CSRF token of the intake form, as the signed-in clerk's browser gets it."""
    request = urllib.request.Request(
        base + INTAKE_PATH, headers={"Cookie": f"session={cookie}", "User-Agent": USER_AGENT}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        token = parse_page(response.read().decode()).inputs.get("csrf_token")
    if not token:
        raise BenchError(f"no csrf_token on {INTAKE_PATH}: not signed in?")
    return token


def post_parcels(wrk, base, cookie, token, units, workdir):
    """Log PARCELS parcels through the form with wrk; return its figures."""
    script, marker = Path(workdir) / "intake.lua", Path(workdir) / "intake.done"
    script.write_text(
        POST_SCRIPT
        % {
            "units": ", ".join(f'"{u}"' for u in units),
            "token": token,
            "base": base,
            "path": INTAKE_PATH,
            "parcels": PARCELS,
            "marker": marker,
        }
    )
    # The rate is taken from the parcels' own arrival times (first to last commit), the latencies from wrk. wrk
    # would wait out -d with its connections open (and gunicorn's sync workers would time out waiting on them),
    # so it is interrupted once the thread has had its answers: on SIGINT wrk prints its figures and exits.
    command = wrk_command(wrk, base + INTAKE_PATH, 300, script=script, cookie=cookie)
    print(f"  wrk POST {INTAKE_PATH} x {PARCELS} ...", flush=True)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while process.poll() is None and not marker.exists():
        time.sleep(0.1)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        stdout, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise BenchError(f"wrk did not stop after SIGINT on {INTAKE_PATH}") from None
    if process.returncode != 0:
        raise BenchError(f"wrk failed on {INTAKE_PATH}:\n{stdout}{stderr}")
    return parse_wrk(INTAKE_PATH, stdout), stdout


def main():
    """Run the whole benchmark; return the process exit code."""
    wrk = required_tools()
    if wrk is None:
        return 1
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    password = secrets.token_urlsafe(12)
    workdir = tempfile.mkdtemp(prefix="parcels-bench-")
    began = time.perf_counter()
    try:
        url, app = prepare_database(workdir, password)
        units = intake_units(app)
        statements = count_intake_statements(app, password, units)
        with app.app_context():
            before = db.session.scalar(select(func.count(Parcel.id)))
            db.engine.dispose()

        port = free_port()
        base = f"http://{HOST}:{port}"
        log_path = Path(workdir) / "gunicorn.log"
        process = start_gunicorn(url, port, log_path)
        worker = start_worker(url, log_path, Path(workdir) / "worker.log")
        try:
            wait_until_healthy(base, process, log_path)
            print(f"gunicorn (2 workers, production config) is up on {base}")
            cookie = http_login(base, "staff", STAFF_USERNAME, password)
            token = intake_token(base, cookie)
            runs = []
            time.sleep(SETTLE_SECONDS)
            runs.append(run_wrk(wrk, base, "/healthz", seconds))
            time.sleep(SETTLE_SECONDS)
            intake, _output = post_parcels(wrk, base, cookie, token, units, workdir)
            time.sleep(SETTLE_SECONDS)
            runs.append(run_wrk(wrk, base, "/healthz", seconds))
            time.sleep(3)  # the task worker's notices of the last parcels
        finally:
            stop_gunicorn(process)
            stop_gunicorn(worker)
        failures = Path(log_path).read_text(errors="replace").count("Traceback")

        with app.app_context():
            logged = db.session.scalar(select(func.count(Parcel.id))) - before
            bench = Parcel.tracking_number.like("BENCH%")
            told = db.session.scalar(select(func.count(Parcel.id)).where(bench, Parcel.notified_at.is_not(None)))
            first, last = db.session.execute(
                select(func.min(Parcel.arrived_at), func.max(Parcel.arrived_at)).where(bench)
            ).one()
        elapsed = (last - first).total_seconds() if first and last else 0.0
        rate = (logged - 1) / elapsed if elapsed else 0.0
        baseline = sum(run.requests_per_sec for run in runs) / len(runs)
        ratio = rate / baseline if baseline else 0.0

        print(f"\nSQL statements of POST {INTAKE_PATH} (htmx), in-process (budget <= {STATEMENT_BUDGET} per parcel)")
        for label, (count, parcels) in statements.items():
            if label == "after-commit notices":
                print(f"  {label:<22} {count:>3} statements for {parcels} job(s), off the request")
                continue
            print(
                f"  {label:<22} {count:>3} statements = {count / parcels:.1f} per parcel  "
                f"{verdict(count / parcels <= STATEMENT_BUDGET)}"
            )
        print(f"\nThroughput (wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS}; gunicorn 2 workers)")
        for run in runs:
            print(
                f"  GET /healthz            {run.requests_per_sec:>9.1f} req/s   p50 {run.latency_p50_ms or 0:.2f} ms"
            )
        print(f"  baseline (mean)         {baseline:>9.1f} req/s")
        print(f"  POST {INTAKE_PATH} x {logged} in {elapsed:.1f}s (first to last commit)")
        print(
            f"  intake                  {rate:>9.1f} parcels/s   p50 "
            f"{intake.latency_p50_ms or 0:.2f} ms  p99 {intake.latency_p99_ms or 0:.2f} ms  "
            f"non-2xx/3xx {intake.bad_responses}"
        )
        print(
            f"  parcels/s : healthz     {ratio:>9.2f}x    target >= {RATIO_TARGET:.2f}x  "
            f"{verdict(ratio >= RATIO_TARGET)}"
        )
        print(
            f"\nParcels logged: {logged} (wrk may send a few more than {PARCELS} before it stops); "
            f"residents told of {told} by the task worker's notices."
        )
        if failures:
            print(
                f"gunicorn's log has {failures} tracebacks:\n"
                + "\n".join(Path(log_path).read_text(errors="replace").splitlines()[-25:])
            )
        if intake.bad_responses:
            raise BenchError(f"{intake.bad_responses} intake POSTs did not answer 2xx")
        if logged < PARCELS:
            raise BenchError(f"only {logged} parcels were logged")
        print(
            f"Whole benchmark: {time.perf_counter() - began:.0f}s. "
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
