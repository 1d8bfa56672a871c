"""Demo areas for 亿丰时代广场: building 1 is 李助理's, buildings 2 and 3 are 吴助理's, each the other's deputy, with
a cover next week."""

from datetime import timedelta

from sqlalchemy import select

from domain.accounts.models import Actor, User
from domain.areas import services
from domain.property.models import Building
from extensions import db

#: (name, assistant's username, deputy's username, desk phone, building codes)
AREAS = [
    ("1号楼", "assistant", "assistant2", "024-2345 6789 转 801", ["1"]),
    ("2、3号楼", "assistant2", "assistant", "024-2345 6789 转 802", ["2", "3"]),
]


def load_areas_demo(prop, *, rng, today):
    """Add the demo areas and a two-day cover next week (李助理's days off, 吴助理 stands in); returns their number.
    `rng` is taken for the common signature (nothing here is random)."""
    del rng
    system = Actor.system("demo")
    users = dict(
        db.session.execute(select(User.username, User.id).where(User.username.in_(["assistant", "assistant2"]))).all()
    )
    buildings = dict(
        db.session.execute(select(Building.code, Building.id).where(Building.property_id == prop.id)).all()
    )
    areas = []
    for name, assistant, deputy, phone, codes in AREAS:
        area = services.create_area(
            system,
            property_id=prop.id,
            name=name,
            assistant_id=users.get(assistant),
            deputy_id=users.get(deputy),
            desk_phone=phone,
        )
        services.set_scopes(system, area, [(buildings[code], None, None) for code in codes if code in buildings])
        areas.append(area)
    next_week = today + timedelta(days=7 - today.weekday())
    services.add_cover(
        system, areas[0], starts_on=next_week, ends_on=next_week + timedelta(days=1), note="年假", day=today
    )
    db.session.flush()
    return len(areas)
