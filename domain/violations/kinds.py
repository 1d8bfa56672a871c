"""The kinds of violation the manager keeps (their rule, first stage, days per stage, referral authority and fine)
and their notice templates. Every change is audited; the route commits."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.roles import Permission, require
from domain.audit.services import diff, record
from domain.clock import utcnow
from domain.errors import Conflict, DomainError
from domain.violations.models import Authority, NoticeTemplate, Stage, ViolationKind
from domain.violations.notices import DEFAULT_TEMPLATES, check_template_text, default_templates
from domain.violations.services import MAX_DAYS, one_off_charge
from extensions import db


def _values(
    property_id,
    *,
    name,
    rule,
    first_stage,
    reminder_days,
    notice_days,
    order_days,
    authority,
    fine_allowed,
    fine_max_fen,
    fine_charge_type_id,
    kind_id=None,
):
    """The checked column values of a kind; DomainError on the field at fault."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the kind a name."), field="name")
    rule = (rule or "").strip()
    if not rule:
        raise DomainError(_l("Say which rule it breaks."), field="rule")
    try:
        first_stage = Stage(first_stage)
    except ValueError:
        first_stage = None
    if first_stage not in (Stage.REMINDED, Stage.NOTICED):
        raise DomainError(_l("Choose where it starts."), field="first_stage")
    days = {}
    for field, value in (("reminder_days", reminder_days), ("notice_days", notice_days), ("order_days", order_days)):
        if value is None or not 0 <= value <= MAX_DAYS:
            raise DomainError(_l("Give between 0 and %(max)s days.", max=MAX_DAYS), field=field)
        days[field] = value
    try:
        authority = Authority(authority)
    except ValueError:
        raise DomainError(_l("Choose whom it is referred to."), field="authority") from None
    if fine_max_fen is not None and fine_max_fen <= 0:
        raise DomainError(_l("Give the maximum fine in yuan, more than zero."), field="fine_max")
    taken = db.session.scalar(
        select(ViolationKind.id).where(ViolationKind.property_id == property_id, ViolationKind.name == name)
    )
    if taken and taken != kind_id:
        raise Conflict(_l("There is already a kind with this name."), field="name")
    values = {
        "name": name[:60],
        "rule": rule,
        "first_stage": first_stage,
        **days,
        "authority": authority,
        "fine_allowed": bool(fine_allowed),
        "fine_max_fen": fine_max_fen,
        "fine_charge_type_id": fine_charge_type_id or None,
    }
    if fine_allowed:
        if one_off_charge(property_id, values["fine_charge_type_id"]) is None:
            raise DomainError(
                _l("A fine needs an active one-off charge of the fee schedule to be billed under."),
                field="fine_charge_type_id",
            )
        if not fine_max_fen:
            raise DomainError(_l("Give the maximum fine in yuan, more than zero."), field="fine_max")
    return values


def create_kind(actor, *, property_id, **fields):
    """A new kind of violation with the default notice templates (the manager). Returns the ViolationKind."""
    require(actor, Permission.MANAGE_VIOLATIONS)
    kind = ViolationKind(property_id=property_id, **_values(property_id, **fields))
    kind.templates = default_templates()
    db.session.add(kind)
    db.session.flush()
    record(actor, "violation_kind.create", kind, summary=kind.name)
    return kind


def update_kind(actor, kind, *, is_active=True, **fields):
    """Change a kind (the manager); violations already recorded keep the notices they were sent."""
    require(actor, Permission.MANAGE_VIOLATIONS)
    values = _values(kind.property_id, kind_id=kind.id, **fields)
    values["is_active"] = bool(is_active)
    changes = diff(kind, values)
    if changes:
        record(actor, "violation_kind.update", kind, changes=changes)
    db.session.flush()
    return kind


def template_of(kind, stage):
    """The kind's template for `stage`, made from the default wording when it has none yet (not yet saved)."""
    for template in kind.templates:
        if template.stage == stage:
            return template
    title, body = DEFAULT_TEMPLATES[stage]
    return NoticeTemplate(kind=None, stage=stage, title=title, body=body)


def save_template(actor, kind, stage, *, title, body):
    """Change the text a stage's notice is made from (the manager); notices already sent keep their own text."""
    require(actor, Permission.MANAGE_VIOLATIONS)
    stage = Stage(stage)
    if stage not in DEFAULT_TEMPLATES:
        raise DomainError(_l("This stage sends no notice."))
    title = (title or "").strip()
    if not title:
        raise DomainError(_l("Give the notice a title."), field="title")
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write the notice's text."), field="body")
    check_template_text(body)
    template = next((t for t in kind.templates if t.stage == stage), None)
    if template is None:
        template = NoticeTemplate(stage=stage, title="", body="")
        kind.templates.append(template)
    changes = diff(template, {"title": title[:60], "body": body})
    template.updated_at = utcnow()
    template.updated_by_id = actor.user_id
    db.session.flush()
    if changes:
        record(actor, "violation_template.update", kind, summary=f"{stage.value}", changes=changes)
    return template
