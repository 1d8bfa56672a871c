"""Bills and payments for residents: see bills, pay through Checkout, follow the payment, get the receipt."""

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain.clock import today
from domain.errors import DomainError
from domain.payments import checkout, statements
from domain.payments.collection import reminders_for_resident
from domain.payments.models import PaymentStatus
from domain.payments.providers import get_provider
from domain.property.occupancies import resident_unit_ids
from domain.property.residents import resident_for_user
from extensions import db
from portal import bp
from web.auth import current_actor
from web.guards import form_ids
from web.htmx import render_page
from web.receipts import receipt_response
from web.refusals import flash_domain_error
from web.security import allow_form_posts_to


@bp.get("/bills")
def list_bills():
    """The resident's bills (unpaid first), reminders and payment history."""
    resident = resident_for_user(current_user)
    day = today()
    units = resident_unit_ids(resident.id, day)
    bills = statements.bills_for_resident(resident.id, day, units=units)
    provider = get_provider()
    page = render_template(
        "portal/bills/index.html",
        bills=bills,
        today=day,
        history=statements.payments_for_units(units, limit=20),
        reminders=reminders_for_resident(resident.id),
        provider=provider,
    )
    return allow_form_posts_to(make_response(page), provider.checkout_origin if provider else None)


@bp.get("/bills/<int:bill_id>")
def show_bill(bill_id):
    """One bill with its lines."""
    resident = resident_for_user(current_user)
    provider = get_provider()
    page = render_template(
        "portal/bills/show.html",
        view=statements.get_resident_bill(resident.id, bill_id, today()),
        today=today(),
        provider=provider,
    )
    return allow_form_posts_to(make_response(page), provider.checkout_origin if provider else None)


@bp.post("/bills/pay")
def pay_bills():
    """Open Stripe Checkout for the ticked bills; the amount is worked out from the bills, never the form."""
    resident = resident_for_user(current_user)
    bill_ids = form_ids("bill_ids")
    if not bill_ids:
        flash(_("Tick the bills you want to pay."), "error")
        return redirect(url_for("portal.list_bills"), code=303)
    try:
        start = checkout.start_checkout(
            current_actor(),
            resident_id=resident.id,
            bill_ids=bill_ids,
            today=today(),
            provider=get_provider(),
            success_url=url_for("portal.show_payment", payment_id=0, _external=True).replace("/0", "/{PAYMENT_ID}")
            + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=url_for("portal.list_bills", _external=True),
            customer_email=resident.email,
        )
        db.session.commit()
    except DomainError as error:
        flash_domain_error(error)  # someone else's bill: the same 404 as a bill that does not exist
        return redirect(url_for("portal.list_bills"), code=303)
    return redirect(start.url, code=303)


@bp.get("/payments/<int:payment_id>")
def show_payment(payment_id):
    """Where Checkout sends the resident back: the payment's true status, refreshed by htmx until it settles.

    This page only reads; the webhook alone marks a payment paid, whatever the URL says.
    """
    resident = resident_for_user(current_user)
    payment = checkout.get_resident_payment(resident.id, payment_id, today())
    return render_page(
        "portal/bills/payment.html",
        "portal/bills/_payment_status.html",
        payment=payment,
        settling=payment.status in (PaymentStatus.PENDING, PaymentStatus.PROCESSING),
        provider=get_provider(),
    )


@bp.get("/payments/<int:payment_id>/receipt.pdf")
def download_receipt(payment_id):
    """The receipt of one of the resident's payments, as a PDF."""
    resident = resident_for_user(current_user)
    payment = checkout.get_resident_payment(resident.id, payment_id, today())
    if payment.receipt is None:
        abort(404)
    return receipt_response(payment)
