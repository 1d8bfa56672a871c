"""the desk: couriers recognised from tracking numbers

Revision ID: 0010_desk
Revises: 0009_input_guards
Create Date: 2026-12-03 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_desk'
down_revision = '0009_input_guards'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
