"""collection calls (催缴记录: the resident's answer, reason and promise when arrears are chased) and the manager's
written summary of a month's report

Revision ID: 0026_collection_calls
Revises: 0024_visit_remark_category
Create Date: 2026-12-04 23:15:19

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_collection_calls"
down_revision = "0025_urgent_and_praise"
branch_labels = None
depends_on = None

REASONS = ("forgot", "dispute", "hardship", "refuses", "moved_out", "other")


def upgrade():
    op.create_table(
        "monthly_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_by_id", sa.Integer(), nullable=True),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_monthly_summaries_property_id_properties")
        ),
        sa.ForeignKeyConstraint(["written_by_id"], ["users.id"], name=op.f("fk_monthly_summaries_written_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_summaries")),
        sa.UniqueConstraint("property_id", "month", name="uq_monthly_summaries_property_month"),
    )
    op.create_table(
        "collection_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("called_by_id", sa.Integer(), nullable=True),
        sa.Column("called_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Enum(*REASONS, name="callreason", native_enum=False, length=16), nullable=False),
        sa.Column("promised_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["called_by_id"], ["users.id"], name=op.f("fk_collection_calls_called_by_id_users")),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_collection_calls_property_id_properties")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_collection_calls_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_calls")),
    )
    with op.batch_alter_table("collection_calls") as batch:
        batch.create_index(batch.f("ix_collection_calls_property_id"), ["property_id"], unique=False)
        batch.create_index("ix_collection_calls_unit", ["unit_id", "called_at"], unique=False)


def downgrade():
    with op.batch_alter_table("collection_calls") as batch:
        batch.drop_index("ix_collection_calls_unit")
        batch.drop_index(batch.f("ix_collection_calls_property_id"))
    op.drop_table("collection_calls")
    op.drop_table("monthly_summaries")
