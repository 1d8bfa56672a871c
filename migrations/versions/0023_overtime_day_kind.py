"""overtime: the rate of a confirmed overtime's day is kept with it, so a later calendar edit does not change a paid
month

Revision ID: 0023_overtime_day_kind
Revises: 0022_kiosk_surveys
Create Date: 2026-12-04 20:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_overtime_day_kind"
down_revision = "0022_kiosk_surveys"
branch_labels = None
depends_on = None

DAY_KIND = sa.Enum("working", "rest", "holiday", name="daykind", native_enum=False, length=16)
applications = sa.table(
    "overtime_applications",
    sa.column("id", sa.Integer),
    sa.column("property_id", sa.Integer),
    sa.column("work_date", sa.Date),
    sa.column("status", sa.String),
    sa.column("day_kind", sa.String),
)
calendar_days = sa.table(
    "overtime_calendar_days",
    sa.column("property_id", sa.Integer),
    sa.column("day", sa.Date),
    sa.column("kind", sa.String),
)


def upgrade():
    with op.batch_alter_table("overtime_applications") as batch:
        batch.add_column(sa.Column("day_kind", DAY_KIND, nullable=True))
    # The overtime already confirmed keeps the rate the calendar gives its day now (weekends rest, the calendar's
    # entries first), as the monthly totals counted it until this migration.
    conn = op.get_bind()
    days = sa.select(calendar_days.c.property_id, calendar_days.c.day, calendar_days.c.kind)
    entries = {(property_id, day): kind for property_id, day, kind in conn.execute(days)}
    confirmed = conn.execute(
        sa.select(applications.c.id, applications.c.property_id, applications.c.work_date).where(
            applications.c.status == "confirmed"
        )
    ).all()
    for row_id, property_id, work_date in confirmed:
        kind = entries.get((property_id, work_date)) or ("rest" if work_date.weekday() >= 5 else "working")
        conn.execute(sa.update(applications).where(applications.c.id == row_id).values(day_kind=kind))


def downgrade():
    with op.batch_alter_table("overtime_applications") as batch:
        batch.drop_column("day_kind")
