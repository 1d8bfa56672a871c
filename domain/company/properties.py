"""Setting up a property of the company: the property and its first manager in one step (the company's
administrator only)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.roles import CompanyRole, Role
from domain.accounts.services import add_staff_account
from domain.audit.services import record
from domain.current_property import working_for
from domain.errors import Conflict, DomainError, NotAllowed
from domain.property.companies import ensure_company
from domain.property.models import Property
from domain.property.settings import check_receipt_prefix, check_time_zone
from extensions import db


#: What a receipt prefix may hold (it is printed before every receipt number of the property).
def list_properties():
    """The company's properties, by name (one statement)."""
    company = ensure_company()
    return db.session.scalars(
        select(Property).where(Property.company_id == company.id).order_by(Property.name, Property.id)
    ).all()


def create_property(
    actor,
    company_role,
    *,
    name,
    address,
    service_phone,
    desk_hours,
    time_zone,
    receipt_prefix,
    manager_username,
    manager_name,
    manager_password,
):
    """Create a property of the company and its first manager account (the company's administrator only); both or
    neither: a refusal (DomainError with its field) leaves nothing behind once the caller rolls back. Audited in the
    new property's log; the caller commits."""
    if company_role is None or CompanyRole(company_role) != CompanyRole.ADMIN:
        raise NotAllowed()
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the property's name."), field="name")
    time_zone = check_time_zone(time_zone)  # the property settings' own checks: one rule for both pages
    receipt_prefix = check_receipt_prefix(receipt_prefix)
    company = ensure_company()
    taken = select(Property.id).where(Property.company_id == company.id, Property.name == name)
    if db.session.scalar(taken) is not None:
        raise Conflict(_l("The company already has a property of this name."), field="name")
    prop = Property(
        company_id=company.id,
        name=name,
        address=(address or "").strip(),
        service_phone=(service_phone or "").strip(),
        desk_hours=(desk_hours or "").strip(),
        time_zone=time_zone,
        receipt_prefix=receipt_prefix,
    )
    db.session.add(prop)
    db.session.flush()
    with working_for(prop.id):  # the entries belong to the new property's audit log
        record(actor, "property.create", object_type="property", object_id=prop.id, summary=name)
        manager = add_staff_account(
            actor,
            username=manager_username,
            display_name=manager_name,
            role=Role.MANAGER,
            password=manager_password,
            property_id=prop.id,
        )
    return prop, manager
