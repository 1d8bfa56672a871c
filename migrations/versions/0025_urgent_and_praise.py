"""tickets: a resident may mark a repair or help request urgent with a reason; suggestions and praise are ticket
kinds (the kind is stored as its value in a plain string column, so the new kinds need no schema change)

Revision ID: 0025_urgent_and_praise
Revises: 0024_visit_remark_category
Create Date: 2026-12-04 23:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_urgent_and_praise"
down_revision = "0024_visit_remark_category"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("urgent_marked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("urgent_reason", sa.String(length=120), nullable=False, server_default=""))


def downgrade():
    # The suggestions and praise would have no kind to fall back on: they stay, readable as plain strings.
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("urgent_reason")
        batch.drop_column("urgent_marked_at")
