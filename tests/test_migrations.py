"""The migrations build exactly the models' schema, and go down and up again, on this run's database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from extensions import db


def schema_differences():
    """What autogenerate would still change: nothing, if migrations and models agree."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrated_database_matches_the_models():
    assert schema_differences() == []


def test_downgrade_to_nothing_and_upgrade_again():
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert schema_differences() == []
    assert {"users", "units", "residents", "occupancies", "audit_entries"} <= set(inspect(db.engine).get_table_names())
