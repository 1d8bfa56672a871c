"""overtime: the overtime applications (加班申请表) and the holiday calendar, with the published days of 2026-2027

Revision ID: 0016_overtime
Revises: 0015_renovation_violations
Create Date: 2026-12-05 09:00:00

"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_overtime"
down_revision = "0015_renovation_violations"
branch_labels = None
depends_on = None

DAY_KIND = sa.Enum("working", "rest", "holiday", name="daykind", native_enum=False, length=16)
STATUS = sa.Enum(
    "applied", "approved", "refused", "confirmed", "cancelled", name="overtimestatus", native_enum=False, length=16
)

# A frozen copy of domain/overtime/calendar.py PUBLISHED as of this revision: 2026 in full, 2027's statutory days.
_H, _R, _W = "holiday", "rest", "working"
PUBLISHED = (
    ("2026-01-01", _H, "元旦"),
    ("2026-01-02", _R, "元旦"),
    ("2026-01-04", _W, "元旦调休"),
    ("2026-02-14", _W, "春节调休"),
    ("2026-02-16", _H, "春节（除夕）"),
    ("2026-02-17", _H, "春节"),
    ("2026-02-18", _H, "春节"),
    ("2026-02-19", _H, "春节"),
    ("2026-02-20", _R, "春节"),
    ("2026-02-23", _R, "春节"),
    ("2026-02-28", _W, "春节调休"),
    ("2026-04-05", _H, "清明节"),
    ("2026-04-06", _R, "清明节"),
    ("2026-05-01", _H, "劳动节"),
    ("2026-05-02", _H, "劳动节"),
    ("2026-05-04", _R, "劳动节"),
    ("2026-05-05", _R, "劳动节"),
    ("2026-05-09", _W, "劳动节调休"),
    ("2026-06-19", _H, "端午节"),
    ("2026-09-20", _W, "国庆节调休"),
    ("2026-09-25", _H, "中秋节"),
    ("2026-10-01", _H, "国庆节"),
    ("2026-10-02", _H, "国庆节"),
    ("2026-10-03", _H, "国庆节"),
    ("2026-10-05", _R, "国庆节"),
    ("2026-10-06", _R, "国庆节"),
    ("2026-10-07", _R, "国庆节"),
    ("2026-10-10", _W, "国庆节调休"),
    ("2027-01-01", _H, "元旦"),
    ("2027-02-05", _H, "春节（除夕）"),
    ("2027-02-06", _H, "春节"),
    ("2027-02-07", _H, "春节"),
    ("2027-02-08", _H, "春节"),
    ("2027-04-05", _H, "清明节"),
    ("2027-05-01", _H, "劳动节"),
    ("2027-05-02", _H, "劳动节"),
    ("2027-06-09", _H, "端午节"),
    ("2027-09-15", _H, "中秋节"),
    ("2027-10-01", _H, "国庆节"),
    ("2027-10-02", _H, "国庆节"),
    ("2027-10-03", _H, "国庆节"),
)


def upgrade():
    calendar = op.create_table(
        "overtime_calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", DAY_KIND, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_overtime_calendar_days_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_overtime_calendar_days_property_id_properties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overtime_calendar_days")),
        sa.UniqueConstraint("property_id", "day", name="uq_overtime_calendar_days_day"),
    )
    op.create_table(
        "overtime_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("work_date", sa.Date(), nullable=False),
        sa.Column("planned_start_at", sa.DateTime(), nullable=False),
        sa.Column("planned_end_at", sa.DateTime(), nullable=False),
        sa.Column("planned_minutes", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("reported_start_at", sa.DateTime(), nullable=True),
        sa.Column("reported_end_at", sa.DateTime(), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.Column("worked_start_at", sa.DateTime(), nullable=True),
        sa.Column("worked_end_at", sa.DateTime(), nullable=True),
        sa.Column("worked_minutes", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("planned_minutes > 0", name=op.f("ck_overtime_applications_planned_positive")),
        sa.CheckConstraint(
            "worked_minutes IS NULL OR worked_minutes > 0", name=op.f("ck_overtime_applications_worked_positive")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_overtime_applications_confirmed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_overtime_applications_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_overtime_applications_property_id_properties")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_overtime_applications_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overtime_applications")),
    )
    with op.batch_alter_table("overtime_applications", schema=None) as batch_op:
        batch_op.create_index("ix_overtime_applications_month", ["property_id", "work_date"], unique=False)
        batch_op.create_index("ix_overtime_applications_user", ["user_id", "work_date"], unique=False)

    # Every property already there gets the published days; the demo and the calendar page enter them for new ones.
    conn = op.get_bind()
    property_ids = conn.execute(sa.text("SELECT id FROM properties ORDER BY id")).scalars().all()
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        {"property_id": pid, "day": date.fromisoformat(day), "kind": kind, "name": name, "created_at": now}
        for pid in property_ids
        for day, kind, name in PUBLISHED
    ]
    if rows:
        op.bulk_insert(calendar, rows)


def downgrade():
    with op.batch_alter_table("overtime_applications", schema=None) as batch_op:
        batch_op.drop_index("ix_overtime_applications_user")
        batch_op.drop_index("ix_overtime_applications_month")

    op.drop_table("overtime_applications")
    op.drop_table("overtime_calendar_days")
