"""Which property a request works for, and the one place that keeps every statement inside it.

A request of the console works for the property its sign-in has chosen (the switcher), a resident's for the
property of the unit they are looking at, a kiosk's for the property it is enrolled in. While that is set, every
ORM statement reading a model that belongs to a property (domain.types.PropertyOwned, and units through their
building) gets `property_id = <current>` added to it: a row of another property is not found, so its id answers
404 exactly as a neighbour's record does. The scoping cannot be forgotten by a new query, because no query adds it.

The current property itself is kept by domain.current_property. Outside a request (commands, jobs, the demo)
nothing is set and statements see every property: they pass the
property they work for explicitly, or run inside `working_for(property_id)`.
"""

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, with_loader_criteria

from domain.accounts.models import AccountKind, SignIn, StaffRole
from domain.audit.services import record
from domain.current_property import current_property_id, set_current_property, working_for  # noqa: F401
from domain.errors import NotFound
from domain.property.models import Building, Resident, Unit
from domain.types import PropertyOwned
from extensions import db

#: Execution option that lets one statement see every property (the company's figures, the sign-in itself).
ALL_PROPERTIES = {"all_properties": True}


def property_choices(user_id, kind):
    """The ids of the properties a person may work in: a staff member's properties with a role there; a
    resident's properties with a register entry for them (one sign-in for units in several properties)."""
    if kind == AccountKind.STAFF:
        statement = select(StaffRole.property_id).where(StaffRole.user_id == user_id)
    else:
        statement = select(Resident.property_id).where(Resident.user_id == user_id).distinct()
    return sorted(db.session.scalars(statement.execution_options(**ALL_PROPERTIES)))


def choose_property(signed_in, property_id, *, actor):
    """Make the sign-in of `signed_in` work for `property_id`; NotFound unless the person may work there.

    The choice lives on the server's sign-in, so it holds on every server and in every tab. Audited; the caller
    commits.
    """
    if property_id not in property_choices(signed_in.id, signed_in.kind):
        raise NotFound()
    db.session.execute(update(SignIn).where(SignIn.id == signed_in.sign_in_id).values(property_id=property_id))
    set_current_property(property_id)
    record(actor, "account.property_switch", object_type="sign_in", object_id=signed_in.sign_in_id)


@event.listens_for(Session, "do_orm_execute")
def _keep_to_the_current_property(state):
    property_id = current_property_id()
    if property_id is None or state.is_column_load or state.is_relationship_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("all_properties"):
        return
    state.statement = state.statement.options(
        with_loader_criteria(PropertyOwned, lambda cls: cls.property_id == property_id, include_aliases=True),
        with_loader_criteria(
            Unit,
            lambda cls: cls.building_id.in_(select(Building.id).where(Building.property_id == property_id)),
            include_aliases=True,
        ),
    )
