"""What /readyz checks: the database answers, its schema is at the migrations' head, and the task queue answers.

The answer names the checks and whether each passed, nothing more (no address, error or version); why one failed
is logged.
"""

import functools
import logging

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from domain import tasks
from extensions import db

log = logging.getLogger(__name__)


@functools.cache
def migration_heads(directory):
    """The head revision(s) of the migration scripts in `directory`, read once per process (they change only when
    a new release is deployed, which starts new processes)."""
    config = AlembicConfig()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _database_and_migrations():
    """(database reachable, schema at head); the second is False when the first is."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            try:
                applied = frozenset(connection.scalars(text("SELECT version_num FROM alembic_version")))
            except SQLAlchemyError:  # never migrated
                log.warning("readiness: the database has no alembic_version table")
                applied = frozenset()
    except Exception:
        log.warning("readiness: the database is unreachable", exc_info=True)
        return False, False
    heads = migration_heads(current_app.extensions["migrate"].directory)
    if applied != heads:
        log.warning("readiness: the database is at %s, the migrations' head is %s", sorted(applied), sorted(heads))
    return True, applied == heads


def _queue():
    """Whether the task queue answers."""
    try:
        return bool(tasks.queue_reachable())
    except Exception:
        log.warning("readiness: the task queue is unreachable", exc_info=True)
        return False


def readiness():
    """Each check's name and whether it passed, in a fixed order."""
    database, migrations = _database_and_migrations()
    checks = {"database": database, "migrations": migrations}
    checks["queue"] = _queue()
    return checks
