"""background work on a task queue: the tasks that failed on every try, kept per property for the manager to see
and retry

Revision ID: 0029_task_failures
Revises: 0028_companies
Create Date: 2026-12-05 07:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029_task_failures"
down_revision = "0028_companies"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "task_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("task_name", sa.String(length=120), nullable=False),
        sa.Column("args", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.Column("retried_at", sa.DateTime(), nullable=True),
        sa.Column("retried_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_task_failures_property_id_properties")
        ),
        sa.ForeignKeyConstraint(["retried_by_id"], ["users.id"], name=op.f("fk_task_failures_retried_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_failures")),
    )
    op.create_index("ix_task_failures_open", "task_failures", ["property_id", "resolved_at", "id"])


def downgrade():
    op.drop_index("ix_task_failures_open", table_name="task_failures")
    op.drop_table("task_failures")
