"""a complaint names the staff member it is about (counted on their scorecard)

Revision ID: 0021_complaint_about_staff
Revises: 0020_evaluation
Create Date: 2026-12-04 20:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_complaint_about_staff"
down_revision = "0020_evaluation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("about_staff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_tickets_about_staff_id_users"), "users", ["about_staff_id"], ["id"])
        batch_op.create_index("ix_tickets_about_staff", ["about_staff_id", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_about_staff")
        batch_op.drop_constraint(batch_op.f("fk_tickets_about_staff_id_users"), type_="foreignkey")
        batch_op.drop_column("about_staff_id")
