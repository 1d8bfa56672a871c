"""payments: the method paid with, refunds as records, late payments refunded automatically

Revision ID: 0007_payments_refunds
Revises: 0006_kiosks
Create Date: 2026-12-03 17:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_payments_refunds"
down_revision = "0006_kiosks"
branch_labels = None
depends_on = None


def upgrade():
    # Refunds the system makes by itself (money that arrived for bills already paid), listed for finance.
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("automatic", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_column("automatic")
