"""renovation violations move into violations: a link to the application and inspection, renovation kinds

Revision ID: 0015_renovation_violations
Revises: 0014_vacancy_fee
Create Date: 2026-12-04 14:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_renovation_violations"
down_revision = "0014_vacancy_fee"
branch_labels = None
depends_on = None

# Frozen copies of domain/renovation/inspections.py as of this revision: the kinds' names, the rule and the notice.
KIND_NAMES = {
    "outside_hours": "装修超时施工",
    "unregistered_workers": "装修人员未登记",
    "load_bearing": "擅自拆改承重结构",
    "fire_safety": "装修违反消防安全",
    "outside_scope": "超出审批范围装修",
    "noise": "休息时间装修噪音",
    "waste": "装修垃圾堆放公共区域",
    "common_area": "装修损坏公共部位",
    "other": "其他装修违章",
}
RULE = "《装修管理规定》及装修申请时签署的《装修承诺书》《防火责任协议书》"
NOTICE = (
    "违章通知书",
    "{unit}业主/住户：\n"
    "我中心工作人员于{found}在装修巡查中发现，{place}存在“{kind}”行为：{seen}。\n"
    "该行为违反了{rule}。请您于{deadline}前整改完毕。整改完毕前装修不能通过验收；违章罚款从装修押金中扣除。\n"
    "特此通知。",
)
#: The old status -> the stage; and back.
STAGES = {"open": "noticed", "rectified": "rectified", "waived": "withdrawn"}
STATUSES = {stage: status for status, stage in STAGES.items()}
#: The timeline action of the check that settled it, by stage.
SETTLED_ACTIONS = {"rectified": "rectified", "withdrawn": "withdraw"}

STAGE_ENUM = sa.Enum(
    "reminded", "noticed", "ordered", "referred", "rectified", "withdrawn", name="stage", native_enum=False, length=16
)
AUTHORITY_ENUM = sa.Enum("urban", "fire", "police", name="authority", native_enum=False, length=16)
STATUS_ENUM = sa.Enum("open", "rectified", "waived", name="violationstatus", native_enum=False, length=16)

kinds = sa.table(
    "violation_kinds",
    sa.column("id", sa.Integer),
    sa.column("property_id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("rule", sa.Text),
    sa.column("first_stage", STAGE_ENUM),
    sa.column("reminder_days", sa.Integer),
    sa.column("notice_days", sa.Integer),
    sa.column("order_days", sa.Integer),
    sa.column("authority", AUTHORITY_ENUM),
    sa.column("fine_allowed", sa.Boolean),
    sa.column("is_active", sa.Boolean),
    sa.column("renovation_kind", sa.String),
    sa.column("created_at", sa.DateTime),
)
templates = sa.table(
    "violation_notice_templates",
    sa.column("id", sa.Integer),
    sa.column("kind_id", sa.Integer),
    sa.column("stage", STAGE_ENUM),
    sa.column("title", sa.String),
    sa.column("body", sa.Text),
    sa.column("updated_at", sa.DateTime),
)
violations = sa.table(
    "violations",
    sa.column("id", sa.Integer),
    sa.column("property_id", sa.Integer),
    sa.column("kind_id", sa.Integer),
    sa.column("unit_id", sa.Integer),
    sa.column("place", sa.String),
    sa.column("seen", sa.Text),
    sa.column("stage", STAGE_ENUM),
    sa.column("deadline", sa.Date),
    sa.column("recorded_by_id", sa.Integer),
    sa.column("recorded_at", sa.DateTime),
    sa.column("referred_to", sa.String),
    sa.column("closed_at", sa.DateTime),
    sa.column("fine_fen", sa.Integer),
    sa.column("renovation_id", sa.Integer),
    sa.column("inspection_id", sa.Integer),
)
events = sa.table(
    "violation_events",
    sa.column("id", sa.Integer),
    sa.column("violation_id", sa.Integer),
    sa.column("at", sa.DateTime),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_name", sa.String),
    sa.column("action", sa.String),
    sa.column("body", sa.Text),
    sa.column("data", sa.JSON),
)
old = sa.table(
    "renovation_violations",
    sa.column("id", sa.Integer),
    sa.column("application_id", sa.Integer),
    sa.column("inspection_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("description", sa.Text),
    sa.column("deadline", sa.Date),
    sa.column("fine_fen", sa.Integer),
    sa.column("status", STATUS_ENUM),
    sa.column("created_at", sa.DateTime),
    sa.column("created_by_id", sa.Integer),
    sa.column("resolved_at", sa.DateTime),
    sa.column("resolved_by_id", sa.Integer),
    sa.column("resolved_note", sa.Text),
)
applications = sa.table(
    "renovation_applications",
    sa.column("id", sa.Integer),
    sa.column("property_id", sa.Integer),
    sa.column("unit_id", sa.Integer),
)
users = sa.table("users", sa.column("id", sa.Integer), sa.column("display_name", sa.String))


def _kind_id(conn, made, property_id, key, at):
    """The id of the property's kind for the renovation kind `key`, made (with its notice text) the first time."""
    key = key if key in KIND_NAMES else "other"
    if (property_id, key) in made:
        return made[(property_id, key)]
    name = KIND_NAMES[key]
    taken = conn.execute(sa.select(kinds.c.id).where(kinds.c.property_id == property_id, kinds.c.name == name)).first()
    kind_id = conn.execute(
        kinds.insert()
        .values(
            property_id=property_id,
            name=f"{name}（装修）" if taken else name,
            rule=RULE,
            first_stage="noticed",
            reminder_days=1,
            notice_days=3,
            order_days=7,
            authority="urban",
            fine_allowed=False,
            is_active=True,
            renovation_kind=key,
            created_at=at,
        )
        .returning(kinds.c.id)
    ).scalar_one()
    conn.execute(
        templates.insert().values(kind_id=kind_id, stage="noticed", title=NOTICE[0], body=NOTICE[1], updated_at=at)
    )
    made[(property_id, key)] = kind_id
    return kind_id


def _names(conn):
    """{user id: display name}, for the timeline entries' copied names."""
    return dict(conn.execute(sa.select(users.c.id, users.c.display_name)).all())


def upgrade():
    with op.batch_alter_table("violation_kinds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renovation_kind", sa.String(length=24), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_violation_kinds_property_id_renovation_kind"), ["property_id", "renovation_kind"]
        )
    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renovation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("inspection_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_violations_renovation_id"), ["renovation_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_violations_renovation_id_renovation_applications"),
            "renovation_applications",
            ["renovation_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_violations_inspection_id_renovation_inspections"),
            "renovation_inspections",
            ["inspection_id"],
            ["id"],
        )

    # Each renovation violation becomes a violation of the application's unit at the stage its status says, with its
    # kind (made per property as needed), its fine to take from the deposit (none for a zero fine) and a timeline
    # of what is known: recorded, and settled with its note. No notice is made up: the old ones were messages only.
    conn = op.get_bind()
    names = _names(conn)
    made = {}
    rows = conn.execute(
        sa.select(old, applications.c.property_id, applications.c.unit_id)
        .join(applications, applications.c.id == old.c.application_id)
        .order_by(old.c.id)
    ).all()
    for row in rows:
        stage = STAGES[row.status]
        violation_id = conn.execute(
            violations.insert()
            .values(
                property_id=row.property_id,
                kind_id=_kind_id(conn, made, row.property_id, row.kind, row.created_at),
                unit_id=row.unit_id,
                place="",
                seen=row.description,
                stage=stage,
                deadline=row.deadline,
                recorded_by_id=row.created_by_id,
                recorded_at=row.created_at,
                referred_to="",
                closed_at=row.resolved_at if stage != "noticed" else None,
                fine_fen=row.fine_fen or None,
                renovation_id=row.application_id,
                inspection_id=row.inspection_id,
            )
            .returning(violations.c.id)
        ).scalar_one()
        conn.execute(
            events.insert().values(
                violation_id=violation_id,
                at=row.created_at,
                actor_id=row.created_by_id,
                actor_name=names.get(row.created_by_id, ""),
                action="recorded",
                body=row.description,
                data={"stage": "noticed"},
            )
        )
        if stage != "noticed":
            conn.execute(
                events.insert().values(
                    violation_id=violation_id,
                    at=row.resolved_at or row.created_at,
                    actor_id=row.resolved_by_id,
                    actor_name=names.get(row.resolved_by_id, ""),
                    action=SETTLED_ACTIONS[stage],
                    body=row.resolved_note or "",
                    data=None,
                )
            )

    with op.batch_alter_table("renovation_violations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_renovation_violations_application_id"))
    op.drop_table("renovation_violations")


def downgrade():
    op.create_table(
        "renovation_violations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("fine_fen", sa.Integer(), nullable=False),
        sa.Column("status", STATUS_ENUM, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_note", sa.Text(), nullable=False),
        sa.CheckConstraint("fine_fen >= 0", name=op.f("ck_renovation_violations_fine_not_negative")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["renovation_applications.id"],
            name=op.f("fk_renovation_violations_application_id_renovation_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_renovation_violations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["renovation_inspections.id"],
            name=op.f("fk_renovation_violations_inspection_id_renovation_inspections"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_renovation_violations_resolved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renovation_violations")),
    )
    with op.batch_alter_table("renovation_violations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_renovation_violations_application_id"), ["application_id"], unique=False)

    # The renovation's violations go back to their table (the residents' answers and the notices cannot follow: the
    # old table has no place for them), then leave violations with their timeline, notices, answers and kinds.
    conn = op.get_bind()
    kind_keys = dict(conn.execute(sa.select(kinds.c.id, kinds.c.renovation_kind)).all())
    moved = conn.execute(
        sa.select(violations).where(violations.c.renovation_id.is_not(None)).order_by(violations.c.id)
    ).all()
    for row in moved:
        settled = conn.execute(
            sa.select(events.c.actor_id, events.c.body)
            .where(events.c.violation_id == row.id, events.c.action.in_(list(SETTLED_ACTIONS.values())))
            .order_by(events.c.id.desc())
        ).first()
        conn.execute(
            old.insert().values(
                application_id=row.renovation_id,
                inspection_id=row.inspection_id,
                kind=kind_keys.get(row.kind_id) or "other",
                description=row.seen,
                deadline=row.deadline or row.recorded_at.date(),
                fine_fen=row.fine_fen or 0,
                status=STATUSES.get(row.stage, "open"),
                created_at=row.recorded_at,
                created_by_id=row.recorded_by_id,
                resolved_at=row.closed_at,
                resolved_by_id=settled.actor_id if settled else None,
                resolved_note=settled.body if settled else "",
            )
        )
    ids = [row.id for row in moved]
    if ids:
        for table in ("violation_events", "violation_notices", "violation_replies"):
            conn.execute(
                sa.text(f"DELETE FROM {table} WHERE violation_id IN :ids").bindparams(
                    sa.bindparam("ids", value=ids, expanding=True)
                )
            )
        conn.execute(violations.delete().where(violations.c.id.in_(ids)))
    renovation_kinds = [kind_id for kind_id, key in kind_keys.items() if key]
    if renovation_kinds:
        conn.execute(templates.delete().where(templates.c.kind_id.in_(renovation_kinds)))
        conn.execute(kinds.delete().where(kinds.c.id.in_(renovation_kinds)))

    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_violations_inspection_id_renovation_inspections"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_violations_renovation_id_renovation_applications"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_violations_renovation_id"))
        batch_op.drop_column("inspection_id")
        batch_op.drop_column("renovation_id")
    with op.batch_alter_table("violation_kinds", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_violation_kinds_property_id_renovation_kind"), type_="unique")
        batch_op.drop_column("renovation_kind")
