"""Which properties a person with a company role may see on the company's pages."""

from sqlalchemy import func, select

from domain.accounts.roles import CompanyRole
from domain.errors import NotFound
from domain.property.companies import property_names, roles_by_property
from domain.property.models import Company, Property
from extensions import db


def visible_property_ids(user_id, company_role):
    """The ids of the company's properties `user_id` sees: every one for the administrator and the general
    manager, those where they hold a role for an area manager, none without a company role (one statement)."""
    if company_role is None:
        return []
    if CompanyRole(company_role) == CompanyRole.AREA_MANAGER:
        return sorted(roles_by_property(user_id))
    # One installation serves one company: its first (and only) company.
    company_id = select(func.min(Company.id)).scalar_subquery()
    return list(db.session.scalars(select(Property.id).where(Property.company_id == company_id).order_by(Property.id)))


def visible_property(user_id, company_role, property_id):
    """(id, name) of `property_id` when `user_id` may see it; NotFound otherwise, as for a property that does not
    exist, so that a property's existence is not given away."""
    if property_id not in visible_property_ids(user_id, company_role):
        raise NotFound()
    return property_id, property_names([property_id])[property_id]
