"""The manager's move-in checklist template: add, rename, reorder and deactivate lines; keys' counts, fees' charge
and months, the agreements' text. Cases already made keep the lines they copied (domain.movein.templates)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.roles import Permission, require
from domain.audit.services import diff, record
from domain.billing.models import ChargeBasis, ChargeType
from domain.errors import DomainError, NotFound
from domain.movein.models import ItemKind, MoveInTemplateItem
from domain.movein.templates import ensure_templates
from extensions import db

#: The longest agreement text the template keeps.
MAX_TEXT = 5000
#: At most this many months of a fee in advance.
MAX_MONTHS = 36


def template_items(property_id):
    """The property's template lines (the defaults installed first when it has none), active and inactive, in order."""
    ensure_templates(property_id)
    return db.session.scalars(
        select(MoveInTemplateItem)
        .where(MoveInTemplateItem.property_id == property_id)
        .order_by(MoveInTemplateItem.position, MoveInTemplateItem.id)
    ).all()


def get_template_item(item_id, property_id):
    """One template line of the property, or NotFound."""
    item = db.session.get(MoveInTemplateItem, item_id)
    if item is None or item.property_id != property_id:
        raise NotFound()
    return item


def _clean(property_id, kind, *, name, quantity, charge_type_id, months, text):
    """The line's values checked for its kind; DomainError on the field at fault."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Enter a name."), field="name")
    if len(name) > 80:
        raise DomainError(_l("At most %(n)s characters.", n=80), field="name")
    values = {"name": name, "quantity": 0, "charge_type_id": None, "months": 0, "text": ""}
    if kind == ItemKind.KEY:
        if quantity is None or not 1 <= quantity <= 99:
            raise DomainError(_l("Enter how many are handed over (1 to 99)."), field="quantity")
        values["quantity"] = quantity
    elif kind == ItemKind.FEE:
        charge = db.session.get(ChargeType, charge_type_id) if charge_type_id else None
        if (
            charge is None
            or charge.property_id != property_id
            or not charge.is_active
            or charge.basis == ChargeBasis.METERED
        ):
            raise DomainError(_l("Choose an active charge of the fee schedule (not a metered one)."), field="charge")
        if charge.basis != ChargeBasis.ONE_OFF and (months is None or not 1 <= months <= MAX_MONTHS):
            raise DomainError(_l("Enter how many months are collected (1 to %(n)s).", n=MAX_MONTHS), field="months")
        values["charge_type_id"] = charge.id
        values["months"] = 0 if charge.basis == ChargeBasis.ONE_OFF else months
    elif kind == ItemKind.FORM:
        text = (text or "").strip()
        if len(text) > MAX_TEXT:
            raise DomainError(_l("At most %(n)s characters.", n=MAX_TEXT), field="text")
        values["text"] = text
    return values


def add_template_item(
    actor, *, property_id, kind, name, quantity=None, charge_type_id=None, months=None, text="", proxy_only=False
):
    """Add a line at the end of the template; new cases copy it from now on."""
    require(actor, Permission.SUPERVISE_MOVE_IN)
    try:
        kind = ItemKind(kind)
    except ValueError:
        raise DomainError(_l("Choose what kind of line it is."), field="kind") from None
    values = _clean(
        property_id, kind, name=name, quantity=quantity, charge_type_id=charge_type_id, months=months, text=text
    )
    last = template_items(property_id)
    item = MoveInTemplateItem(
        property_id=property_id,
        kind=kind,
        code="",
        proxy_only=bool(proxy_only) and kind == ItemKind.DOCUMENT,
        position=(max((i.position for i in last), default=0)) + 10,
        **values,
    )
    db.session.add(item)
    db.session.flush()
    item.code = f"{kind.value}_{item.id}"  # a stable key of its own: no code of the defaults' is ever reused
    record(actor, "move_in_template.add", item, summary=f"{kind.value} {item.name}")
    return item


def update_template_item(
    actor, item, *, name, quantity=None, charge_type_id=None, months=None, text="", proxy_only=False
):
    """Rename a line or change its count, charge and months, or agreement text; cases already made keep theirs."""
    require(actor, Permission.SUPERVISE_MOVE_IN)
    values = _clean(
        item.property_id,
        item.kind,
        name=name,
        quantity=quantity,
        charge_type_id=charge_type_id,
        months=months,
        text=text,
    )
    values["proxy_only"] = bool(proxy_only) and item.kind == ItemKind.DOCUMENT
    changes = diff(item, values)
    if changes:
        record(actor, "move_in_template.update", item, summary=item.name, changes=changes)
    return item


def move_template_item(actor, item, direction):
    """Move a line one place up (direction -1) or down (+1) among the property's lines."""
    require(actor, Permission.SUPERVISE_MOVE_IN)
    lines = list(template_items(item.property_id))
    index = lines.index(item)
    other = index + (-1 if direction < 0 else 1)
    if not 0 <= other < len(lines):
        return item
    lines[index], lines[other] = lines[other], lines[index]
    for position, line in enumerate(lines, start=1):
        line.position = position * 10  # renumbered: lines added with equal positions get an order of their own
    record(actor, "move_in_template.move", item, summary=f"{item.name} {'up' if direction < 0 else 'down'}")
    return item


def set_template_item_active(actor, item, active):
    """Deactivate a line (new cases no longer get it) or bring it back."""
    require(actor, Permission.SUPERVISE_MOVE_IN)
    if item.is_active != bool(active):
        item.is_active = bool(active)
        record(actor, "move_in_template.activate" if active else "move_in_template.deactivate", item, summary=item.name)
    return item


def fee_charges(property_id):
    """The fee schedule's charges a fee line may use (active, not metered), by name."""
    return db.session.scalars(
        select(ChargeType)
        .where(
            ChargeType.property_id == property_id,
            ChargeType.is_active.is_(True),
            ChargeType.basis != ChargeBasis.METERED,
        )
        .order_by(ChargeType.name)
    ).all()
