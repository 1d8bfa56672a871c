"""The day at the desk (SOP 2.4.2): the clerk ticks the papers seen, the keys and cards handed over (with the count),
files the copies in the owner's file and records a proxy (受托人). Forms that are signed tick themselves when signed
(domain.movein.signing), fees when the case's bill is paid (domain.movein.fees)."""

from flask_babel import lazy_gettext as _l

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import DomainError, InvalidTransition, NotFound
from domain.movein.cases import record_event
from domain.movein.models import CaseStatus, ItemKind
from domain.movein.workflow import DESK_EDITABLE
from domain.property.id_numbers import seal_id_number
from domain.property.validation import Invalid, normalise_phone

#: Checklist item code -> the owner's file's document type its copy is filed under.
DOCUMENT_TYPES = {
    "handover_notice": "handover_notice",
    "purchase_contract": "purchase_contract",
    "owner_id": "owner_id",
    "proxy_id": "proxy_id",
    "power_of_attorney": "power_of_attorney",
}
#: Copies that are the proxy's papers, filed under no resident.
OWNER_LESS_COPIES = ("proxy_id", "power_of_attorney")
#: Forms ticked by the owner's signature on screen, never by hand (domain.movein.signing).
SIGNED_FORMS = ("fire_agreement", "handover_list")
#: The order the checklist groups its lines in.
KIND_ORDER = (ItemKind.DOCUMENT, ItemKind.FORM, ItemKind.KEY, ItemKind.FEE)
#: The longest note on a line.
MAX_NOTE = 500


def has_proxy(case):
    """Whether a proxy (受托人) does the move-in for the owner."""
    return bool(case.proxy_name)


def required_items(case):
    """The case's checklist lines that must be done: all of them, the proxy-only ones only when a proxy comes."""
    return [item for item in case.items if not item.proxy_only or has_proxy(case)]


def missing_items(case):
    """The required lines not done yet, in checklist order."""
    return [item for item in required_items(case) if item.done_at is None]


def item_of(case, item_id):
    """The case's checklist line `item_id`, or NotFound (a line of another case is not found either)."""
    for item in case.items:
        if item.id == item_id:
            return item
    raise NotFound()


def _at_desk(actor, case):
    """Refuse unless the actor handles move-ins and the owner has been received at the desk."""
    require(actor, Permission.HANDLE_MOVE_IN)
    if case.status != CaseStatus.AT_DESK:
        raise InvalidTransition(_l("Receive the owner at the desk first: the checklist is ticked on the day."))


def _editable(actor, case):
    """Refuse unless the actor handles move-ins and the case is still open at the desk."""
    require(actor, Permission.HANDLE_MOVE_IN)
    if case.status not in DESK_EDITABLE:
        raise InvalidTransition()


def _clean_note(note):
    """The note as typed, trimmed; DomainError when too long."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(_l("At most %(n)s characters.", n=MAX_NOTE), field="note")
    return note


def tick_item(actor, case, item_id, *, note="", handed_quantity=None):
    """Tick a document seen, a form filled in or keys and cards handed over (`handed_quantity` of them; a count
    other than the checklist's needs a note). Only at the desk on the day; on the timeline and in the audit log."""
    _at_desk(actor, case)
    item = item_of(case, item_id)
    if item.kind == ItemKind.FEE:
        raise InvalidTransition(_l("A fee is ticked by itself when the case's bill is paid."))
    if item.code in SIGNED_FORMS:
        raise InvalidTransition(_l("This paper is ticked by itself when the owner signs it on screen."))
    note = _clean_note(note)
    if item.kind == ItemKind.KEY:
        if handed_quantity is None or handed_quantity < 0:
            raise DomainError(_l("Enter how many were handed over."), field="handed_quantity")
        if handed_quantity != item.quantity and not note:
            raise DomainError(
                _l("The checklist says %(n)s: say why a different number was handed over.", n=item.quantity),
                field="note",
            )
        item.handed_quantity = handed_quantity
    item.done_at, item.done_by_id, item.note = utcnow(), actor.user_id, note
    data = {"item": item.code}
    if item.kind == ItemKind.KEY:
        data["count"] = handed_quantity
    record_event(actor, case, "tick", body=f"{item.name}{f': {note}' if note else ''}", data=data)
    record(actor, "move_in.tick", item, summary=f"{case.unit.label} {item.name}")
    return item


def untick_item(actor, case, item_id):
    """Take a tick back (the paper was not right after all); forms signed and fees paid cannot be unticked."""
    _at_desk(actor, case)
    item = item_of(case, item_id)
    if item.kind == ItemKind.FEE or item.code in SIGNED_FORMS:
        raise InvalidTransition()
    if item.done_at is None:
        return item
    item.done_at = item.done_by_id = item.handed_quantity = None
    record_event(actor, case, "untick", body=item.name, data={"item": item.code})
    record(actor, "move_in.untick", item, summary=f"{case.unit.label} {item.name}")
    return item


def copy_line(actor, case, item_id):
    """The document line whose copy is to be filed, with its document type code; refused unless the actor handles
    move-ins and the case is open at the desk (the filing itself is domain.archives.move_in_papers)."""
    _editable(actor, case)
    item = item_of(case, item_id)
    type_code = DOCUMENT_TYPES.get(item.code)
    if item.kind != ItemKind.DOCUMENT or type_code is None:
        raise DomainError(_l("This line has no copy to file."))
    return item, type_code


def record_proxy(actor, case, *, name, phone, id_number):
    """Record the proxy (受托人) who does the move-in for the owner: name, phone and ID number (kept sealed, shown
    masked). From now on the proxy-only lines (their ID, the 授权委托书 original) are required."""
    _editable(actor, case)
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Enter the proxy's name."), field="name")
    if len(name) > 80:
        raise DomainError(_l("At most %(n)s characters.", n=80), field="name")
    try:
        phone = normalise_phone(phone)
    except Invalid as bad:
        raise DomainError(bad.message, field="phone") from None
    try:
        masked, cipher = seal_id_number(id_number)
    except Invalid as bad:
        raise DomainError(bad.message, field="id_number") from None
    if not masked:
        raise DomainError(_l("Enter the proxy's ID number: both IDs are checked."), field="id_number")
    case.proxy_name, case.proxy_phone, case.proxy_id_masked, case.proxy_id_cipher = name, phone, masked, cipher
    record_event(actor, case, "proxy", body=f"{name} {masked}")
    record(actor, "move_in.proxy", case, summary=f"{case.unit.label} {name} {masked}")
    return case


def clear_proxy(actor, case):
    """The owner comes in person after all: forget the proxy (the proxy-only lines are no longer required)."""
    _editable(actor, case)
    if not has_proxy(case):
        return case
    case.proxy_name = case.proxy_phone = case.proxy_id_masked = case.proxy_id_cipher = ""
    record_event(actor, case, "proxy_clear")
    record(actor, "move_in.proxy_clear", case, summary=case.unit.label)
    return case


def checklist_groups(case):
    """[(kind, [line, ...])] of the lines that apply to the case, in KIND_ORDER; empty kinds left out."""
    lines = required_items(case)
    return [(kind, [i for i in lines if i.kind == kind]) for kind in KIND_ORDER if any(i.kind == kind for i in lines)]


def handover_state_text(case):
    """The 协议及物品交接单's state as text: each key and card with the count handed over, each paper seen. This is
    what the owner signs; a later change of the checklist no longer matches it."""
    lines = []
    for item in required_items(case):
        if item.kind == ItemKind.KEY:
            count = item.handed_quantity if item.done_at is not None else 0
            lines.append(f"{item.name}: {count}/{item.quantity}{f'({item.note})' if item.note else ''}")
    for item in required_items(case):
        if item.kind in (ItemKind.DOCUMENT, ItemKind.FORM) and item.code not in SIGNED_FORMS:
            lines.append(f"{'【已核】' if item.done_at is not None else '【未核】'} {item.name}")
    return "\n".join(lines)


def line_of(case, code):
    """The case's line with `code`, or None."""
    return next((item for item in case.items if item.code == code), None)
