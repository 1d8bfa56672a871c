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

from weakref import WeakKeyDictionary

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


def _paths_to_a_property():
    """{mapped class: [(foreign-key attribute, parent class), ...]} for each model without a property_id of its own
    that belongs to one through a parent it cannot exist without (a ticket's callback, a patrol route's
    checkpoint, an inspection item's photo): the chain of required foreign keys up to a PropertyOwned model."""
    classes = {mapper.class_: mapper for mapper in db.Model.registry.mappers}
    by_table = {mapper.local_table: cls for cls, mapper in classes.items()}
    direct = {}
    for cls, mapper in classes.items():
        if issubclass(cls, PropertyOwned):
            continue
        for column in mapper.local_table.columns:
            for key in column.foreign_keys:
                parent = by_table.get(key.column.table)
                if not column.nullable and parent is not None and parent is not cls and column.key in mapper.columns:
                    direct.setdefault(cls, (mapper.get_property_by_column(column).class_attribute, parent))
    paths = {}
    for cls in direct:
        path, seen, current = [], set(), cls
        while current in direct and current not in seen:
            seen.add(current)
            path.append(direct[current])
            current = direct[current][1]
        if issubclass(current, PropertyOwned):
            paths[cls] = path
    return paths


_PATHS = None

#: {property id: (the PropertyOwned criteria, {mapped class: its parents' criteria})}: the fence's options, built
#: once per property and reused by every statement (building them, a subquery per parent chain, cost about as much
#: as the statement they fence).
_OPTIONS = {}


def _fence_of(property_id):
    """The fence's options for `property_id`, made on first use: the criteria every PropertyOwned model gets, and a
    {mapped class: criteria} for the models kept to their parents' property."""
    global _PATHS
    fence = _OPTIONS.get(property_id)
    if fence is None:
        if _PATHS is None:
            _PATHS = _paths_to_a_property()
        owned = with_loader_criteria(PropertyOwned, lambda cls: cls.property_id == property_id, include_aliases=True)
        through = {
            cls: with_loader_criteria(cls, _through_parents(path, property_id), include_aliases=True)
            for cls, path in _PATHS.items()
        }
        fence = _OPTIONS[property_id] = (owned, through)
    return fence


#: Parents a property has tens of, not thousands: listed by the fence rather than looked up row by row.
_FEW_PER_PROPERTY = {Building}


def _through_parents(path, property_id):
    """A parent through `path`'s first foreign key exists and belongs to `property_id` (nested up the chain).

    A correlated EXISTS, one primary-key look-up per row read, rather than `IN (the ids of the property's
    parents)`: SQLite builds that list, every resident of the property for one resident's notices, on each
    execution. The parent is never correlated to a table of the same name in the statement itself. Parents a
    property has only a few of (its buildings, for every unit) are still listed: counting a property's thousands
    of units is faster against the short list than with a look-up per unit.
    """
    (attribute, parent), *rest = path
    belongs = _through_parents(rest, property_id) if rest else parent.property_id == property_id
    if parent in _FEW_PER_PROPERTY:
        return attribute.in_(select(parent.id).where(belongs))
    return select(parent.id).where(parent.id == attribute, belongs).correlate_except(parent).exists()


#: {statement: {property id: the statement with the fence's options}}. A statement built once (the prepared reads
#: of domain.queries, the sign-in's look-up) is fenced once per property, so its fenced copy keeps the cache key
#: SQLAlchemy memoises on it instead of computing it again on every execution; a statement built per request
#: leaves the map when it is dropped.
_FENCED = WeakKeyDictionary()


@event.listens_for(Session, "do_orm_execute")
def _keep_to_the_current_property(state):
    property_id = current_property_id()
    if property_id is None or state.is_column_load or state.is_relationship_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("all_properties"):
        return
    statement = state.statement
    fenced = _FENCED.get(statement)
    if fenced is None:
        fenced = _FENCED[statement] = {}
    kept = fenced.get(property_id)
    if kept is None:
        owned, through = _fence_of(property_id)
        options = [owned]
        # A model without a property of its own (units, a ticket's callbacks...) is kept to its parents' property
        # when the statement reads it; units always, being joined everywhere.
        for mapper in {Unit.__mapper__, *state.all_mappers}:
            option = through.get(mapper.class_)
            if option is not None:
                options.append(option)
        kept = fenced[property_id] = statement.options(*options)
    state.statement = kept
