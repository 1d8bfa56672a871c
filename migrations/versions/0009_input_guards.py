"""input guards: unit-wide wrong-code locks across kiosks and the desk

Revision ID: 0009_input_guards
Revises: 0008_sign_in
Create Date: 2026-12-03 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_input_guards'
down_revision = '0008_sign_in'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
