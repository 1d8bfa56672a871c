"""kiosk surveys: a survey may also be answered at the lobby kiosks (anonymous surveys only), and an answer says
whether it came from a kiosk

Revision ID: 0022_kiosk_surveys
Revises: 0021_complaint_about_staff
Create Date: 2026-12-04 20:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_kiosk_surveys"
down_revision = "0021_complaint_about_staff"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shown_on_kiosk", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_check_constraint("kiosk_only_anonymous", "NOT shown_on_kiosk OR is_anonymous")
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_kiosk", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_check_constraint(
            "kiosk_anonymous", "NOT from_kiosk OR (resident_id IS NULL AND unit_id IS NULL)"
        )


def downgrade():
    # The kiosk's answers stay, as anonymous answers of their survey: nothing says any more where they came from.
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_survey_answers_kiosk_anonymous"), type_="check")
        batch_op.drop_column("from_kiosk")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_surveys_kiosk_only_anonymous"), type_="check")
        batch_op.drop_column("shown_on_kiosk")
