"""Builders for areas: an area with its assistant and scopes, and a cover."""

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.areas import services
from extensions import db
from tests import builders

SYSTEM = Actor.system("test")


def create_area(prop, *, name=None, assistant=None, deputy=None, scopes=None, desk_phone="024-2345 6789 转 801"):
    """An area of `prop` (its first building whole by default) looked after by `assistant` (a new one by default)."""
    assistant = assistant or builders.create_staff(Role.ASSISTANT)
    area = services.create_area(
        SYSTEM,
        property_id=prop.id,
        name=name or f"{assistant.display_name}的区域",
        assistant_id=assistant.id,
        deputy_id=deputy.id if deputy else None,
        desk_phone=desk_phone,
    )
    if scopes is None:
        scopes = [(prop.buildings[0].id, None, None)]
    services.set_scopes(SYSTEM, area, scopes)
    db.session.commit()
    return area


def create_cover(area, starts_on, ends_on, note=""):
    """Days the area's deputy stands in."""
    cover = services.add_cover(SYSTEM, area, starts_on=starts_on, ends_on=ends_on, note=note)
    db.session.commit()
    return cover
