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


def test_the_vacancy_fee_migration_gives_every_existing_unit_its_current_status_as_history(prop):
    """Upgrading a register with units writes one first row per unit: its status, since the stated default."""
    from datetime import date

    from sqlalchemy import select

    from domain.property.models import UnitStatusChange
    from tests import builders

    vacant, occupied = builders.create_unit(status="vacant"), builders.create_unit(status="occupied")
    db.session.commit()
    downgrade(revision="0011_field_work")
    upgrade()
    rows = db.session.execute(
        select(
            UnitStatusChange.unit_id,
            UnitStatusChange.from_status,
            UnitStatusChange.to_status,
            UnitStatusChange.effective_on,
            UnitStatusChange.recorded_by_id,
        ).order_by(UnitStatusChange.unit_id)
    ).all()
    assert [tuple(row) for row in rows] == [
        (vacant.id, None, "vacant", date(2000, 1, 1), None),
        (occupied.id, None, "occupied", date(2000, 1, 1), None),
    ]
