"""resident visits: the remark for a department says what it is about (a ticket category), for the analysis by
department and category

Revision ID: 0024_visit_remark_category
Revises: 0023_overtime_day_kind
Create Date: 2026-12-04 20:35:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_visit_remark_category"
down_revision = "0023_overtime_day_kind"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("resident_visits") as batch:
        batch.add_column(sa.Column("remark_category", sa.String(length=32), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("resident_visits") as batch:
        batch.drop_column("remark_category")
