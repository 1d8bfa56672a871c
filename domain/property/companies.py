"""The company above the properties: one installation serves one company and its properties."""

from sqlalchemy import select

from domain.accounts.models import StaffRole
from domain.property.models import Company, Property
from domain.property.scope import ALL_PROPERTIES
from extensions import db

#: The name of the company an installation starts with (its administrator renames it).
DEFAULT_COMPANY_NAME = "物业服务有限公司"


def ensure_company(name=DEFAULT_COMPANY_NAME):
    """The installation's company, made on first use (a new installation, the demo, a test's first property)."""
    company = db.session.scalar(select(Company).order_by(Company.id).limit(1))
    if company is None:
        company = Company(name=name)
        db.session.add(company)
        db.session.flush()
    return company


def property_names(property_ids):
    """{property id: name} of `property_ids`, in the order of their names (one statement)."""
    if not property_ids:
        return {}
    rows = db.session.execute(
        select(Property.id, Property.name).where(Property.id.in_(property_ids)).order_by(Property.name, Property.id)
    )
    return dict(rows.all())


def roles_by_property(user_id):
    """{property id: Role} of the roles `user_id` holds, in every property (one statement)."""
    statement = select(StaffRole.property_id, StaffRole.role).where(StaffRole.user_id == user_id)
    return dict(db.session.execute(statement.execution_options(**ALL_PROPERTIES)).all())
