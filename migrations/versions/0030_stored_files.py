"""uploaded files kept in the database (FILE_STORE="database"), so that every server of an installation serves the
photos and documents any of them stored.

Revision ID: 0030_stored_files
Revises: 0028_companies
Create Date: 2026-12-05 07:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030_stored_files"
down_revision = "0029_task_failures"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("preview", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_stored_files_property_id_properties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
        sa.UniqueConstraint("name", name=op.f("uq_stored_files_name")),
    )
    op.create_index(op.f("ix_stored_files_property_id"), "stored_files", ["property_id"])


def downgrade():
    op.drop_index(op.f("ix_stored_files_property_id"), table_name="stored_files")
    op.drop_table("stored_files")
