"""callbacks and visits measured (SOPs 8, 13): the callback settings, visit rules, the VIP mark moved from a visit
onto its resident, follow-up tickets of callbacks and visits, the service-standards checklist and spot-checks

Revision ID: 0019_callback_plans
Revises: 0018_attendance
Create Date: 2026-12-04 17:04:54

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_callback_plans"
down_revision = "0018_attendance"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "callback_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("target_percent", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("target_percent BETWEEN 1 AND 100", name=op.f("ck_callback_settings_target_1_to_100")),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_callback_settings_property_id_properties")
        ),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_callback_settings_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_settings")),
        sa.UniqueConstraint("property_id", name=op.f("uq_callback_settings_property_id")),
    )
    op.create_table(
        "service_checklists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_service_checklists_property_id_properties")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_service_checklists_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_checklists")),
        sa.UniqueConstraint("property_id", name=op.f("uq_service_checklists_property_id")),
    )
    op.create_table(
        "spot_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["checked_by_id"], ["users.id"], name=op.f("fk_spot_checks_checked_by_id_users")),
        sa.ForeignKeyConstraint(["property_id"], ["properties.id"], name=op.f("fk_spot_checks_property_id_properties")),
        sa.ForeignKeyConstraint(["staff_id"], ["users.id"], name=op.f("fk_spot_checks_staff_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_checks")),
    )
    with op.batch_alter_table("spot_checks", schema=None) as batch_op:
        batch_op.create_index("ix_spot_checks_staff", ["property_id", "staff_id", "checked_on"], unique=False)

    op.create_table(
        "visit_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column(
            "scope", sa.Enum("all", "area", "vip", name="visitscope", native_enum=False, length=16), nullable=False
        ),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("interval_months", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(scope = 'area') = (area_id IS NOT NULL)", name=op.f("ck_visit_rules_area_only_for_area_scope")
        ),
        sa.CheckConstraint("interval_months BETWEEN 1 AND 60", name=op.f("ck_visit_rules_interval_1_to_60")),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_visit_rules_area_id_areas")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_visit_rules_created_by_id_users")),
        sa.ForeignKeyConstraint(["property_id"], ["properties.id"], name=op.f("fk_visit_rules_property_id_properties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_rules")),
    )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("followup_ticket_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_callbacks_followup_ticket_id_tickets"), "tickets", ["followup_ticket_id"], ["id"]
        )

    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_vip", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("vip_note", sa.String(length=200), nullable=False, server_default=""))

    # VIP was a mark on a visit: a resident with a VIP visit is a VIP resident from now on.
    op.execute(
        "UPDATE residents SET is_vip = true WHERE id IN "
        "(SELECT resident_id FROM resident_visits WHERE is_vip = true AND resident_id IS NOT NULL)"
    )

    with op.batch_alter_table("resident_visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remark", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column(
                "remark_department",
                sa.Enum(
                    "customer_service",
                    "engineering",
                    "security",
                    "cleaning",
                    "finance",
                    name="department",
                    native_enum=False,
                    length=20,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("followup_ticket_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_resident_visits_followup_ticket_id_tickets"), "tickets", ["followup_ticket_id"], ["id"]
        )
        batch_op.drop_column("is_vip")


def downgrade():
    with op.batch_alter_table("resident_visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_vip", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.drop_constraint(batch_op.f("fk_resident_visits_followup_ticket_id_tickets"), type_="foreignkey")
        batch_op.drop_column("followup_ticket_id")
        batch_op.drop_column("remark_department")
        batch_op.drop_column("remark")

    # Back to a mark on the visit: every visit to a VIP resident is a VIP visit.
    op.execute(
        "UPDATE resident_visits SET is_vip = true WHERE resident_id IN (SELECT id FROM residents WHERE is_vip = true)"
    )

    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_column("vip_note")
        batch_op.drop_column("is_vip")

    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_callbacks_followup_ticket_id_tickets"), type_="foreignkey")
        batch_op.drop_column("followup_ticket_id")

    op.drop_table("visit_rules")
    with op.batch_alter_table("spot_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_spot_checks_staff")

    op.drop_table("spot_checks")
    op.drop_table("service_checklists")
    op.drop_table("callback_settings")
