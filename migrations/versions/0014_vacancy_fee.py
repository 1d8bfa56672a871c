"""unit status history (its first row per existing unit), the vacancy rate of a charge

Revision ID: 0014_vacancy_fee
Revises: 0013_vacant_units
Create Date: 2026-12-04 13:20:00

"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_vacancy_fee"
down_revision = "0013_vacant_units"
branch_labels = None
depends_on = None

#: Units have no creation date: the status each has today is recorded as holding since this day, so no unit's
#: history is empty and every month billed from now on reads a status.
HISTORY_STARTS = date(2000, 1, 1)


def upgrade():
    op.create_table(
        "unit_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum("occupied", "vacant", "renovating", name="unitstatus", native_enum=False, length=16),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum("occupied", "vacant", "renovating", name="unitstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_unit_status_changes_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_status_changes_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_status_changes")),
    )
    with op.batch_alter_table("unit_status_changes", schema=None) as batch_op:
        batch_op.create_index("ix_unit_status_changes_unit", ["unit_id", "effective_on", "id"], unique=False)

    # One row per existing unit: its current status, since HISTORY_STARTS, recorded now by nobody (the system).
    op.execute(
        sa.text(
            "INSERT INTO unit_status_changes (unit_id, from_status, to_status, effective_on, recorded_at) "
            "SELECT id, NULL, status, :starts, :now FROM units"
        ).bindparams(
            sa.bindparam("starts", value=HISTORY_STARTS, type_=sa.Date),
            sa.bindparam("now", value=datetime.now(UTC).replace(tzinfo=None), type_=sa.DateTime),
        )
    )

    with op.batch_alter_table("charge_types", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vacancy_percent", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "vacancy_rule",
                sa.Enum("full_months", "pro_rata", name="vacancyrule", native_enum=False, length=16),
                nullable=False,
                server_default="full_months",
            )
        )
        batch_op.create_check_constraint(
            "vacancy_percent_range", "vacancy_percent IS NULL OR (vacancy_percent > 0 AND vacancy_percent <= 100)"
        )


def downgrade():
    with op.batch_alter_table("charge_types", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_charge_types_vacancy_percent_range"), type_="check")
        batch_op.drop_column("vacancy_rule")
        batch_op.drop_column("vacancy_percent")

    with op.batch_alter_table("unit_status_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_unit_status_changes_unit")

    op.drop_table("unit_status_changes")
