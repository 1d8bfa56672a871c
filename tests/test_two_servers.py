"""The two-server drill at the suite's size (bench/two_servers.py): two gunicorn instances on loopback ports and one
`flask worker`, sharing the suite's PostgreSQL database, a Redis and the database file store, with requests
alternating between the two servers.

It needs PostgreSQL (the run with TEST_DATABASE_URL: SQLite cannot be shared by two servers on two machines) and
Redis (TEST_REDIS_URL). Outside CI it skips without them; under CI=true a missing Redis fails it.
"""

import os
import uuid

import pytest

from bench.two_servers import Accounts, Drill, notified_counter, tiny_png
from domain.accounts.roles import Role
from extensions import db
from tests import builders
from tests.conftest import redis_for_tests


def _services():
    """The database and Redis the servers share, or skip (fail in CI for a missing Redis)."""
    database_url = os.environ.get("TEST_DATABASE_URL", "")
    if not database_url.startswith("postgresql"):
        pytest.skip("two servers share PostgreSQL: the run with TEST_DATABASE_URL runs this drill")
    redis_url = redis_for_tests()
    return database_url, redis_url


def test_two_servers_share_sign_ins_files_throttles_and_the_queue(tmp_path, monkeypatch):
    database_url, redis_url = _services()
    prop = builders.create_property()
    unit = builders.create_unit(number="1203")
    builders.create_staff(Role.FRONTDESK, username="desk", prop=prop)
    resident = builders.create_resident(prop, unit)
    accounts = Accounts(
        staff="desk",
        resident=resident.user.username,
        password=builders.PASSWORD,
        unit_id=unit.id,
        unit_label="1-1203",
    )
    db.session.commit()
    # A queue of this test's own on the shared Redis; the servers' limits count there too.
    monkeypatch.setenv("TASKS_QUEUE_NAME", f"drill-{uuid.uuid4().hex[:10]}")
    drill = Drill(database_url, redis_url, tmp_path)
    drill.start()
    try:
        timings = drill.run(accounts, photo=tiny_png(), count_notified=notified_counter(database_url))
    finally:
        drill.stop()
        import redis

        redis.Redis.from_url(redis_url).flushdb()  # this run's limits and queue; the other run uses another db
    assert [label for label, _seconds in timings] == [
        "a staff sign-in made on A is valid on B",
        "a photo uploaded through A is served by B",
        "the sign-in throttle holds on both",
        "a parcel logged through A is announced by the worker",
        "signing out through B ends the session on A",
    ]
