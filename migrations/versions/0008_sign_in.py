"""sign-in: server-side sessions and remember tokens, unique resident phones

Each sign-in becomes a row of sign_ins (the cookies carry a random token, the row its SHA-256), which replaces
users.session_version: revoking rows is how sessions end. Residents sign in with users.login_phone, unique.

Data: every resident account gets its register phone as login phone when no other account holder has the same
number. Accounts that shared a number get none: phone sign-in already identified nobody for them ("a shared phone
identifies nobody"), so nobody loses a way to sign in; they keep their username, and the number becomes theirs
once the others change theirs. Sessions signed before the upgrade end (their cookies name no sign-in row).

Revision ID: 0008_sign_in
Revises: 0007_payments_refunds
Create Date: 2026-12-03 17:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_sign_in"
down_revision = "0007_payments_refunds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("idle_seconds", sa.Integer(), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sign_ins_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_ins")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_ins_token_hash")),
    )
    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_ins_user_id"), ["user_id"], unique=False)

    # No batch (table copy) for users: SQLite refuses to drop a table that other tables' foreign keys point at
    # once it holds data. Adding a column, a unique index and (SQLite 3.35+) dropping a plain column need none.
    op.add_column("users", sa.Column("login_phone", sa.String(length=20), nullable=True))
    op.create_index(op.f("ix_users_login_phone"), "users", ["login_phone"], unique=True)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(sa.text("ALTER TABLE users DROP COLUMN session_version"))
    else:
        op.drop_column("users", "session_version")

    # A number held by exactly one resident with an account becomes that account's sign-in number.
    op.execute(
        sa.text(
            "UPDATE users SET login_phone = (SELECT r.phone FROM residents r WHERE r.user_id = users.id) "
            "WHERE kind = 'resident' AND id IN ("
            "  SELECT r.user_id FROM residents r WHERE r.user_id IS NOT NULL AND r.phone <> '' AND r.phone IN ("
            "    SELECT phone FROM residents WHERE user_id IS NOT NULL GROUP BY phone HAVING COUNT(*) = 1))"
        )
    )


def downgrade():
    op.add_column("users", sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"))
    op.drop_index(op.f("ix_users_login_phone"), table_name="users")
    if op.get_bind().dialect.name == "sqlite":
        op.execute(sa.text("ALTER TABLE users DROP COLUMN login_phone"))
    else:
        op.drop_column("users", "login_phone")

    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_ins_user_id"))

    op.drop_table("sign_ins")
