"""The register of public facilities (1.2.14): adding and editing a facility with its kind's defaults, retiring and
reinstating it. The manager and engineering keep it; every change is audited."""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from domain.accounts.roles import Permission, Role, require
from domain.audit.services import diff, record
from domain.errors import DomainError, NotFound
from domain.facilities.models import Facility, FacilityKind
from domain.facilities.workflow import check_facility
from domain.property.models import Building
from extensions import db

#: The intervals the form offers (days); any whole number in INTERVAL_RANGE may be typed.
INTERVAL_CHOICES = (7, 15, 30, 90, 180, 365)
INTERVAL_RANGE = (1, 366)
#: The national lift maintenance rule (TSG T5002): a lift is maintained at least every 15 days.
LIFT_MAX_INTERVAL = 15
#: Who may be named as a facility's checker: the roles that record checks.
CHECKER_ROLES = (Role.ENGINEERING, Role.SECURITY, Role.ASSISTANT, Role.MANAGER)
MAX_CHECKLIST_ITEMS = 20
MAX_ITEM_LENGTH = 60

KIND_LABELS = {
    FacilityKind.LIFT: _l("Lift"),
    FacilityKind.FIRE: _l("Fire equipment"),
    FacilityKind.LIGHTING: _l("Lighting"),
    FacilityKind.DOOR: _l("Doors and access control"),
    FacilityKind.PUMP: _l("Water pump"),
    FacilityKind.CCTV: _l("CCTV"),
    FacilityKind.OTHER: _l("Other facility"),
}


@dataclass(frozen=True)
class KindDefaults:
    """What a new facility of a kind starts with: its checker, interval and checklist, and whether an outside
    contractor does the check (then the form asks for the firm)."""

    checker_role: Role
    interval_days: int
    checklist: tuple = ()
    contractor_asked: bool = False


DEFAULTS = {
    FacilityKind.LIFT: KindDefaults(
        Role.ENGINEERING, 15, ("运行平稳", "平层准确", "轿厢照明通风", "紧急呼叫对讲", "维保记录签字"), True
    ),
    FacilityKind.FIRE: KindDefaults(
        Role.SECURITY, 30, ("灭火器压力正常", "消火栓箱完好", "应急灯指示灯", "消防通道畅通")
    ),
    FacilityKind.LIGHTING: KindDefaults(Role.ASSISTANT, 7, ("灯具全亮", "开关与定时正常", "灯罩完好")),
    FacilityKind.DOOR: KindDefaults(Role.SECURITY, 7, ("开关顺畅", "门禁刷卡正常", "闭门器与锁具完好")),
    FacilityKind.PUMP: KindDefaults(Role.ENGINEERING, 30, ("运行无异响", "压力正常", "无渗漏", "控制柜指示正常")),
    FacilityKind.CCTV: KindDefaults(Role.SECURITY, 7, ("画面清晰", "录像可回放", "镜头无遮挡")),
    FacilityKind.OTHER: KindDefaults(Role.ASSISTANT, 30, ("外观完好", "运行正常")),
}


def get_facility(facility_id, property_id):
    """One facility of the property, or NotFound."""
    facility = db.session.get(Facility, facility_id)
    if facility is None or facility.property_id != property_id:
        raise NotFound()
    return facility


def register(property_id, *, kind=None, building_id=None, active_only=False):
    """The property's facilities by name, filtered by kind and building, with their buildings loaded."""
    query = select(Facility).where(Facility.property_id == property_id).options(joinedload(Facility.building))
    if kind:
        query = query.where(Facility.kind == FacilityKind(kind))
    if building_id:
        query = query.where(Facility.building_id == building_id)
    if active_only:
        query = query.where(Facility.is_active.is_(True))
    return db.session.scalars(query.order_by(Facility.is_active.desc(), Facility.name, Facility.id)).all()


def parse_checklist(text):
    """The checklist typed one item a line: trimmed, blank lines and repeats dropped."""
    lines = text.splitlines() if isinstance(text, str) else list(text or ())
    return list(dict.fromkeys(line.strip() for line in lines if line and line.strip()))


def _kind(value):
    """The FacilityKind `value` names, or a DomainError on the kind field."""
    try:
        return FacilityKind(value)
    except ValueError:
        raise DomainError(_l("Choose the kind of facility."), field="kind") from None


def _interval(value, kind):
    """The interval in days as a whole number in range; a lift's never over 15 days."""
    if value in (None, ""):
        return DEFAULTS[kind].interval_days
    try:
        days = int(str(value).strip())
    except ValueError:
        raise DomainError(_l("Type the interval as a whole number of days."), field="interval_days") from None
    low, high = INTERVAL_RANGE
    if not low <= days <= high:
        raise DomainError(_l("The interval is %(low)s to %(high)s days.", low=low, high=high), field="interval_days")
    if kind == FacilityKind.LIFT and days > LIFT_MAX_INTERVAL:
        raise DomainError(
            _l("A lift must be maintained at least every 15 days (national lift maintenance rule TSG T5002)."),
            field="interval_days",
        )
    return days


def _checker(value, kind):
    """The checker role: the kind's default when none is chosen; only a role that records checks."""
    if not value:
        return DEFAULTS[kind].checker_role
    try:
        role = Role(value)
    except ValueError:
        role = None
    if role not in CHECKER_ROLES:
        raise DomainError(_l("Choose who checks it."), field="checker_role")
    return role


def _clean(
    property_id, *, name, kind, location, building_id, checker_role, contractor, checklist, interval_days, first_due_on
):
    """The typed values checked and normalised into the Facility's columns, or a DomainError on the first bad one."""
    kind = _kind(kind)
    name, location, contractor = (name or "").strip(), (location or "").strip(), (contractor or "").strip()
    if not name:
        raise DomainError(_l("Name the facility."), field="name")
    if len(name) > 80:
        raise DomainError(_l("Write at most %(count)s characters.", count=80), field="name")
    if len(location) > 120:
        raise DomainError(_l("Write at most %(count)s characters.", count=120), field="location")
    if len(contractor) > 80:
        raise DomainError(_l("Write at most %(count)s characters.", count=80), field="contractor")
    if kind == FacilityKind.LIFT and not contractor:
        raise DomainError(_l("Name the lift's maintenance contractor."), field="contractor")
    if building_id:
        building = db.session.get(Building, int(building_id))
        if building is None or building.property_id != property_id:
            raise DomainError(_l("Choose a building from the list."), field="building_id")
    items = parse_checklist(checklist) or list(DEFAULTS[kind].checklist)
    if len(items) > MAX_CHECKLIST_ITEMS:
        raise DomainError(_l("At most %(count)s items.", count=MAX_CHECKLIST_ITEMS), field="checklist")
    if any(len(item) > MAX_ITEM_LENGTH for item in items):
        raise DomainError(_l("Keep each item under %(count)s characters.", count=MAX_ITEM_LENGTH), field="checklist")
    if not isinstance(first_due_on, date):
        raise DomainError(_l("Give the day the first check is due."), field="first_due_on")
    return {
        "name": name,
        "kind": kind,
        "location": location,
        "building_id": int(building_id) if building_id else None,
        "checker_role": _checker(checker_role, kind),
        "contractor": contractor,
        "checklist": items,
        "interval_days": _interval(interval_days, kind),
        "first_due_on": first_due_on,
    }


def save_facility(actor, facility=None, *, property_id=None, **values):
    """Add a facility to the property's register (facility=None) or edit one; blank checker, interval and checklist
    take the kind's DEFAULTS. Values: name, kind, location, building_id, checker_role, contractor, checklist (one
    per line), interval_days, first_due_on. DomainError(field=...) on bad input; nothing is saved then."""
    require(actor, Permission.MANAGE_FACILITIES)
    if facility is not None:
        check_facility(actor, "edit", facility)
        property_id = facility.property_id
    clean = _clean(property_id, **values)
    if facility is None:
        facility = Facility(property_id=property_id, **clean)
        db.session.add(facility)
        db.session.flush()
        record(actor, "facility.create", facility, summary=f"{facility.name} ({facility.kind.value})")
        return facility
    changes = diff(facility, clean)
    if changes:
        db.session.flush()
        record(actor, "facility.update", facility, summary=facility.name, changes=changes)
    return facility


def retire_facility(actor, facility):
    """Take a facility out of service: its checks are no longer due; its history stays."""
    require(actor, Permission.MANAGE_FACILITIES)
    check_facility(actor, "retire", facility)
    facility.is_active = False
    db.session.flush()
    record(actor, "facility.retire", facility, summary=facility.name)
    return facility


def reinstate_facility(actor, facility):
    """Put a retired facility back in service: its checks fall due again from its last check."""
    require(actor, Permission.MANAGE_FACILITIES)
    check_facility(actor, "reinstate", facility)
    facility.is_active = True
    db.session.flush()
    record(actor, "facility.reinstate", facility, summary=facility.name)
    return facility
