"""Collection, arrears and reminders, desk payments, voids and refunds (finance, desk, manager)."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from domain.accounts.roles import Permission
from domain.areas.lookup import unit_ids_in_area
from domain.areas.services import get_area, list_areas
from domain.billing.schedule import month_before, parse_period
from domain.clock import local_day_bounds, today
from domain.errors import DomainError
from domain.exports import Column
from domain.payments import collection, desk, refunds, statements
from domain.payments.models import PaymentStatus, receipt_number
from domain.payments.providers import get_provider
from domain.property import buildings, units
from domain.property.validation import mask_phone
from domain.reports import calls
from extensions import db
from staff import bp
from staff.forms import DeskPaymentForm, RefundForm, VoidPaymentForm
from staff.reports.forms import CollectionCallForm
from web.auth import current_actor, staff_permission, user_can
from web.exports import export_response
from web.filters import method_labels
from web.guards import form_ids, id_arg
from web.receipts import receipt_response
from web.refusals import flash_domain_error, flash_refusal, show_domain_error


def _period_arg():
    """The month asked for (?period=2026-11), or this month."""
    try:
        return parse_period(request.args.get("period")) if request.args.get("period") else today().replace(day=1)
    except DomainError:
        return today().replace(day=1)


@bp.get("/billing/")
@staff_permission(Permission.VIEW_BILLING)
def billing_home():
    """This month's collection rate against the 90 % target.

    By building, with the trend and the arrears; and the desk's unit lookup.
    """
    prop = buildings.get_property()
    period = _period_arg()
    context = {"period": period, "target": collection.TARGET_PERCENT}
    if user_can(Permission.VIEW_COLLECTION):
        months = [period]
        for _i in range(5):
            months.append(month_before(months[-1]))
        context.update(
            figures=collection.collection_for(prop.id, period),
            trend=[(m, *collection.collection_trend(prop.id, months).get(m, (0, 0))) for m in reversed(months)],
            arrears=collection.arrears_totals(prop.id, today()),
            previous=month_before(period),
        )
    if user_can(Permission.REFUND_PAYMENTS):
        context["auto_refunds"] = refunds.automatic_refunds(prop.id)
    return render_template("staff/billing/index.html", **context)


@bp.get("/billing/bills/export.<any(csv, xlsx):fmt>")
@staff_permission(Permission.VIEW_COLLECTION)
def export_bills(fmt):
    """The bills of the month the collection page shows (?period=2026-11), by unit, with what each still owes."""
    period = _period_arg()
    row_count, rows = statements.export_bills(buildings.get_property_id(), period)
    return export_response(
        fmt,
        name="bills",
        title=_l("Bills"),
        columns=(
            Column(_l("Unit"), width=10),
            Column(_l("Bill"), width=24),
            Column(_l("Issued"), "date", 12),
            Column(lazy_pgettext("bill", "Due"), "date", 12),
            Column(lazy_pgettext("money", "Total"), "money", 12),
            Column(_l("Paid"), "money", 12),
            Column(_l("Owed"), "money", 12),
        ),
        rows=rows,
        row_count=row_count,
        filters={"period": f"{period:%Y-%m}"},
    )


@bp.get("/billing/payments/export.<any(csv, xlsx):fmt>")
@staff_permission(Permission.VIEW_COLLECTION)
def export_payments(fmt):
    """The payments of the month the collection page shows, in time order, as the payment histories list them."""
    period = _period_arg()
    following = (period + timedelta(days=32)).replace(day=1)
    prop = buildings.get_property()
    row_count, rows = statements.export_payments(
        prop.id, start=local_day_bounds(period)[0], end=local_day_bounds(following)[0]
    )
    methods, void = method_labels(), _("Void")
    return export_response(
        fmt,
        name="payments",
        title=_l("Payments"),
        columns=(
            Column(_l("Date"), "datetime", 17),
            Column(_l("Unit"), width=10),
            Column(_l("Method"), width=12),
            Column(_l("Amount"), "money", 12),
            Column(_l("Refunded"), "money", 12),
            Column(lazy_pgettext("payment", "Void"), width=8),
            Column(_l("Receipt"), width=16),
        ),
        rows=(
            (
                when,
                label,
                methods[method.value],
                amount,
                refunded or None,
                void if status == PaymentStatus.VOIDED else "",
                receipt_number(year, sequence, prefix) if year else "",
            )
            for when, label, method, amount, refunded, status, year, sequence, prefix in rows
        ),
        row_count=row_count,
        filters={"period": f"{period:%Y-%m}"},
    )


@bp.get("/billing/find")
@staff_permission(Permission.VIEW_BILLING)
def find_unit_bills():
    """Go to a unit's bills by its label ("1-1203")."""
    try:
        unit = units.find_unit(request.args.get("unit", ""))
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("staff.billing_home"), code=303)
    return redirect(url_for("staff.unit_bills", unit_id=unit.id), code=303)


def _arrears_filters(prop):
    """(building id, area) the arrears list is narrowed to, from the query string (the page's and its export's)."""
    area_id = id_arg("area", positive=False)
    # An assistant's area (whole buildings or floors of one) narrows the list to its units.
    return id_arg("building", positive=False), get_area(area_id, prop.id) if area_id else None


@bp.get("/billing/arrears")
@staff_permission(Permission.VIEW_COLLECTION)
def list_arrears():
    """Units in arrears, most owed first, aged 0-30 / 31-90 / 91-180 / 180+ days."""
    prop = buildings.get_property()
    page = id_arg("page") or 1
    building_id, area = _arrears_filters(prop)
    rows, has_next = collection.arrears_page(
        prop.id,
        today(),
        page=page,
        building_id=building_id,
        unit_ids=unit_ids_in_area(area) if area else None,
    )
    return render_template(
        "staff/billing/arrears.html",
        rows=rows,
        has_next=has_next,
        page=page,
        building_id=building_id,
        area_id=area.id if area else None,
        totals=collection.arrears_totals(prop.id, today()),
        buildings=buildings.list_buildings(),
        areas=list_areas(prop.id),
        buckets=collection.AGE_BUCKETS,
    )


@bp.get("/billing/arrears/export.<any(csv, xlsx):fmt>")
@staff_permission(Permission.VIEW_COLLECTION)
def export_arrears(fmt):
    """Every unit in arrears under the page's filters, with the page's columns; payers' phones masked."""
    prop = buildings.get_property()
    building_id, area = _arrears_filters(prop)
    row_count, rows = collection.export_arrears(
        prop.id, today(), building_id=building_id, unit_ids=unit_ids_in_area(area) if area else None
    )
    ages = {"d0_30": _l("0–30 days"), "d31_90": _l("31–90 days"), "d91_180": _l("91–180 days")}
    ages["d180_plus"] = _l("Over 180 days")
    return export_response(
        fmt,
        name="arrears",
        title=_l("Arrears"),
        columns=(
            Column(_l("Unit"), width=12),
            Column(_l("Bills"), "int", 8),
            Column(_l("Payers"), width=30),
            *(Column(ages[key], "money", 14) for key, _first, _last in collection.AGE_BUCKETS),
            Column(_l("Owed"), "money", 14),
            Column(_l("Oldest due"), "date", 12),
            Column(_l("Last reminder"), "datetime", 17),
        ),
        rows=(
            (
                row.unit_label,
                row.bills,
                ", ".join(f"{name} {mask_phone(phone)}" for name, phone, _relation in row.payers),
                *(row.buckets[key] for key, _first, _last in collection.AGE_BUCKETS),
                row.total_fen,
                row.oldest_due,
                row.last_reminded,
            )
            for row in rows
        ),
        row_count=row_count,
    )


@bp.post("/billing/arrears/remind")
@staff_permission(Permission.SEND_REMINDERS)
def send_reminders():
    """Remind the payers of the ticked units (or of every unit in arrears)."""
    prop = buildings.get_property()
    unit_ids = None if request.form.get("scope") == "all" else form_ids("unit_ids")
    with flash_refusal():
        count = collection.send_reminders(
            current_actor(), property_id=prop.id, today=today(), unit_ids=unit_ids, property_name=prop.name
        )
        db.session.commit()
        flash(
            _("%(count)s reminders sent.", count=count)
            if count
            else _("Nobody to remind: these units were reminded in the last 24 hours or owe nothing."),
            "success" if count else "info",
        )
    return redirect(
        request.form.get("back")
        if (request.form.get("back") or "").startswith("/staff/")
        else url_for("staff.list_arrears"),
        code=303,
    )


def _unit_page(unit, form, status=200, *, call_form=None):
    """The desk's page of one unit: its bills, payments and the payment form; and, for those who chase arrears,
    the calls made about it and the form to record one."""
    views = statements.bills_for_unit(unit.id)
    return render_template(
        "staff/billing/unit.html",
        unit=unit,
        bills=views,
        form=form,
        today=today(),
        history=statements.payments_for_units([unit.id], limit=30),
        occupants=[o for o in unit.occupancies if o.is_current(today())],
        calls=calls.calls_for_unit(unit.id) if user_can(Permission.VIEW_COLLECTION) else None,
        call_form=call_form or CollectionCallForm(prefix="call"),
    ), status


@bp.get("/billing/units/<int:unit_id>")
@staff_permission(Permission.VIEW_BILLING)
def unit_bills(unit_id):
    """A unit's bills and payments; the desk takes payments here."""
    return _unit_page(units.get_unit(unit_id), DeskPaymentForm())


@bp.post("/billing/units/<int:unit_id>/payments")
@staff_permission(Permission.RECORD_PAYMENTS)
def record_payment(unit_id):
    """Record cash, card-terminal or bank-transfer money for the ticked bills and issue the receipt."""
    unit = units.get_unit(unit_id)
    form = DeskPaymentForm()
    bill_ids = form_ids("bill_ids")
    if form.validate_on_submit():
        try:
            # A blank amount means "all they owe": Optional() stops the validators, so there is no .fen.
            payment = desk.record_desk_payment(
                current_actor(),
                unit_id=unit.id,
                bill_ids=bill_ids,
                method=form.method.data,
                amount_fen=getattr(form.amount, "fen", None),
                reference=form.reference.data or "",
                provider=get_provider(),
            )
            db.session.commit()
            flash(_("Payment recorded. Receipt %(number)s.", number=payment.receipt.number), "success")
            return redirect(url_for("staff.show_payment", payment_id=payment.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)  # a refusal of the ticked bills goes above the form
    return _unit_page(unit, form, 422)


@bp.post("/billing/units/<int:unit_id>/calls")
@staff_permission(Permission.SEND_REMINDERS)
def record_collection_call(unit_id):
    """Record what the resident answered when their arrears were chased (reason, promised day, note)."""
    unit = units.get_unit(unit_id)
    form = CollectionCallForm(prefix="call")
    if form.validate_on_submit():
        try:
            calls.record_call(
                current_actor(),
                property_id=buildings.get_property_id(),
                unit_id=unit.id,
                reason=form.reason.data,
                promised_on=form.promised_on.data,
                note=form.note.data or "",
            )
            db.session.commit()
            flash(_("Call recorded."), "success")
            return redirect(url_for("staff.unit_bills", unit_id=unit.id, _anchor="calls"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _unit_page(unit, DeskPaymentForm(formdata=None), 422, call_form=form)


@bp.get("/billing/payments/<int:payment_id>")
@staff_permission(Permission.VIEW_BILLING)
def show_payment(payment_id):
    """A payment: what it paid, its receipt, refunds, and the void/refund forms for finance."""
    payment = statements.get_payment(payment_id)
    return render_template(
        "staff/billing/payment.html",
        payment=payment,
        void_form=VoidPaymentForm(prefix="void"),
        refund_form=RefundForm(prefix="refund"),
        provider=get_provider(),
    )


@bp.post("/billing/payments/<int:payment_id>/void")
@staff_permission(Permission.REFUND_PAYMENTS)
def void_payment(payment_id):
    """Void a desk payment taken in error (its receipt stays, marked void)."""
    payment = statements.get_payment(payment_id)
    form = VoidPaymentForm(prefix="void")
    if form.validate_on_submit():
        try:
            desk.void_desk_payment(current_actor(), payment, reason=form.reason.data)
            db.session.commit()
            flash(_("Payment voided."), "success")
            return redirect(url_for("staff.show_payment", payment_id=payment.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
            payment = statements.get_payment(payment_id)
    return render_template(
        "staff/billing/payment.html",
        payment=payment,
        void_form=form,
        refund_form=RefundForm(prefix="refund"),
        provider=get_provider(),
    ), 422


@bp.post("/billing/payments/<int:payment_id>/refund")
@staff_permission(Permission.REFUND_PAYMENTS)
def refund_payment(payment_id):
    """Refund all or part of a payment: through Stripe for online payments, recorded for desk ones."""
    payment = statements.get_payment(payment_id)
    form = RefundForm(prefix="refund")
    if form.validate_on_submit():
        try:
            refund = refunds.refund_payment(
                current_actor(), payment, amount_fen=form.amount.fen, reason=form.reason.data, provider=get_provider()
            )
            db.session.commit()
            flash(
                _("Refund recorded.")
                if refund.status.value == "succeeded"
                else _("Refund requested; it is applied when the provider confirms it."),
                "success",
            )
            return redirect(url_for("staff.show_payment", payment_id=payment.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
            payment = statements.get_payment(payment_id)
    return render_template(
        "staff/billing/payment.html",
        payment=payment,
        void_form=VoidPaymentForm(prefix="void"),
        refund_form=form,
        provider=get_provider(),
    ), 422


@bp.get("/billing/payments/<int:payment_id>/receipt.pdf")
@staff_permission(Permission.VIEW_BILLING)
def payment_receipt(payment_id):
    """A payment's receipt as a PDF (void receipts print with the void stamp)."""
    payment = statements.get_payment(payment_id)
    if payment.receipt is None:
        abort(404)
    return receipt_response(payment)
