"""The one clock: the suite freezes it, and nothing else in the app reads the machine's time."""

import re
from datetime import timedelta
from pathlib import Path

from domain.clock import local_now, today, utcnow
from tests.conftest import suite_now

ROOT = Path(__file__).resolve().parent.parent
#: Packages of the application whose code must read domain.clock for the time.
APP_CODE = ("app.py", "cli.py", "domain", "web", "portal", "staff", "kiosk")
#: Ways of reading the machine's clock (or date) directly.
MACHINE_TIME = re.compile(r"\b(datetime\.(now|utcnow|today)|date\.today|time\.time|time\.monotonic_ns)\(")


def test_the_suite_runs_at_the_frozen_instant(clock):
    assert utcnow() == suite_now() == clock()
    assert today() == local_now().date() == clock.local().date()


def test_the_clock_moves_only_when_a_test_moves_it(clock):
    before = utcnow()
    assert utcnow() == before
    clock.advance(minutes=3)
    assert utcnow() - before == timedelta(minutes=3)


def test_app_code_reads_the_time_only_through_domain_clock():
    offenders = []
    for name in APP_CODE:
        path = ROOT / name
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
            if file.name == "clock.py" and file.parent.name == "domain":
                continue
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
                if MACHINE_TIME.search(line) and not line.lstrip().startswith("#"):
                    offenders.append(f"{file.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
