"""`flask worker` for real: a notice enqueued by the app on the kept queue (SQLite in a file, or Redis) is sent by a
worker process of its own, on this run's database.

The Redis half needs a Redis server: TEST_REDIS_URL names a throwaway one (CI starts it). Without it the test is
skipped locally, and fails under CI=true, where it must run.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import select

from domain.notify.models import Notification
from domain.parcels.models import Parcel
from domain.parcels.tasks import notify_parcels
from domain.tasks import huey, queue_depth, queue_reachable
from extensions import db
from tests import builders
from tests.conftest import redis_for_tests

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).with_name("flask")


@pytest.fixture(params=["sqlite", "redis"])
def kept_queue(request, tmp_path):
    """The app's queue on a real backend (not immediate), as the web servers have it; the worker's environment."""
    name = f"test-{uuid.uuid4().hex[:12]}"  # runs side by side on one Redis keep to their own queue
    if request.param == "redis":
        url = redis_for_tests()
        storage, env = RedisStorage(name, url=url), {"REDIS_URL": url, "TASKS_QUEUE_NAME": name}
    else:
        path = str(tmp_path / "tasks.sqlite3")
        storage, env = SqliteStorage(name, filename=path), {"TASKS_SQLITE_PATH": path, "TASKS_QUEUE_NAME": name}
    storage.flush_all()
    saved = huey.storage, huey._immediate
    huey.storage, huey._immediate = storage, False
    yield env
    storage.flush_all()
    huey.storage, huey._immediate = saved
    storage.close()
    if isinstance(storage, RedisStorage):
        storage.pool.disconnect()


def start_worker(app, env, log_path):
    """`flask worker` in a process of its own, on this run's database."""
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TASKS_SQLITE_PATH", "TASKS_IMMEDIATE")},
        **env,
        "FLASK_APP": "app:create_app",
        "APP_ENV": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
    }
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [str(FLASK), "worker", "--workers", "2", "--no-periodic"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def test_a_notice_queued_by_the_app_is_sent_by_the_worker(app, prop, kept_queue, tmp_path, clock):
    unit = builders.create_unit()
    resident = builders.create_resident(prop, unit=unit)
    parcel = builders.create_parcel(unit)
    notify_parcels(prop.id)  # as the intake's commit does
    assert queue_reachable() and queue_depth() == 1
    log_path = tmp_path / "worker.log"
    worker = start_worker(app, kept_queue, log_path)
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and worker.poll() is None:
            db.session.rollback()  # a fresh look at what the worker committed
            if db.session.scalar(select(Parcel.notified_at).where(Parcel.id == parcel.id)) is not None:
                break
            time.sleep(0.25)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    db.session.rollback()
    told = db.session.scalars(select(Notification.resident_id)).all()
    assert told == [resident.id], log_path.read_text(errors="replace")[-3000:]
    assert queue_depth() == 0
