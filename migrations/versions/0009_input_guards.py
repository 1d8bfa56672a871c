"""input guards: unit-wide wrong-code locks across kiosks and the desk

Revision ID: 0009_input_guards
Revises: 0008_sign_in
Create Date: 2026-12-03 17:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_input_guards"
down_revision = "0008_sign_in"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("failed_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_failed_attempts_unit_id_units"), "units", ["unit_id"], ["id"])
        batch_op.create_index("ix_failed_attempts_unit", ["scope", "unit_id", "at"], unique=False)
    with op.batch_alter_table("desk_alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_desk_alerts_unit_id_units"), "units", ["unit_id"], ["id"])


def downgrade():
    with op.batch_alter_table("desk_alerts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_desk_alerts_unit_id_units"), type_="foreignkey")
        batch_op.drop_column("unit_id")
    with op.batch_alter_table("failed_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_failed_attempts_unit")
        batch_op.drop_constraint(batch_op.f("fk_failed_attempts_unit_id_units"), type_="foreignkey")
        batch_op.drop_column("unit_id")
