"""The manager's patrol data: routes with their daily windows, and their ordered checkpoints, each with a checklist
and a short label code printed under its QR. Every change needs MANAGE_PATROLS and is audited; the caller commits."""

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from domain.accounts.roles import Permission, Role, require
from domain.areas.models import Area
from domain.audit.services import diff, record
from domain.errors import DomainError, NotFound
from domain.movein.invitations import CODE_ALPHABET, normalise_code
from domain.patrols.models import Checkpoint, PatrolRoute
from domain.patrols.schedule import parse_window
from extensions import db

#: Who may walk a route (the manager may always stand in).
ROUTE_ROLES = (Role.ASSISTANT, Role.SECURITY)
#: The windows a route gets when the manager gives none: an assistant walks their area once a day, security once
#: per shift (the night one ends after midnight).
DEFAULT_WINDOWS = {
    Role.ASSISTANT: [["08:30", "11:30"]],
    Role.SECURITY: [["07:00", "09:00"], ["15:00", "17:00"], ["23:00", "01:00"]],
}
#: At most this many windows a day.
MAX_WINDOWS = 8
#: A checklist is short: a few questions answered with one tap each on a phone.
MAX_CHECKLIST_ITEMS = 12
MAX_CHECKLIST_ITEM_LENGTH = 40
#: The label's code: 6 characters of 31 that cannot be mistaken for one another (no 0/O, 1/I/L).
CODE_LENGTH = 6


def new_code():
    """A short label code no checkpoint has yet, such as "K7M4Q2"."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Checkpoint.id).where(Checkpoint.code == code)) is None:
            return code


def checkpoint_by_code(code):
    """The Checkpoint whose label reads `code` (spaces, dashes and case forgiven), or None."""
    code = normalise_code(code)
    if not code:
        return None
    return db.session.scalar(select(Checkpoint).where(Checkpoint.code == code))


def get_route(route_id, property_id):
    """The route `route_id` of the property, or NotFound."""
    route = db.session.get(PatrolRoute, route_id)
    if route is None or route.property_id != property_id:
        raise NotFound()
    return route


def get_checkpoint(route, checkpoint_id):
    """The checkpoint `checkpoint_id` of `route`, or NotFound."""
    checkpoint = db.session.get(Checkpoint, checkpoint_id)
    if checkpoint is None or checkpoint.route_id != route.id:
        raise NotFound()
    return checkpoint


def routes_of(property_id, *, active_only=False):
    """The property's routes by name, active ones first, with their checkpoints loaded."""
    query = select(PatrolRoute).where(PatrolRoute.property_id == property_id)
    if active_only:
        query = query.where(PatrolRoute.is_active.is_(True))
    query = query.order_by(PatrolRoute.is_active.desc(), PatrolRoute.name, PatrolRoute.id)
    return db.session.scalars(query).all()


def _clean_windows(windows, role):
    """The windows as checked [[start, end]] by start time; blank pairs are skipped and none at all means the role's
    default."""
    pairs = [(s or "", e or "") for s, e in windows or ()]
    pairs = [(s, e) for s, e in pairs if s.strip() or e.strip()]
    if not pairs:
        return [list(w) for w in DEFAULT_WINDOWS[role]]
    if len(pairs) > MAX_WINDOWS:
        raise DomainError(_l("A route has at most %(n)s windows a day.", n=MAX_WINDOWS), field="windows")
    cleaned = sorted((parse_window(s, e) for s, e in pairs), key=lambda w: w[0])
    starts = [w[0] for w in cleaned]
    if len(set(starts)) != len(starts):
        raise DomainError(_l("Two windows start at the same time."), field="windows")
    return cleaned


def _role(role):
    """The walker's Role from a form value, or a DomainError."""
    try:
        role = Role(role)
    except ValueError:
        role = None
    if role not in ROUTE_ROLES:
        raise DomainError(_l("Choose who walks the route: the property assistant or security."), field="role")
    return role


def save_route(
    actor, route=None, *, name, role, area_id=None, description="", windows=(), property_id=None, is_active=None
):
    """Create a route (when `route` is None, on `property_id`) or change one: its name, walker role, area,
    description and daily windows [(start, end)] ("08:30", "11:30"); no windows means the role's default."""
    require(actor, Permission.MANAGE_PATROLS)
    property_id = route.property_id if route is not None else property_id
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the route a name."), field="name")
    if len(name) > 80:
        raise DomainError(_l("The name is too long (at most 80 characters)."), field="name")
    role = _role(role)
    if area_id in ("", None, 0):
        area_id = None
    else:
        area = db.session.get(Area, int(area_id))
        if area is None or area.property_id != property_id:
            raise DomainError(_l("Choose an area of this property."), field="area_id")
        area_id = area.id
    values = {
        "name": name,
        "role": role,
        "area_id": area_id,
        "description": (description or "").strip(),
        "windows": _clean_windows(windows, role),
    }
    if is_active is not None:
        values["is_active"] = bool(is_active)
    if route is None:
        route = PatrolRoute(property_id=property_id, **values)
        db.session.add(route)
        db.session.flush()
        record(actor, "patrol.route_create", route, summary=name)
        return route
    changes = diff(route, values)
    if changes:
        record(actor, "patrol.route_edit", route, summary=name, changes=changes)
    return route


def set_route_active(actor, route, active):
    """Retire a route (no more rounds are due on it; its history stays) or bring it back."""
    require(actor, Permission.MANAGE_PATROLS)
    if route.is_active != active:
        route.is_active = active
        record(actor, "patrol.route_reinstate" if active else "patrol.route_retire", route, summary=route.name)
    return route


def retire_route(actor, route):
    """Retire a route: it stops being due; its rounds and records stay."""
    return set_route_active(actor, route, False)


def reinstate_route(actor, route):
    """Bring a retired route back into the schedule."""
    return set_route_active(actor, route, True)


def parse_checklist(checklist):
    """The checklist's items from text (one per line) or a list: stripped, blanks dropped, at least one, at most
    MAX_CHECKLIST_ITEMS, each at most MAX_CHECKLIST_ITEM_LENGTH characters, no item twice."""
    lines = checklist.splitlines() if isinstance(checklist, str) else list(checklist or ())
    items = [" ".join(str(line).split()) for line in lines]
    items = [item for item in items if item]
    if not items:
        raise DomainError(_l("Write at least one thing to check, one per line."), field="checklist")
    if len(items) > MAX_CHECKLIST_ITEMS:
        raise DomainError(
            _l("A checklist has at most %(n)s items: keep it short.", n=MAX_CHECKLIST_ITEMS), field="checklist"
        )
    for item in items:
        if len(item) > MAX_CHECKLIST_ITEM_LENGTH:
            raise DomainError(
                _l(
                    "“%(item)s” is too long: at most %(n)s characters per item.",
                    item=item[:20] + "…",
                    n=MAX_CHECKLIST_ITEM_LENGTH,
                ),
                field="checklist",
            )
    if len(set(items)) != len(items):
        raise DomainError(_l("An item appears twice in the checklist."), field="checklist")
    return items


def checklist_text(checkpoint):
    """The checkpoint's checklist as the form's text, one item per line."""
    return "\n".join(checkpoint.checklist or ())


def save_checkpoint(actor, route, checkpoint=None, *, name, place="", look_for="", checklist):
    """Add a checkpoint at the end of `route` (with a new label code) or change one; `checklist` is text with one
    item per line, or a list."""
    require(actor, Permission.MANAGE_PATROLS)
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the checkpoint a name."), field="name")
    if len(name) > 80:
        raise DomainError(_l("The name is too long (at most 80 characters)."), field="name")
    place = (place or "").strip()
    if len(place) > 120:
        raise DomainError(_l("The place is too long (at most 120 characters)."), field="place")
    look_for = (look_for or "").strip()
    values = {"name": name, "place": place, "look_for": look_for, "checklist": parse_checklist(checklist)}
    if checkpoint is None:
        last = db.session.scalar(select(func.max(Checkpoint.position)).where(Checkpoint.route_id == route.id))
        checkpoint = Checkpoint(route=route, position=(last or 0) + 1, code=new_code(), **values)
        db.session.add(checkpoint)
        db.session.flush()
        record(actor, "patrol.checkpoint_create", checkpoint, summary=f"{route.name}: {name} {checkpoint.code}")
        return checkpoint
    if checkpoint.route_id != route.id:
        raise NotFound()
    changes = diff(checkpoint, values)
    if changes:
        record(actor, "patrol.checkpoint_edit", checkpoint, summary=f"{route.name}: {name}", changes=changes)
    return checkpoint


def move_checkpoint(actor, checkpoint, direction):
    """Swap the checkpoint with the one before ("up") or after ("down") it on its route; at an end, nothing moves."""
    require(actor, Permission.MANAGE_PATROLS)
    if direction not in ("up", "down"):
        raise DomainError(_l("Move a checkpoint up or down."))
    query = select(Checkpoint).where(Checkpoint.route_id == checkpoint.route_id)
    points = db.session.scalars(query.order_by(Checkpoint.position, Checkpoint.id)).all()
    index = points.index(checkpoint)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(points):
        return checkpoint
    # Renumber the whole route so positions stay 1..n even after old gaps, then swap the two.
    points[index], points[other] = points[other], points[index]
    for position, point in enumerate(points, start=1):
        point.position = position
    record(actor, "patrol.checkpoint_move", checkpoint, summary=f"{checkpoint.name} {direction}")
    return checkpoint


def set_checkpoint_active(actor, checkpoint, active):
    """Retire a checkpoint (no longer on the round; its label stops working; past visits stay) or reinstate it."""
    require(actor, Permission.MANAGE_PATROLS)
    if checkpoint.is_active != active:
        checkpoint.is_active = active
        action = "patrol.checkpoint_reinstate" if active else "patrol.checkpoint_retire"
        record(actor, action, checkpoint, summary=f"{checkpoint.name} {checkpoint.code}")
    return checkpoint


def retire_checkpoint(actor, checkpoint):
    """Take a checkpoint off its route; past visits keep it in their records."""
    return set_checkpoint_active(actor, checkpoint, False)


def reinstate_checkpoint(actor, checkpoint):
    """Put a retired checkpoint back on its route, with the same label code."""
    return set_checkpoint_active(actor, checkpoint, True)
