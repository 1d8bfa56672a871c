"""The manager's kinds of violation and their notice templates."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from domain.accounts.roles import Permission
from domain.billing.models import ChargeBasis, ChargeType
from domain.errors import DomainError, NotFound
from domain.money import fen_to_decimal
from domain.property.buildings import get_property_id
from domain.violations import kinds, services
from domain.violations.models import NOTICE_STAGES, Stage
from domain.violations.notices import PLACEHOLDERS
from domain.violations.workflow import STAGE_LABELS
from extensions import db
from staff import bp
from staff.violations.forms import KindForm, TemplateForm
from web.auth import current_actor, staff_permission
from web.htmx import render_page
from web.refusals import show_domain_error


def _charge_choices(property_id):
    """The active one-off charges of the fee schedule a fine may be billed under."""
    charges = db.session.execute(
        select(ChargeType.id, ChargeType.name)
        .where(
            ChargeType.property_id == property_id,
            ChargeType.basis == ChargeBasis.ONE_OFF,
            ChargeType.is_active.is_(True),
        )
        .order_by(ChargeType.name)
    ).all()
    return [("", _("— none —"))] + [(str(cid), name) for cid, name in charges]


def _kind_form(property_id, kind=None):
    """The kind form, filled from `kind` on a GET, from what was typed on a POST."""
    if request.method == "POST":
        form = KindForm()
    elif kind is not None:
        # Plain values, not the row: a str enum would read as "Stage.REMINDED" to the choice fields.
        form = KindForm(
            formdata=None,
            data={
                "name": kind.name,
                "rule": kind.rule,
                "first_stage": kind.first_stage.value,
                "reminder_days": kind.reminder_days,
                "notice_days": kind.notice_days,
                "order_days": kind.order_days,
                "authority": kind.authority.value,
                "fine_allowed": kind.fine_allowed,
                "fine_max": str(fen_to_decimal(kind.fine_max_fen)) if kind.fine_max_fen else "",
                "fine_charge_type_id": str(kind.fine_charge_type_id or ""),
                "is_active": kind.is_active,
            },
        )
    else:
        form = KindForm(formdata=None)
    form.fine_charge_type_id.choices = _charge_choices(property_id)
    return form


def _save_kind(form, property_id, kind):
    """Create or change the kind from the form; returns it, or None with the refusal put on the form."""
    fields = {
        "name": form.name.data,
        "rule": form.rule.data,
        "first_stage": form.first_stage.data,
        "reminder_days": form.reminder_days.data,
        "notice_days": form.notice_days.data,
        "order_days": form.order_days.data,
        "authority": form.authority.data,
        "fine_allowed": form.fine_allowed.data,
        "fine_max_fen": getattr(form.fine_max, "fen", None),
        "fine_charge_type_id": int(form.fine_charge_type_id.data) if form.fine_charge_type_id.data else None,
    }
    try:
        if kind is None:
            kind = kinds.create_kind(current_actor(), property_id=property_id, **fields)
        else:
            kinds.update_kind(current_actor(), kind, is_active=form.is_active.data, **fields)
        db.session.commit()
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        show_domain_error(form, error)
        return None
    return kind


@bp.get("/violations/kinds/")
@staff_permission(Permission.MANAGE_VIOLATIONS)
def list_violation_kinds():
    """The kinds of violation with their stages, deadlines and fines."""
    return render_page(
        "staff/violations/kinds.html",
        kinds=services.kinds_of(get_property_id(), active_only=False),
        stage_labels=STAGE_LABELS,
    )


@bp.route("/violations/kinds/new", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_VIOLATIONS)
def new_violation_kind():
    """A new kind of violation, with the default notice texts."""
    property_id = get_property_id()
    form = _kind_form(property_id)
    if request.method == "POST":
        kind = _save_kind(form, property_id, None) if form.validate() else None
        if kind is not None:
            flash(_("Kind saved."), "success")
            return redirect(url_for("staff.edit_violation_kind", kind_id=kind.id), code=303)
        return render_page("staff/violations/kind.html", form=form, kind=None, status=422)
    return render_page("staff/violations/kind.html", form=form, kind=None)


@bp.route("/violations/kinds/<int:kind_id>", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_VIOLATIONS)
def edit_violation_kind(kind_id):
    """Change a kind; its notice templates are listed below."""
    property_id = get_property_id()
    kind = services.get_kind(kind_id, property_id)
    form = _kind_form(property_id, kind)
    context = {"kind": kind, "notice_stages": NOTICE_STAGES, "stage_labels": STAGE_LABELS}
    if request.method == "POST":
        if form.validate() and _save_kind(form, property_id, kind) is not None:
            flash(_("Kind saved."), "success")
            return redirect(url_for("staff.edit_violation_kind", kind_id=kind_id), code=303)
        kind = services.get_kind(kind_id, property_id)
        return render_page("staff/violations/kind.html", form=form, **{**context, "kind": kind}, status=422)
    return render_page("staff/violations/kind.html", form=form, **context)


@bp.route("/violations/kinds/<int:kind_id>/templates/<stage>", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_VIOLATIONS)
def edit_violation_template(kind_id, stage):
    """A stage's notice text; notices already sent keep their own."""
    kind = services.get_kind(kind_id, get_property_id())
    if stage not in {s.value for s in NOTICE_STAGES}:
        raise NotFound()
    stage = Stage(stage)
    template = kinds.template_of(kind, stage)
    form = TemplateForm() if request.method == "POST" else TemplateForm(obj=template, formdata=None)
    context = {"kind": kind, "stage": stage, "stage_label": STAGE_LABELS[stage], "placeholders": PLACEHOLDERS}
    if request.method == "POST":
        if form.validate():
            try:
                kinds.save_template(current_actor(), kind, stage, title=form.title.data, body=form.body.data)
                db.session.commit()
            except DomainError as error:
                if error.status_code in (403, 404):
                    raise
                show_domain_error(form, error)
            else:
                flash(_("Notice text saved."), "success")
                return redirect(url_for("staff.edit_violation_kind", kind_id=kind_id), code=303)
        return render_page("staff/violations/template.html", form=form, **context, status=422)
    return render_page("staff/violations/template.html", form=form, **context)
