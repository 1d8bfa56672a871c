"""The manager's assignment of areas (1.2.1): each area's assistant, deputy and desk phone, the buildings or floors
it takes in (a unit is in at most one area), the deputy's days (covers), and deleting an area. Every change is
audited and needs MANAGE_AREAS."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from domain.accounts.models import AccountKind, User
from domain.accounts.roles import Permission, Role, require
from domain.accounts.services import role_of, staff_roles
from domain.areas.models import Area, AreaCover, AreaScope
from domain.audit.services import diff, record
from domain.clock import today
from domain.errors import Conflict, DomainError, NotFound
from domain.property.models import Building
from extensions import db

#: A desk line or an extension: digits, spaces, dashes, "+", parentheses, "转"/"ext"/"x" before an extension.
DESK_PHONE_RE = re.compile(r"^\+?[\d\s()-]{3,24}((\s*(转|ext\.?|x)\s*)\d{1,6})?$", re.IGNORECASE)
MAX_NAME = 60
MAX_PHONE = 40
MAX_NOTE = 500


def get_area(area_id, property_id):
    """The area `area_id` of the property, or NotFound."""
    area = db.session.get(Area, area_id)
    if area is None or area.property_id != property_id:
        raise NotFound()
    return area


def list_areas(property_id):
    """The property's areas by name, with their assistant, deputy and scopes (and their buildings) loaded."""
    return db.session.scalars(
        select(Area)
        .where(Area.property_id == property_id)
        .options(
            selectinload(Area.assistant),
            selectinload(Area.deputy),
            selectinload(Area.scopes).selectinload(AreaScope.building),
        )
        .order_by(Area.name, Area.id)
    ).all()


def assistant_choices():
    """The active staff who may look after an area: the property assistants (id, name), by name."""
    statement = staff_roles([Role.ASSISTANT]).with_only_columns(User.id, User.display_name)
    return db.session.execute(statement.order_by(User.display_name, User.id)).all()


def deputy_choices():
    """Who may stand in: the assistants and the managers (a manager may name themself as deputy), by name."""
    statement = staff_roles([Role.ASSISTANT, Role.MANAGER]).with_only_columns(User.id, User.display_name)
    return db.session.execute(statement.order_by(User.display_name, User.id)).all()


def _check_person(actor, user_id, *, field, deputy):
    """The user id when it names an active assistant (or, as deputy, the manager acting), else DomainError."""
    if user_id in (None, ""):
        return None
    user = db.session.get(User, int(user_id))
    ok = user is not None and user.kind == AccountKind.STAFF and user.is_active
    role = role_of(user.id) if ok else None
    if ok and role != Role.ASSISTANT:
        ok = deputy and role == Role.MANAGER and user.id == actor.user_id
    if not ok:
        message = (
            _l("The deputy must be an active property assistant, or yourself as manager.")
            if deputy
            else _l("Choose an active property assistant.")
        )
        raise DomainError(message, field=field)
    return user.id


def _clean_values(actor, *, name, assistant_id, deputy_id, desk_phone):
    """The checked column values of an area, or DomainError naming the field."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the area a name."), field="name")
    if len(name) > MAX_NAME:
        raise DomainError(_l("At most %(n)s characters.", n=MAX_NAME), field="name")
    assistant_id = _check_person(actor, assistant_id, field="assistant_id", deputy=False)
    deputy_id = _check_person(actor, deputy_id, field="deputy_id", deputy=True)
    if deputy_id is not None and deputy_id == assistant_id:
        raise DomainError(_l("The deputy must be someone other than the assistant."), field="deputy_id")
    desk_phone = re.sub(r"\s+", " ", (desk_phone or "").strip())
    if desk_phone and (len(desk_phone) > MAX_PHONE or not DESK_PHONE_RE.match(desk_phone)):
        raise DomainError(_l("Enter a desk line or extension, e.g. 024-2345 6789 转 801."), field="desk_phone")
    return {"name": name, "assistant_id": assistant_id, "deputy_id": deputy_id, "desk_phone": desk_phone}


def _check_name_free(property_id, name, exclude_id=None):
    """Refuse a second area of the same name."""
    query = select(Area.id).where(Area.property_id == property_id, func.lower(Area.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Area.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Conflict(_l("There is already an area called %(name)s.", name=name), field="name")


def create_area(actor, *, property_id, name, assistant_id=None, deputy_id=None, desk_phone=""):
    """A new area with its assistant, deputy and desk phone (buildings and floors come with set_scopes)."""
    require(actor, Permission.MANAGE_AREAS)
    values = _clean_values(actor, name=name, assistant_id=assistant_id, deputy_id=deputy_id, desk_phone=desk_phone)
    _check_name_free(property_id, values["name"])
    area = Area(property_id=property_id, **values)
    db.session.add(area)
    db.session.flush()
    record(actor, "area.create", area, summary=area.name, changes={k: [None, v] for k, v in values.items()})
    return area


def edit_area(actor, area, *, name, assistant_id=None, deputy_id=None, desk_phone=""):
    """Change an area's name, assistant, deputy or desk phone; the next notice goes to whoever is now on duty."""
    require(actor, Permission.MANAGE_AREAS)
    values = _clean_values(actor, name=name, assistant_id=assistant_id, deputy_id=deputy_id, desk_phone=desk_phone)
    _check_name_free(area.property_id, values["name"], exclude_id=area.id)
    changes = diff(area, values)
    if changes:
        record(actor, "area.edit", area, summary=area.name, changes=changes)
    return area


def _parse_floor(text):
    """An optional floor number typed in a form: int, None when blank, else ValueError."""
    if text in (None, ""):
        return None
    return int(str(text).strip())


def scope_text(building_code, floor_from, floor_to):
    """How people write a scope: "1号楼" or "2号楼 1-9层" (in the reader's language)."""
    if floor_from is None:
        return str(_l("Building %(code)s", code=building_code))
    return str(_l("Building %(code)s, floors %(a)s-%(b)s", code=building_code, a=floor_from, b=floor_to))


def _overlaps(a_from, a_to, b_from, b_to, floors):
    """Whether two floor ranges of one building (None = the whole building) share a floor."""
    a_from, a_to = (1, floors) if a_from is None else (a_from, a_to)
    b_from, b_to = (1, floors) if b_from is None else (b_from, b_to)
    return a_from <= b_to and b_from <= a_to


def set_scopes(actor, area, rows):
    """Replace the area's buildings/floors with `rows` [(building_id, floor_from, floor_to)] (floors optional, both
    or neither). Refuses a floor outside the building, and any overlap with another area's scope (naming it) or
    between the rows themselves: a unit is in at most one area."""
    require(actor, Permission.MANAGE_AREAS)
    buildings = {
        b.id: b for b in db.session.scalars(select(Building).where(Building.property_id == area.property_id)).all()
    }
    wanted = []
    for n, (building_id, floor_from, floor_to) in enumerate(rows):
        field = f"scopes-{n}"
        try:
            building = buildings.get(int(building_id)) if building_id not in (None, "") else None
            floor_from, floor_to = _parse_floor(floor_from), _parse_floor(floor_to)
        except (TypeError, ValueError):
            raise DomainError(_l("Floors are whole numbers."), field=field) from None
        if building is None:
            raise DomainError(_l("Choose a building."), field=field)
        if (floor_from is None) != (floor_to is None):
            raise DomainError(_l("Give both floors, or neither for the whole building."), field=field)
        if floor_from is not None and not (1 <= floor_from <= floor_to <= building.floors):
            raise DomainError(
                _l(
                    "Floors from 1 to %(floors)s of building %(code)s, the first not above the last.",
                    floors=building.floors,
                    code=building.code,
                ),
                field=field,
            )
        for b_id, f_from, f_to in wanted:
            if b_id == building.id and _overlaps(floor_from, floor_to, f_from, f_to, building.floors):
                raise Conflict(_l("Two rows take in the same floors of building %(code)s.", code=building.code))
        wanted.append((building.id, floor_from, floor_to))
    others = db.session.execute(
        select(AreaScope, Area.name)
        .join(Area)
        .where(Area.property_id == area.property_id, Area.id != area.id)
        .where(AreaScope.building_id.in_([b for b, _f, _t in wanted] or [-1]))
    ).all()
    for building_id, floor_from, floor_to in wanted:
        building = buildings[building_id]
        for scope, other_name in others:
            if scope.building_id == building_id and _overlaps(
                floor_from, floor_to, scope.floor_from, scope.floor_to, building.floors
            ):
                raise Conflict(
                    _l(
                        "%(scope)s overlaps the area %(area)s (%(theirs)s): a unit is in one area only.",
                        scope=scope_text(building.code, floor_from, floor_to),
                        area=other_name,
                        theirs=scope_text(building.code, scope.floor_from, scope.floor_to),
                    )
                )
    before = [_scope_key(s, buildings) for s in area.scopes]
    after = [scope_text(buildings[b].code, f, t) for b, f, t in wanted]
    if before == after:
        return area
    area.scopes.clear()
    db.session.flush()
    for building_id, floor_from, floor_to in wanted:
        area.scopes.append(AreaScope(building_id=building_id, floor_from=floor_from, floor_to=floor_to))
    db.session.flush()
    record(actor, "area.scopes", area, summary=area.name, changes={"scopes": [before, after]})
    return area


def _scope_key(scope, buildings):
    """The scope as text, for the audit log's before/after."""
    return scope_text(buildings[scope.building_id].code, scope.floor_from, scope.floor_to)


def _parse_day(value, field):
    """A date from a form value (a date or "YYYY-MM-DD"), or DomainError."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise DomainError(_l("Enter a date as YYYY-MM-DD."), field=field) from None


def add_cover(actor, area, *, starts_on, ends_on, note="", day=None):
    """Days the deputy stands in for the assistant: not in the past (today is fine), the end not before the start,
    and only when the area has a deputy."""
    require(actor, Permission.MANAGE_AREAS)
    day = day or today()
    start = _parse_day(starts_on, "starts_on")
    end = _parse_day(ends_on, "ends_on")
    if area.deputy_id is None:
        raise DomainError(_l("Name a deputy for the area first."), field="starts_on")
    if start < day:
        raise DomainError(_l("The first day cannot be in the past."), field="starts_on")
    if end < start:
        raise DomainError(_l("The last day cannot be before the first."), field="ends_on")
    if (end - start).days > 366:
        raise DomainError(_l("A cover lasts at most a year."), field="ends_on")
    note = (note or "").strip()[:MAX_NOTE]
    cover = AreaCover(area_id=area.id, starts_on=start, ends_on=end, note=note, created_by_id=actor.user_id)
    db.session.add(cover)
    db.session.flush()
    record(
        actor,
        "area.cover_add",
        cover,
        summary=f"{area.name} {start.isoformat()}..{end.isoformat()}",
        changes={"area_id": [None, area.id], "starts_on": [None, str(start)], "ends_on": [None, str(end)]},
    )
    return cover


def covers_of(area, day=None):
    """The area's covers that have not ended before `day` (all when day is None), by first day."""
    query = select(AreaCover).where(AreaCover.area_id == area.id).order_by(AreaCover.starts_on, AreaCover.id)
    if day is not None:
        query = query.where(AreaCover.ends_on >= day)
    return db.session.scalars(query).all()


def remove_cover(actor, area, cover_id):
    """Take back one of the area's covers."""
    require(actor, Permission.MANAGE_AREAS)
    cover = db.session.get(AreaCover, cover_id)
    if cover is None or cover.area_id != area.id:
        raise NotFound()
    record(
        actor,
        "area.cover_remove",
        cover,
        summary=f"{area.name} {cover.starts_on.isoformat()}..{cover.ends_on.isoformat()}",
    )
    db.session.delete(cover)
    return area


def _routes_table():
    """The patrol routes' table, read from the schema: patrols ask areas who is on duty, so areas do not import
    the patrols package (no package cycle)."""
    return db.metadata.tables["patrol_routes"]


def routes_of_area(area):
    """(id, name) of the patrol routes that point at the area."""
    routes = _routes_table()
    return db.session.execute(
        select(routes.c.id, routes.c.name).where(routes.c.area_id == area.id).order_by(routes.c.name)
    ).all()


def delete_area(actor, area, *, detach_routes=False):
    """Delete an area with its scopes and covers. Patrol routes pointing at it refuse the delete (naming them)
    unless `detach_routes`: then they stay, with no area."""
    require(actor, Permission.MANAGE_AREAS)
    attached = routes_of_area(area)
    if attached and not detach_routes:
        raise Conflict(
            _l(
                "Patrol routes use this area: %(routes)s. Detach them to delete it.",
                routes="、".join(name for _id, name in attached),
            )
        )
    if attached:
        routes = _routes_table()
        db.session.execute(update(routes).where(routes.c.area_id == area.id).values(area_id=None))
    db.session.execute(delete(AreaCover).where(AreaCover.area_id == area.id))
    record(
        actor,
        "area.delete",
        area,
        summary=area.name,
        changes={"detached_routes": [[r_id for r_id, _n in attached], None]} if attached else None,
    )
    db.session.delete(area)
    db.session.flush()
    return [name for _id, name in attached]
