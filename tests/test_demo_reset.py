"""`make demo-reset` starts the demo again from scratch, and only ever the SQLite demo database.

Make runs on a copy of the Makefile in a temporary directory: a mistake here can never delete a real database.
"""

import os
import shutil
import subprocess

import pytest

from config import BASE_DIR

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def workdir(tmp_path):
    """A directory with the Makefile and a demo database in instance/."""
    for name in ("Makefile", "package.json", "package-lock.json"):
        shutil.copy(BASE_DIR / name, tmp_path / name)
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "property.sqlite3").write_text("the demo, changed")
    return tmp_path


def make(workdir, *args, **env):
    """Run make in `workdir` with `env` added; (exit status, output). It runs as a user's make would, not as a child of
    the make running the suite (CI runs the suite under `make -j2`, whose job server a child cannot reach)."""
    inherited = {"DATABASE_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    environment = {k: v for k, v in os.environ.items() if k not in inherited} | env
    result = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=workdir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout + result.stderr


def test_demo_reset_deletes_the_sqlite_demo_then_migrates_and_loads_the_demo_again(workdir):
    status, plan = make(workdir, "-n", "demo-reset")
    assert status == 0
    lines = plan.splitlines()
    delete = lines.index("rm -f instance/property.sqlite3 instance/property.sqlite3-wal instance/property.sqlite3-shm")
    assert lines[delete + 1 :] == ["rm -rf instance/uploads", ".venv/bin/flask db upgrade", ".venv/bin/flask demo load"]


def test_demo_reset_refuses_when_database_url_names_another_database(workdir):
    status, output = make(workdir, "demo-reset", DATABASE_URL="postgresql+psycopg://property@db-host/property")
    assert status != 0 and "DATABASE_URL is set" in output
    assert (workdir / "instance" / "property.sqlite3").read_text() == "the demo, changed"
    assert not (workdir / ".venv").exists()  # refused before setting anything up


def test_make_run_says_how_to_start_again_from_a_fresh_demo(workdir):
    _status, plan = make(workdir, "-n", "run")
    assert "make demo-reset" in plan
