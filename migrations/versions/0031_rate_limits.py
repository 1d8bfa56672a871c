"""the per-address sign-in limits counted in the database when no Redis is configured, so that every worker and
every server counts together.

Revision ID: 0031_rate_limits
Revises: 0030_stored_files
Create Date: 2026-12-05 07:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0031_rate_limits"
down_revision = "0030_stored_files"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limits")),
    )
    op.create_index(op.f("ix_rate_limits_expires_at"), "rate_limits", ["expires_at"])


def downgrade():
    op.drop_index(op.f("ix_rate_limits_expires_at"), table_name="rate_limits")
    op.drop_table("rate_limits")
