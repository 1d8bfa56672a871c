"""What the request id, the log line and the metrics cost each request, and whether gunicorn's workers' metrics add up.

Run from the repository root with the project's virtualenv:

    .venv/bin/python bench/observability_bench.py

Steps:
  1. In-process, each variant in a process of its own (prometheus_client picks its storage when first imported):
     REPEATS rounds of CALLS requests for /healthz straight into the WSGI app, alternately with the observability
     hooks taken out and with them: with readable logs (metrics only: no handler takes the request line), with JSON
     lines written to /dev/null (production), and with JSON lines and the metrics in PROMETHEUS_MULTIPROC_DIR files
     (as under gunicorn). Prints the fastest round's CPU microseconds per request of each, and the difference.
  2. gunicorn (2 workers, production settings, JSON logs, PROMETHEUS_MULTIPROC_DIR, a METRICS_TOKEN) on a temporary
     SQLite database, and beside it the same app without the hooks, loaded in turns (ROUNDS runs each, alternating
     which goes first) with wrk on /healthz for BENCH_SECONDS; then
     /readyz and /metrics: the /healthz count Prometheus sees must equal the requests wrk made (both workers added
     up), and every line gunicorn's workers wrote must be JSON.

Environment: BENCH_SECONDS (wrk duration, default 10), ROUNDS (default 4), CALLS (default 5000), REPEATS (default 10).
"""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    HOST,
    SETTLE_SECONDS,
    WRK_CONNECTIONS,
    BenchError,
    free_port,
    migrate,
    parse_wrk,
    required_tools,
    start_gunicorn,
    stop_gunicorn,
    wait_until_healthy,
    wrk_command,
)

#: Each variant runs in a process of its own, timing the app with and without the hooks in alternate rounds.
VARIANTS = {
    "metrics, readable logs": {"LOG_FORMAT": "text"},
    "metrics, JSON lines": {"LOG_FORMAT": "json"},
    "multiprocess metrics, JSON lines": {"LOG_FORMAT": "json", "multiprocess": True},
}


def create_app_without_observability():
    """The production app with the per-request hooks taken out: what a request cost before them."""
    from app import create_app
    from web.observability import per_request

    app = create_app()
    app.before_request_funcs[None].remove(per_request.start_request)
    app.after_request_funcs[None].remove(per_request.finish_request)
    return app


def time_in_process(calls, repeats):
    """(without, with) the hooks: the fastest round's CPU microseconds per /healthz request straight into the WSGI app,
    the two apps timed in alternate rounds so that a busy machine slows both alike (run in a child process)."""
    from werkzeug.test import EnvironBuilder

    from app import create_app

    apps = {"off": create_app_without_observability(), "on": create_app()}
    environ = EnvironBuilder(path="/healthz", headers={"User-Agent": "observability-bench"}).get_environ()

    def start_response(status, headers, exc_info=None):
        return None

    def one_round(app):
        started = time.process_time()  # CPU time: a machine busy with other work slows the rounds less
        for _ in range(calls):
            for _chunk in app(dict(environ), start_response):
                pass
        return (time.process_time() - started) / calls * 1e6

    for app in apps.values():
        one_round(app)  # warm up
    rounds = {"off": [], "on": []}
    for _ in range(repeats):
        for name, app in apps.items():
            rounds[name].append(one_round(app))
    return min(rounds["off"]), min(rounds["on"])


def run_variant(settings, calls, repeats, workdir):
    """Time one variant in a child process with its own environment."""
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "x" * 64,
        "ID_NUMBER_KEY": "A" * 43 + "=",
        "DATABASE_URL": "sqlite:///" + str(Path(workdir) / "inprocess.sqlite3"),
        "LOG_FORMAT": settings["LOG_FORMAT"],
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if settings.get("multiprocess"):
        directory = Path(workdir) / "metrics-inprocess"
        directory.mkdir(exist_ok=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    code = (
        "import sys; sys.path.insert(0, '.'); from bench.observability_bench import time_in_process; "
        f"print(*time_in_process({calls}, {repeats}))"
    )
    with open(os.devnull, "w") as devnull:  # the JSON lines go to stderr: production writes them, we drop them
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=devnull, text=True
        )
    if result.returncode != 0:
        raise BenchError(f"the in-process variant {settings} failed (exit {result.returncode})")
    off, on = result.stdout.strip().splitlines()[-1].split()
    return float(off), float(on)


def serve(url, port, log_path, metrics_dir, wsgi_app):
    """gunicorn with JSON logs, multiprocess metrics and a metrics token."""
    os.environ.update(
        {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "METRICS_TOKEN": METRICS_TOKEN, "LOG_FORMAT": "json"}
    )
    try:
        process = start_gunicorn(url, port, log_path, wsgi_app=wsgi_app)
    finally:
        for name in ("PROMETHEUS_MULTIPROC_DIR", "METRICS_TOKEN", "LOG_FORMAT"):
            os.environ.pop(name, None)
    wait_until_healthy(f"http://{HOST}:{port}", process, log_path)
    return process


METRICS_TOKEN = "bench-metrics-token"
#: wrk runs on each server, taking turns.
ROUNDS = int(os.environ.get("ROUNDS", "4"))


def healthz_count(base):
    """/healthz's request count as Prometheus would read it."""
    request = urllib.request.Request(base + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    prefix = 'http_request_duration_seconds_count{method="GET",route="/healthz",status="2xx"} '
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix) :])
    return 0.0


def main():
    """Run both parts and print the figures."""
    wrk = required_tools()
    if wrk is None:
        return 1
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    calls, repeats = int(os.environ.get("CALLS", "5000")), int(os.environ.get("REPEATS", "10"))
    with tempfile.TemporaryDirectory(prefix="observability-bench-") as workdir:
        url = "sqlite:///" + str(Path(workdir) / "bench.sqlite3")
        migrate(url)
        migrate("sqlite:///" + str(Path(workdir) / "inprocess.sqlite3"))

        print(f"\n1. In-process: /healthz into the WSGI app, {repeats} x {calls} calls, CPU time a request")
        for label, settings in VARIANTS.items():
            off, on = run_variant(settings, calls, repeats, workdir)
            print(f"  {label:<34} without {off:6.1f} us, with {on:6.1f} us: {on - off:+5.1f} us a request")

        print(f"\n2. gunicorn, 2 workers each, JSON logs, multiprocess metrics: wrk on /healthz, {ROUNDS} x {seconds}s")
        servers = {}
        try:
            for label, wsgi_app in (
                ("without the hooks", "bench.observability_bench:create_app_without_observability()"),
                ("with the hooks", "app:create_app()"),
            ):
                port = free_port()
                metrics_dir = Path(workdir) / f"metrics-{port}"
                metrics_dir.mkdir()
                log_path = Path(workdir) / f"gunicorn-{port}.log"
                servers[label] = (serve(url, port, log_path, metrics_dir, wsgi_app), f"http://{HOST}:{port}", log_path)
            base, log_path = servers["with the hooks"][1:]
            counted_before, made, rates = healthz_count(base), 0, {label: [] for label in servers}
            # Both servers stay up and take turns, in alternating order, so that a busy machine weighs on both alike.
            for round_ in range(ROUNDS):
                for label in servers if round_ % 2 == 0 else reversed(servers):
                    time.sleep(SETTLE_SECONDS)
                    result, total = load_healthz(wrk, servers[label][1], seconds)
                    rates[label].append(result.requests_per_sec)
                    made += total if label == "with the hooks" else 0
            time.sleep(SETTLE_SECONDS)
            counted = healthz_count(base) - counted_before
            with urllib.request.urlopen(base + "/readyz", timeout=10) as response:
                ready = response.status, json.loads(response.read())
        finally:
            for process, _base, _log in servers.values():
                stop_gunicorn(process)
        for label, values in rates.items():
            rounds = ", ".join(f"{value:.0f}" for value in values)
            print(f"  {label:<20} {statistics.mean(values):7.0f} req/s   (rounds: {rounds})")
        without, with_ = (statistics.mean(rates[label]) for label in ("without the hooks", "with the hooks"))
        print(
            f"  with the hooks: {with_ / without - 1:+.1%} requests/s, {1e6 / with_ - 1e6 / without:+.0f} us a request"
        )
        lines = log_path.read_text(errors="replace").splitlines()
        not_json = [line for line in lines if not _is_json(line)]
        request_lines = sum(1 for line in lines if '"logger": "property.requests"' in line)
        print(f"\n  /readyz: {ready[0]} {ready[1]}")
        print(f"  /healthz requests counted by /metrics (both workers added up): {counted:.0f}; wrk counted {made}")
        print(f"  gunicorn's log: {len(lines)} lines, {request_lines} request lines, {len(not_json)} not JSON")
        for line in not_json[:5]:
            print(f"    not JSON: {line[:160]}")
        # wrk stops counting with up to WRK_CONNECTIONS requests still on their way, which the server then counts.
        if not 0 <= counted - made <= WRK_CONNECTIONS * ROUNDS or not_json or ready[0] != 200:
            print("FAIL")
            return 1
    return 0


def load_healthz(wrk, base, seconds):
    """wrk on /healthz: its figures and how many requests it made in all."""
    print(f"  wrk /healthz ({seconds}s) ...", flush=True)
    output = subprocess.run(
        wrk_command(wrk, base + "/healthz", seconds), capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    made = re.search(r"(\d+) requests in", output)
    if made is None:
        raise BenchError(f"wrk printed no total:\n{output}")
    return parse_wrk("/healthz", output), int(made.group(1))


def _is_json(line):
    """Whether a log line is one JSON object."""
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


if __name__ == "__main__":
    sys.exit(main())
