"""Lending (外借物品, SOP 19): lend an item from the catalogue to a resident with a due time, record the return,
see what is out and what is overdue; the desk and the manager keep the catalogue."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from domain.accounts.roles import Permission
from domain.clock import from_local_input, local_text, utcnow
from domain.errors import DomainError
from domain.exports import Column
from domain.money import fen_to_decimal
from domain.parcels import lending
from domain.property import buildings
from domain.property.validation import mask_phone
from extensions import db
from staff import bp
from staff.counter_forms import LendableForm, LoanForm, ReturnForm
from web.auth import current_actor, staff_permission
from web.exports import export_response
from web.refusals import flash_refusal, show_domain_error


def _loan_form(data=None):
    """The loan form with the lendable items (and how many are left) to choose from."""
    form = LoanForm(formdata=data) if data is not None else LoanForm()
    items = lending.catalogue(buildings.get_property().id, active_only=True)
    form.item_id.choices = [
        (
            item.id,
            _("%(name)s (%(left)s of %(total)s left)", name=item.name, left=item.quantity - out, total=item.quantity),
        )
        for item, out in items
    ]
    return form


def _lending_page(form, *, status=200):
    """The loan form and the loans that are out (only the overdue ones on request)."""
    overdue = request.args.get("overdue") == "1"
    now = utcnow()
    return render_template(
        "staff/lending/index.html",
        form=form,
        overdue=overdue,
        now=now,
        loans=lending.open_loans(buildings.get_property().id, now=now, overdue_only=overdue),
        return_form=ReturnForm(formdata=None),
    ), status


@bp.route("/lending/", methods=["GET", "POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def lend_item():
    """Lend an item: who, which, until when, the deposit taken."""
    form = _loan_form()
    if form.validate_on_submit():
        try:
            due_at = from_local_input(form.due_at.data) if form.due_at.data else None
            loan = lending.lend(
                current_actor(),
                item_id=form.item_id.data,
                unit_label=form.unit_label.data,
                borrower_name=form.borrower_name.data,
                borrower_phone=form.borrower_phone.data,
                due_at=due_at,
                deposit_fen=form.deposit.fen,
            )
            db.session.commit()
            flash(
                _(
                    "Lent: %(item)s, back by %(time)s.",
                    item=loan.item.name,
                    time=local_text(loan.due_at),
                ),
                "success",
            )
            return redirect(url_for("staff.lend_item"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _lending_page(form, status=422 if request.method == "POST" else 200)


@bp.get("/lending/export.<any(csv, xlsx):fmt>")
@staff_permission(Permission.HANDLE_COUNTER)
def export_loans(fmt):
    """Every loan still out (or the overdue ones only, as on screen); borrowers' phones masked."""
    row_count, rows = lending.export_open_loans(
        buildings.get_property_id(), now=utcnow(), overdue_only=request.args.get("overdue") == "1"
    )
    return export_response(
        fmt,
        name="loans",
        title=_l("Lending"),
        columns=(
            Column(_l("Item"), width=16),
            Column(_l("Unit"), width=10),
            Column(_l("Borrower"), width=14),
            Column(_l("Phone"), width=14),
            Column(_l("Lent"), "datetime", 17),
            Column(_l("Back by"), "datetime", 17),
            Column(_l("Deposit"), "money", 12),
        ),
        rows=(
            (item, label, name, mask_phone(phone), lent_at, due_at, deposit)
            for item, label, name, phone, lent_at, due_at, deposit in rows
        ),
        row_count=row_count,
    )


@bp.route("/lending/<int:loan_id>/return", methods=["POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def return_loan(loan_id):
    """Record that the item came back (and the deposit was given back)."""
    form = ReturnForm()
    with flash_refusal():
        if not form.validate_on_submit():
            raise DomainError(_("Write at most 500 characters."))
        loan = lending.return_loan(current_actor(), loan_id, note=form.note.data)
        db.session.commit()
        flash(_("Returned: %(item)s.", item=loan.item.name), "success")
    return redirect(url_for("staff.lend_item"), code=303)


@bp.route("/lending/<int:loan_id>/void", methods=["POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def void_loan(loan_id):
    """Void a loan recorded by mistake."""
    with flash_refusal():
        lending.void_loan(current_actor(), loan_id, request.form.get("note", ""))
        db.session.commit()
        flash(_("Voided."), "success")
    return redirect(url_for("staff.lend_item"), code=303)


@bp.route("/lending/items", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_LENDABLES)
def list_lendables():
    """The lending catalogue, with how many of each are out, and a form to add an item."""
    form = LendableForm()
    prop = buildings.get_property()
    if form.validate_on_submit():
        try:
            lending.create_lendable(
                current_actor(),
                property_id=prop.id,
                name=form.name.data,
                quantity=form.quantity.data,
                deposit_fen=form.deposit.fen,
                loan_hours=form.loan_hours.data,
            )
            db.session.commit()
            flash(_("Added."), "success")
            return redirect(url_for("staff.list_lendables"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/lending/items.html", form=form, items=lending.catalogue(prop.id)), (
        422 if request.method == "POST" else 200
    )


@bp.route("/lending/items/<int:item_id>", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_LENDABLES)
def edit_lendable(item_id):
    """Change a catalogue entry (its quantity never below what is out)."""
    item = lending.get_lendable(item_id)
    form = LendableForm(obj=item)
    if request.method == "GET":
        form.deposit.data = str(fen_to_decimal(item.deposit_fen))
    if form.validate_on_submit():
        try:
            lending.update_lendable(
                current_actor(),
                item,
                name=form.name.data,
                quantity=form.quantity.data,
                deposit_fen=form.deposit.fen,
                loan_hours=form.loan_hours.data,
                is_active=form.is_active.data,
            )
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("staff.list_lendables"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/lending/edit_item.html", form=form, item=item), (
        422 if request.method == "POST" else 200
    )
