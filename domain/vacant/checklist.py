"""The checklist of a vacant unit's check (SOP 17), as data the manager edits: items answered OK or fault (doors and
windows closed, no leaks, water and power as agreed, no smell, no pests) and meters to read. Until the manager saves
one, the property uses DEFAULT_ITEMS. A check keeps the items as they were asked, so editing never rewrites one."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import DomainError
from domain.facilities.register import parse_checklist
from domain.vacant.models import VacantChecklist
from extensions import db

CHECK = "check"
READING = "reading"
#: The item compared with what was agreed about the water and power: the check form shows the agreement beside it.
SUPPLY_ITEM = "水电按约定关闭或开启"
DEFAULT_ITEMS = (
    {"text": "门窗关闭完好", "kind": CHECK},
    {"text": "无渗漏水", "kind": CHECK},
    {"text": SUPPLY_ITEM, "kind": CHECK},
    {"text": "无异味", "kind": CHECK},
    {"text": "无虫鼠害", "kind": CHECK},
    {"text": "水表读数", "kind": READING},
    {"text": "电表读数", "kind": READING},
)
MAX_ITEMS = 20
MAX_ITEM_LENGTH = 60


def checklist_items(property_id):
    """The property's checklist as [{"text", "kind"}]: the manager's, or DEFAULT_ITEMS."""
    items = db.session.scalar(select(VacantChecklist.items).where(VacantChecklist.property_id == property_id))
    return list(items) if items else [dict(item) for item in DEFAULT_ITEMS]


def split_items(items):
    """(the texts of the items answered OK or fault, the texts of the meters to read)."""
    return [i["text"] for i in items if i["kind"] == CHECK], [i["text"] for i in items if i["kind"] == READING]


def save_checklist(actor, property_id, *, checks, readings):
    """The manager's checklist: `checks` and `readings` typed one item a line (blank lines and repeats dropped). At
    least one item to check; at most MAX_ITEMS in all; no text both an item and a meter. Audited with the old and new
    lists."""
    require(actor, Permission.MANAGE_VACANT_CHECKLIST)
    check_texts, reading_texts = parse_checklist(checks or ""), parse_checklist(readings or "")
    if not check_texts:
        raise DomainError(_l("List at least one item to check."), field="checks")
    if len(check_texts) + len(reading_texts) > MAX_ITEMS:
        raise DomainError(_l("At most %(count)s items.", count=MAX_ITEMS), field="checks")
    for name, texts in (("checks", check_texts), ("readings", reading_texts)):
        if any(len(text) > MAX_ITEM_LENGTH for text in texts):
            raise DomainError(_l("Keep each item under %(count)s characters.", count=MAX_ITEM_LENGTH), field=name)
    if set(check_texts) & set(reading_texts):
        raise DomainError(_l("An item cannot also be a meter reading."), field="readings")
    items = [{"text": t, "kind": CHECK} for t in check_texts] + [{"text": t, "kind": READING} for t in reading_texts]
    before = checklist_items(property_id)
    row = db.session.scalar(select(VacantChecklist).where(VacantChecklist.property_id == property_id))
    if row is None:
        row = VacantChecklist(property_id=property_id, items=items)
        db.session.add(row)
    row.items, row.updated_at, row.updated_by_id = items, utcnow(), actor.user_id
    db.session.flush()
    if items != before:
        record(actor, "vacant_checklist.update", row, summary=f"{len(items)} items", changes={"items": [before, items]})
    return items
