"""sign-in: server-side sessions and remember tokens, unique resident phones

Revision ID: 0008_sign_in
Revises: 0007_payments_refunds
Create Date: 2026-12-03 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_sign_in'
down_revision = '0007_payments_refunds'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
