"""The manager's move-in checklist template: what every new case's checklist starts with."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from domain.accounts.roles import Permission
from domain.errors import DomainError
from domain.movein import template_editing
from domain.property.buildings import get_property
from extensions import db
from staff import bp
from staff.movein.desk_forms import TemplateItemForm
from web.auth import current_actor, staff_permission
from web.refusals import flash_refusal, show_domain_error


def _with_charges(form, property_id):
    """The form with the fee schedule's charges to choose from."""
    charges = template_editing.fee_charges(property_id)
    form.charge.choices = [SelectChoice(0, "—")] + [SelectChoice(c.id, c.name) for c in charges]
    return form


def _index(form, status=200):
    """The template page: the lines in order and the form to add one."""
    prop = get_property()
    items = template_editing.template_items(prop.id)
    return render_template(
        "staff/movein/templates/index.html",
        items=items,
        form=_with_charges(form, prop.id),
        charges={c.id: c.name for c in template_editing.fee_charges(prop.id)},
    ), status


@bp.get("/move-in/template")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def list_move_in_template():
    """The checklist template: papers, forms, keys and cards, fees; new cases copy it."""
    response = _index(TemplateItemForm(formdata=None))
    db.session.commit()  # the defaults installed on first view stay
    return response


@bp.post("/move-in/template")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def add_move_in_template_item():
    """Add a line at the end of the template."""
    prop = get_property()
    form = _with_charges(TemplateItemForm(), prop.id)
    if form.validate_on_submit():
        try:
            template_editing.add_template_item(
                current_actor(),
                property_id=prop.id,
                kind=form.kind.data,
                name=form.name.data,
                quantity=form.quantity.data,
                charge_type_id=form.charge.data or None,
                months=form.months.data,
                text=form.text.data or "",
                proxy_only=form.proxy_only.data,
            )
            db.session.commit()
            flash(_("The line is added: new cases get it."), "success")
            return redirect(url_for("staff.list_move_in_template"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _index(form, 422)


@bp.route("/move-in/template/<int:item_id>", methods=["GET", "POST"])
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def edit_move_in_template_item(item_id):
    """Change a line: its name, count, charge and months, or the agreement's text; cases already made keep theirs."""
    prop = get_property()
    item = template_editing.get_template_item(item_id, prop.id)
    if request.method == "GET":
        data = {
            "kind": item.kind.value,
            "name": item.name,
            "quantity": item.quantity or None,
            "charge": item.charge_type_id or 0,
            "months": item.months or None,
            "text": item.text,
            "proxy_only": item.proxy_only,
        }
        form = _with_charges(TemplateItemForm(formdata=None, data=data), prop.id)
        return render_template("staff/movein/templates/edit.html", item=item, form=form)
    form = _with_charges(TemplateItemForm(), prop.id)
    form.kind.data = item.kind.value  # a line keeps its kind
    if form.validate_on_submit():
        try:
            template_editing.update_template_item(
                current_actor(),
                item,
                name=form.name.data,
                quantity=form.quantity.data,
                charge_type_id=form.charge.data or None,
                months=form.months.data,
                text=form.text.data or "",
                proxy_only=form.proxy_only.data,
            )
            db.session.commit()
            flash(_("Saved: new cases get the line as it is now."), "success")
            return redirect(url_for("staff.list_move_in_template"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/movein/templates/edit.html", item=item, form=form), 422


@bp.post("/move-in/template/<int:item_id>/move")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def move_move_in_template_item(item_id):
    """Move a line one place up or down."""
    item = template_editing.get_template_item(item_id, get_property().id)
    with flash_refusal():
        template_editing.move_template_item(current_actor(), item, -1 if request.form.get("direction") == "up" else 1)
        db.session.commit()
    return redirect(url_for("staff.list_move_in_template"), code=303)


@bp.post("/move-in/template/<int:item_id>/active")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def toggle_move_in_template_item(item_id):
    """Deactivate a line (new cases no longer get it) or bring it back."""
    item = template_editing.get_template_item(item_id, get_property().id)
    with flash_refusal():
        template_editing.set_template_item_active(current_actor(), item, request.form.get("active") == "1")
        db.session.commit()
    return redirect(url_for("staff.list_move_in_template"), code=303)
