"""Areas and the assistant's "my area": the console routes and who may use them."""

from datetime import timedelta

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.areas import services
from domain.clock import today
from extensions import db
from tests import builders

KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})
MANAGER = frozenset({Role.MANAGER})
ASSISTANT = frozenset({Role.ASSISTANT})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_areas": ("GET", "/staff/areas/", KEEPERS),
    "staff.units_without_area": ("GET", "/staff/areas/unassigned", KEEPERS),
    "staff.create_area": ("GET", "/staff/areas/new", MANAGER),
    "staff.show_area": ("GET", "/staff/areas/{area}", KEEPERS),
    "staff.edit_area": ("POST", "/staff/areas/{area}", MANAGER),
    "staff.set_area_scopes": ("POST", "/staff/areas/{area}/scopes", MANAGER),
    "staff.add_area_cover": ("POST", "/staff/areas/{area}/covers", MANAGER),
    "staff.remove_area_cover": ("POST", "/staff/areas/{area}/covers/{area_cover}/remove", MANAGER),
    "staff.delete_area": ("POST", "/staff/areas/{area}/delete", MANAGER),
    "staff.my_area": ("GET", "/staff/areas/mine", ASSISTANT),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name, made for the test: an area with the unit's building and a cover."""
    system = Actor.system("test")
    deputy = builders.create_staff(Role.ASSISTANT)
    area = services.create_area(system, property_id=prop.id, name="测试区域", deputy_id=deputy.id)
    services.set_scopes(system, area, [(unit.building_id, None, None)])
    cover = services.add_cover(system, area, starts_on=today(), ends_on=today() + timedelta(days=1))
    db.session.commit()
    return {"area": area.id, "area_cover": cover.id}
