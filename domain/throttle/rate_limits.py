"""The application's database as a storage for the `limits` library (Flask-Limiter's counters), so that the
per-address limits on the sign-in forms hold across every worker and every server without Redis.

RATELIMIT_STORAGE_URI="database://" (config.py's default when REDIS_URL is unset) selects it. Each counter is one
row of `rate_limits`; an increment is one UPSERT (INSERT ... ON CONFLICT DO UPDATE ... RETURNING) on SQLite and
PostgreSQL alike, atomic under concurrent workers, in a short transaction of its own on its own connection: a
counted attempt stays counted whatever the request's own transaction does. Expired rows are removed now and then
by an increment (every CLEAN_UP_EVERY increments of a process) and by `remove_expired`.

Only the fixed-window strategy (Flask-Limiter's default, the one this app uses) is supported.
"""

import threading

from limits.storage import Storage
from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from domain.clock import utcnow
from domain.throttle.models import RateLimitCounter
from extensions import db

#: An increment in this many of a process removes the expired counters of every process.
CLEAN_UP_EVERY = 200

_table = RateLimitCounter.__table__


def _now():
    """Now, in seconds since the epoch (the unit the `limits` library counts windows in), from the one clock."""
    return utcnow().timestamp()


class DatabaseStorage(Storage):
    """Counters in the `rate_limits` table of the current app's database (`db.engine`: the app that handles the
    request, so two apps of one process on one database share them exactly as two servers do)."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri=None, wrap_exceptions=False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._increments = 0
        self._lock = threading.Lock()

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key, expiry, amount=1):
        """Add `amount` to the counter of `key`, starting a new window of `expiry` seconds when there is none or
        the last one ended; returns the count in the window. One atomic statement."""
        now = _now()
        insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        ended = _table.c.expires_at <= now
        statement = insert(_table).values(key=key, count=amount, expires_at=now + expiry)
        statement = statement.on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={
                "count": case((ended, amount), else_=_table.c.count + amount),
                "expires_at": case((ended, now + expiry), else_=_table.c.expires_at),
            },
        ).returning(_table.c.count)
        with db.engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
            if self._due_for_clean_up():
                connection.execute(delete(_table).where(_table.c.expires_at <= now))
        return count

    def _due_for_clean_up(self):
        """Whether this increment also removes the expired counters (one in CLEAN_UP_EVERY)."""
        with self._lock:
            self._increments += 1
            return self._increments % CLEAN_UP_EVERY == 0

    def get(self, key):
        """The count of `key` in its current window (0 when none)."""
        with db.engine.connect() as connection:
            count = connection.scalar(select(_table.c.count).where(_table.c.key == key, _table.c.expires_at > _now()))
        return count or 0

    def get_expiry(self, key):
        """When the current window of `key` ends (seconds since the epoch); now when there is none."""
        now = _now()
        with db.engine.connect() as connection:
            ends = connection.scalar(select(_table.c.expires_at).where(_table.c.key == key, _table.c.expires_at > now))
        return ends if ends is not None else now

    def check(self):
        """Whether the database answers."""
        try:
            with db.engine.connect() as connection:
                connection.scalar(select(func.count()).select_from(_table).where(_table.c.key == ""))
            return True
        except SQLAlchemyError:
            return False

    def reset(self):
        """Remove every counter; returns how many there were."""
        with db.engine.begin() as connection:
            return connection.execute(delete(_table)).rowcount

    def clear(self, key):
        """Remove the counter of `key`."""
        with db.engine.begin() as connection:
            connection.execute(delete(_table).where(_table.c.key == key))


def remove_expired(now=None):
    """Remove the counters whose window has ended; returns how many. Safe to run from any process at any time."""
    with db.engine.begin() as connection:
        return connection.execute(delete(_table).where(_table.c.expires_at <= (now or _now()))).rowcount
