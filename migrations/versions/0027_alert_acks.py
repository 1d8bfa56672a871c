"""live alarms in the console: who has acknowledged the alarm about which record (a repair not forwarded in time,
a wrong-code lock-out, a major complaint), so the banner stops for that person only

Revision ID: 0027_alert_acks
Revises: 0024_visit_remark_category
Create Date: 2026-12-04 23:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027_alert_acks"
down_revision = "0026_collection_calls"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "alert_acks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=24), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["property_id"], ["properties.id"], name=op.f("fk_alert_acks_property_id_properties")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_alert_acks_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_acks")),
        sa.UniqueConstraint(
            "user_id", "subject_type", "subject_id", name=op.f("uq_alert_acks_user_id_subject_type_subject_id")
        ),
    )


def downgrade():
    op.drop_table("alert_acks")
