"""The property and its buildings."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.roles import Permission, require
from domain.audit.services import diff, record
from domain.current_property import current_property_id
from domain.errors import Conflict, NotFound
from domain.property.models import Building, Property
from domain.queries import read
from extensions import db


def get_property():
    """Return the property the request works for (domain.property.scope); outside a request, with nothing chosen,
    the first property (commands and jobs of a one-property installation)."""
    chosen = current_property_id()
    if chosen is not None:
        prop = db.session.get(Property, chosen)
    else:
        prop = db.session.scalar(select(Property).order_by(Property.id).limit(1))
    if prop is None:
        raise NotFound(_l("No property has been set up yet."))
    return prop


_PROPERTY_ID = select(Property.id).order_by(Property.id).limit(1)


def property_id_or_none():
    """The id of the property the request works for, or (outside a request, with nothing chosen) the first one; None
    before any is set up (the pages every console shows, the today page and its poll, stay up on a new
    installation)."""
    chosen = current_property_id()
    if chosen is not None:
        return chosen
    return read(_PROPERTY_ID).scalar()


def get_property_id():
    """The id of the property this installation manages, for the list pages that need nothing else of it
    (a column read: loading the ORM entity costs a list page several per cent)."""
    property_id = property_id_or_none()
    if property_id is None:
        raise NotFound(_l("No property has been set up yet."))
    return property_id


# Buildings ---------------------------------------------------------------------------------------


_BUILDINGS = select(Building.id, Building.code, Building.name, Building.floors).order_by(Building.code)


def list_buildings():
    """All buildings by code, as rows (id, code, name, floors); the unit search shows them on every page."""
    return read(_BUILDINGS).all()


def create_building(actor, *, code, name, floors):
    """Add a building to the property."""
    require(actor, Permission.EDIT_REGISTER)
    prop = get_property()
    code = code.strip()
    if db.session.scalar(select(Building.id).where(Building.property_id == prop.id, Building.code == code)):
        raise Conflict(_l("A building with this code exists."), field="code")
    building = Building(property_id=prop.id, code=code, name=name.strip(), floors=floors)
    db.session.add(building)
    db.session.flush()
    record(actor, "building.create", building, summary=f"{code} {building.name}")
    return building


def update_building(actor, building, *, code, name, floors):
    """Rename or renumber a building."""
    require(actor, Permission.EDIT_REGISTER)
    code = code.strip()
    clash = db.session.scalar(
        select(Building.id).where(
            Building.property_id == building.property_id, Building.code == code, Building.id != building.id
        )
    )
    if clash:
        raise Conflict(_l("A building with this code exists."), field="code")
    changes = diff(building, {"code": code, "name": name.strip(), "floors": floors})
    if changes:
        record(actor, "building.update", building, summary=building.name, changes=changes)
    return building


def get_building(building_id):
    """Return a building or raise NotFound."""
    building = db.session.get(Building, building_id)
    if building is None:
        raise NotFound()
    return building
