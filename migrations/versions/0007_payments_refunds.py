"""payments: the method paid with, refunds as records, late payments refunded automatically

Revision ID: 0007_payments_refunds
Revises: 0006_kiosks
Create Date: 2026-12-03 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_payments_refunds'
down_revision = '0006_kiosks'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
