"""staff evaluation (SOP 16): the manager's weights per role and the monthly scorecards, frozen when signed

Revision ID: 0020_evaluation
Revises: 0019_callback_plans
Create Date: 2026-12-04 17:30:08

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_evaluation"
down_revision = "0019_callback_plans"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evaluation_schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_evaluation_schemes_property_id_properties")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_evaluation_schemes_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_schemes")),
        sa.UniqueConstraint("property_id", "role", name=op.f("uq_evaluation_schemes_property_id_role")),
    )
    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("manager_score", sa.Integer(), nullable=True),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "manager_score IS NULL OR (manager_score BETWEEN 0 AND 100)",
            name=op.f("ck_scorecards_manager_score_0_to_100"),
        ),
        sa.ForeignKeyConstraint(["property_id"], ["properties.id"], name=op.f("fk_scorecards_property_id_properties")),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], name=op.f("fk_scorecards_reviewed_by_id_users")),
        sa.ForeignKeyConstraint(["signed_by_id"], ["users.id"], name=op.f("fk_scorecards_signed_by_id_users")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_scorecards_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecards")),
        sa.UniqueConstraint("property_id", "user_id", "month", name=op.f("uq_scorecards_property_id_user_id_month")),
    )


def downgrade():
    op.drop_table("scorecards")
    op.drop_table("evaluation_schemes")
