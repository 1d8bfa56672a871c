"""The service-standards checklist (SOP 8, from the seed's service rules: appearance, answering the phone within three
rings with the standard greeting, courtesy, an orderly desk, complete records, punctuality, confidentiality) and the
manager's spot-checks of a staff member against it. A person's spot-checks are seen by the manager and by that person
only; anyone else is refused."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from domain.accounts.models import User
from domain.accounts.roles import Permission, can, require
from domain.accounts.services import active_staff, staff_member
from domain.audit.services import record
from domain.clock import today, utcnow
from domain.errors import DomainError, NotAllowed, NotFound
from domain.facilities.register import parse_checklist
from domain.routine_checks import FAULT, checklist_answers
from domain.standards.models import ServiceChecklist, SpotCheck
from extensions import db

#: The checklist until the manager saves one, in the seed's words (服务规范, 接听来电, 客服人员个人素质要求).
DEFAULT_ITEMS = (
    "仪容仪表整洁，着装规范，佩戴工牌",
    "电话铃响三声内接听，使用规范问候语",
    "使用文明礼貌用语，热情耐心，不与业主争执",
    "工作台面整洁有序",
    "来电来访、报修和交接班记录完整准确",
    "按时上下班，不擅自离岗",
    "上班不接打私人电话，不做与工作无关的事",
    "保守业主信息和公司资料",
)
MAX_ITEMS = 30
MAX_ITEM_LENGTH = 60


def checklist_items(property_id):
    """The property's checklist as a list of texts: the manager's, or DEFAULT_ITEMS."""
    items = db.session.scalar(select(ServiceChecklist.items).where(ServiceChecklist.property_id == property_id))
    return list(items) if items else list(DEFAULT_ITEMS)


def save_checklist(actor, property_id, text):
    """The manager's checklist typed one item a line (blank lines and repeats dropped): at least one item, at most
    MAX_ITEMS. Spot-checks already made keep the items they were asked. Audited with the old and new lists."""
    require(actor, Permission.MANAGE_STANDARDS)
    items = parse_checklist(text or "")
    if not items:
        raise DomainError(_l("List at least one item to check."), field="items")
    if len(items) > MAX_ITEMS:
        raise DomainError(_l("At most %(count)s items.", count=MAX_ITEMS), field="items")
    if any(len(item) > MAX_ITEM_LENGTH for item in items):
        raise DomainError(_l("Keep each item under %(count)s characters.", count=MAX_ITEM_LENGTH), field="items")
    before = checklist_items(property_id)
    row = db.session.scalar(select(ServiceChecklist).where(ServiceChecklist.property_id == property_id))
    if row is None:
        row = ServiceChecklist(property_id=property_id, items=items)
        db.session.add(row)
    row.items, row.updated_at, row.updated_by_id = items, utcnow(), actor.user_id
    db.session.flush()
    if items != before:
        record(
            actor, "service_checklist.update", row, summary=f"{len(items)} items", changes={"items": [before, items]}
        )
    return items


def staff_choices():
    """The active staff accounts (id, name), by name: whom the manager may spot-check."""
    return active_staff()


def record_spot_check(actor, property_id, *, staff_id, checked_on, answers, notes=""):
    """A spot-check of `staff_id` on `checked_on` against the checklist: every item passed ("ok") or failed
    ("fault"); a failed item needs a note saying what was seen."""
    require(actor, Permission.MANAGE_STANDARDS)
    person = staff_member(int(staff_id)) if str(staff_id or "").isdigit() else None
    if person is None or not person.is_active:
        raise DomainError(_l("Choose a staff member."), field="staff_id")
    day = today()
    if not isinstance(checked_on, date) or not day - timedelta(days=366) <= checked_on <= day:
        raise DomainError(_l("Give the day of the check: within the last year, not in the future."), field="checked_on")
    clean = checklist_answers(checklist_items(property_id), answers)
    failed = sum(1 for value in clean.values() if value == FAULT)
    notes = (notes or "").strip()
    if failed and not notes:
        raise DomainError(_l("Say what was seen for the failed items."), field="notes")
    check = SpotCheck(
        property_id=property_id,
        staff_id=person.id,
        checked_by_id=actor.user_id,
        checked_on=checked_on,
        answers=clean,
        failed=failed,
        notes=notes,
    )
    db.session.add(check)
    db.session.flush()
    record(actor, "spot_check.record", check, summary=f"{person.display_name} {failed} failed")
    return check


def person_summary(property_id, *, since=None, until=None):
    """[(user id, name, spot-checks, failed items, last day)] of the staff spot-checked (from the day `since` to the
    day `until` when given), by name (one statement)."""
    query = (
        select(
            SpotCheck.staff_id,
            User.display_name,
            func.count(SpotCheck.id),
            func.coalesce(func.sum(SpotCheck.failed), 0),
            func.max(SpotCheck.checked_on),
        )
        .join(User, SpotCheck.staff_id == User.id)
        .where(SpotCheck.property_id == property_id)
        .group_by(SpotCheck.staff_id, User.display_name)
        .order_by(User.display_name, SpotCheck.staff_id)
    )
    if since is not None:
        query = query.where(SpotCheck.checked_on >= since)
    if until is not None:
        query = query.where(SpotCheck.checked_on <= until)
    return db.session.execute(query).all()


def spot_checks_of(actor, property_id, staff_id):
    """(the person, their spot-checks newest first, with who checked) for the manager or the person themself;
    NotAllowed for anyone else."""
    if not (actor.user_id == staff_id or can(actor.role, Permission.MANAGE_STANDARDS)):
        raise NotAllowed()
    person = staff_member(staff_id)
    if person is None:
        raise NotFound()
    checks = db.session.scalars(
        select(SpotCheck)
        .where(SpotCheck.property_id == property_id, SpotCheck.staff_id == staff_id)
        .options(joinedload(SpotCheck.checked_by))
        .order_by(SpotCheck.checked_on.desc(), SpotCheck.id.desc())
    ).all()
    return person, checks
