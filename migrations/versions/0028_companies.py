"""one installation serves a company: the company above its properties, staff roles per property, the chosen
property on each sign-in, one sign-in for a resident of several properties, the audit log per property, each
property's own settings (time zone, receipt prefix kept on each receipt, Stripe account, statement descriptor).

An existing single-property installation becomes the company's first property with no manual step: every staff
member keeps their role there, every open sign-in keeps working for it, and the log's entries belong to it.

Revision ID: 0028_companies
Revises: 0027_alert_acks
Create Date: 2026-12-05 03:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_companies"
down_revision = "0027_alert_acks"
branch_labels = None
depends_on = None

#: The name the company gets when an installation upgrades (its administrator renames it).
FIRST_COMPANY_NAME = "物业服务有限公司"


def upgrade():
    bind = op.get_bind()
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
    )
    first_property = bind.execute(sa.text("SELECT MIN(id) FROM properties")).scalar()
    company_id = None
    if first_property is not None:
        bind.execute(
            sa.text("INSERT INTO companies (name, created_at) VALUES (:name, CURRENT_TIMESTAMP)"),
            {"name": FIRST_COMPANY_NAME},
        )
        company_id = bind.execute(sa.text("SELECT MIN(id) FROM companies")).scalar()

    with op.batch_alter_table("properties") as batch:
        batch.add_column(sa.Column("company_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("time_zone", sa.String(length=40), nullable=False, server_default="Asia/Shanghai"))
        batch.add_column(sa.Column("receipt_prefix", sa.String(length=12), nullable=False, server_default=""))
        batch.add_column(sa.Column("stripe_account", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("statement_descriptor", sa.String(length=22), nullable=False, server_default=""))
    if company_id is not None:
        bind.execute(sa.text("UPDATE properties SET company_id = :company"), {"company": company_id})
    with op.batch_alter_table("properties") as batch:
        batch.alter_column("company_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("time_zone", server_default=None)
        batch.alter_column("receipt_prefix", server_default=None)
        batch.alter_column("stripe_account", server_default=None)
        batch.alter_column("statement_descriptor", server_default=None)
        batch.create_foreign_key(op.f("fk_properties_company_id_companies"), "companies", ["company_id"], ["id"])
        batch.create_index(op.f("ix_properties_company_id"), ["company_id"])

    op.create_table(
        "staff_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["property_id"], ["properties.id"], name=op.f("fk_staff_roles_property_id_properties")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_staff_roles_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_roles")),
        sa.UniqueConstraint("property_id", "user_id", name=op.f("uq_staff_roles_property_id_user_id")),
    )
    op.create_index(op.f("ix_staff_roles_user_id"), "staff_roles", ["user_id"])
    if first_property is not None:
        bind.execute(
            sa.text(
                "INSERT INTO staff_roles (property_id, user_id, role) "
                "SELECT :property, id, role FROM users WHERE kind = 'staff' AND role IS NOT NULL"
            ),
            {"property": first_property},
        )
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_staff_has_role"), type_="check")
        batch.drop_constraint(op.f("ck_users_resident_has_no_role"), type_="check")
        batch.drop_column("role")
        batch.add_column(sa.Column("company_role", sa.String(length=24), nullable=True))
        batch.create_check_constraint(
            op.f("ck_users_resident_has_no_company_role"), "kind = 'staff' OR company_role IS NULL"
        )

    with op.batch_alter_table("sign_ins") as batch:
        batch.add_column(sa.Column("property_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_sign_ins_property_id_properties"), "properties", ["property_id"], ["id"])
    if first_property is not None:
        bind.execute(sa.text("UPDATE sign_ins SET property_id = :property"), {"property": first_property})

    with op.batch_alter_table("residents") as batch:
        batch.drop_constraint(op.f("uq_residents_user_id"), type_="unique")
        batch.create_index(op.f("ix_residents_user_id"), ["user_id"])
        batch.create_unique_constraint(op.f("uq_residents_property_id_user_id"), ["property_id", "user_id"])

    # The desk's wrong-code alarms belong to a property: the unit's, else (a place) the first property.
    with op.batch_alter_table("desk_alerts") as batch:
        batch.add_column(sa.Column("property_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_desk_alerts_property_id_properties"), "properties", ["property_id"], ["id"])
        batch.create_index(op.f("ix_desk_alerts_property_id"), ["property_id"])
    bind.execute(
        sa.text(
            "UPDATE desk_alerts SET property_id = (SELECT buildings.property_id FROM units JOIN buildings"
            " ON buildings.id = units.building_id WHERE units.id = desk_alerts.unit_id)"
        )
    )
    if first_property is not None:
        bind.execute(
            sa.text("UPDATE desk_alerts SET property_id = :property WHERE property_id IS NULL"),
            {"property": first_property},
        )

    with op.batch_alter_table("receipts") as batch:
        batch.add_column(sa.Column("prefix", sa.String(length=12), nullable=False, server_default=""))
    with op.batch_alter_table("receipts") as batch:
        batch.alter_column("prefix", server_default=None)

    with op.batch_alter_table("audit_entries") as batch:
        batch.add_column(sa.Column("property_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_audit_entries_property_id_properties"), "properties", ["property_id"], ["id"])
        batch.create_index(op.f("ix_audit_entries_property_id"), ["property_id"])
    if first_property is not None:
        bind.execute(sa.text("UPDATE audit_entries SET property_id = :property"), {"property": first_property})


def downgrade():
    bind = op.get_bind()
    first_property = bind.execute(sa.text("SELECT MIN(id) FROM properties")).scalar()
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_index(op.f("ix_audit_entries_property_id"))
        batch.drop_constraint(op.f("fk_audit_entries_property_id_properties"), type_="foreignkey")
        batch.drop_column("property_id")

    with op.batch_alter_table("receipts") as batch:
        batch.drop_column("prefix")
    with op.batch_alter_table("desk_alerts") as batch:
        batch.drop_index(op.f("ix_desk_alerts_property_id"))
        batch.drop_constraint(op.f("fk_desk_alerts_property_id_properties"), type_="foreignkey")
        batch.drop_column("property_id")

    # A person with register entries in several properties keeps the sign-in on the first one only.
    bind.execute(
        sa.text(
            "UPDATE residents SET user_id = NULL WHERE user_id IS NOT NULL AND id NOT IN "
            "(SELECT MIN(id) FROM residents WHERE user_id IS NOT NULL GROUP BY user_id)"
        )
    )
    with op.batch_alter_table("residents") as batch:
        batch.drop_constraint(op.f("uq_residents_property_id_user_id"), type_="unique")
        batch.drop_index(op.f("ix_residents_user_id"))
        batch.create_unique_constraint(op.f("uq_residents_user_id"), ["user_id"])

    with op.batch_alter_table("sign_ins") as batch:
        batch.drop_constraint(op.f("fk_sign_ins_property_id_properties"), type_="foreignkey")
        batch.drop_column("property_id")

    # One role per person again: their role in the first property, else in any; company staff without one are
    # kept, disabled, as managers (a column that may not be empty needs a value).
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_resident_has_no_company_role"), type_="check")
        batch.drop_column("company_role")
        batch.add_column(sa.Column("role", sa.String(length=16), nullable=True))
    bind.execute(
        sa.text(
            "UPDATE users SET role = (SELECT staff_roles.role FROM staff_roles WHERE staff_roles.user_id = users.id "
            "ORDER BY CASE WHEN staff_roles.property_id = :first THEN 0 ELSE 1 END, staff_roles.property_id LIMIT 1) "
            "WHERE kind = 'staff'"
        ),
        {"first": first_property or 0},
    )
    bind.execute(sa.text("UPDATE users SET role = 'manager', is_active = FALSE WHERE kind = 'staff' AND role IS NULL"))
    with op.batch_alter_table("users") as batch:
        batch.create_check_constraint(op.f("ck_users_staff_has_role"), "kind = 'resident' OR role IS NOT NULL")
        batch.create_check_constraint(op.f("ck_users_resident_has_no_role"), "kind = 'staff' OR role IS NULL")
    op.drop_index(op.f("ix_staff_roles_user_id"), table_name="staff_roles")
    op.drop_table("staff_roles")

    with op.batch_alter_table("properties") as batch:
        batch.drop_index(op.f("ix_properties_company_id"))
        batch.drop_constraint(op.f("fk_properties_company_id_companies"), type_="foreignkey")
        batch.drop_column("statement_descriptor")
        batch.drop_column("stripe_account")
        batch.drop_column("receipt_prefix")
        batch.drop_column("time_zone")
        batch.drop_column("company_id")
    op.drop_table("companies")
