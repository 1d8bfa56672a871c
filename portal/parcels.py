"""Parcels, items left at the desk and loans for residents: what is waiting and where, the pickup code with its
QR code, and who else may collect."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain.clock import today, utcnow
from domain.errors import DomainError
from domain.parcels import arrivals, authorisations, carriers, codes, queries
from domain.property.occupancies import resident_unit_ids
from domain.property.residents import resident_for_user
from domain.property.units import unit_labels
from extensions import db
from portal import bp
from portal.forms import CollectorForm
from web.auth import current_actor
from web.guards import parse_id
from web.htmx import render_page
from web.refusals import flash_domain_error, show_domain_error


def _units_and_labels(resident):
    """The resident's current units: (ids, {id: "1-1203"})."""
    units = resident_unit_ids(resident.id, today())
    return units, unit_labels(units)


def _collector_form(labels, data=None):
    """The form to authorise a collector, for one of the resident's units."""
    form = CollectorForm(formdata=data) if data is not None else CollectorForm()
    form.unit_id.choices = sorted(labels.items(), key=lambda pair: pair[1])
    return form


def _page(resident, *, form=None, issued=None, status=200):
    """The parcels page: waiting parcels by unit with the code button, loans, stored items, collectors."""
    units, labels = _units_and_labels(resident)
    waiting, collected = queries.resident_parcels(units)
    stored, loans = queries.resident_items(units)
    response = render_page(
        "portal/parcels/index.html",
        waiting=waiting,
        collected=collected,
        stored=stored,
        loans=loans,
        labels=labels,
        collectors=authorisations.collectors(units),
        form=form or _collector_form(labels),
        issued=issued,
        status=status,
        carriers={key: str(label) for key, label in carriers.CARRIERS.items()},
        now=utcnow(),
    )
    response.headers["Cache-Control"] = "no-store"  # a pickup code may be on it
    return response


@bp.get("/parcels")
def list_parcels():
    """What is waiting at the desk for the resident's units, since when and on which shelf."""
    return _page(resident_for_user(current_user))


@bp.post("/parcels/code")
def show_pickup_code():
    """A fresh pickup code (and its QR) for one of the resident's units; earlier codes stop working."""
    resident = resident_for_user(current_user)
    units, labels = _units_and_labels(resident)
    unit_id = parse_id(request.form.get("unit_id")) or 0
    try:
        code, expires_at, label = arrivals.code_for_resident(current_actor(), resident.id, unit_id, allowed_units=units)
        db.session.commit()
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("portal.list_parcels"), code=303)
    issued = {
        "unit_id": unit_id,
        "label": label,
        "code": code,
        "expires_at": expires_at,
        "payload": codes.pickup_payload(label, code),
    }
    return _page(resident, issued=issued)


@bp.post("/parcels/collectors")
def add_collector():
    """Authorise someone to collect the parcels of one of the resident's units."""
    resident = resident_for_user(current_user)
    units, labels = _units_and_labels(resident)
    form = _collector_form(labels, data=request.form)
    if form.validate():
        try:
            authorisations.authorise_collector(
                current_actor(),
                resident_id=resident.id,
                unit_id=form.unit_id.data,
                allowed_units=units,
                name=form.name.data,
                phone=form.phone.normalised if hasattr(form.phone, "normalised") else form.phone.data,
            )
            db.session.commit()
            flash(_("%(name)s may now collect your parcels.", name=form.name.data), "success")
            return redirect(url_for("portal.list_parcels"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _page(resident, form=form, status=422)


@bp.post("/parcels/collectors/<int:authorisation_id>/revoke")
def revoke_collector(authorisation_id):
    """Withdraw an authorisation."""
    resident = resident_for_user(current_user)
    units, _labels = _units_and_labels(resident)
    authorisation = authorisations.revoke_collector(current_actor(), authorisation_id, allowed_units=units)
    db.session.commit()
    flash(_("%(name)s may no longer collect your parcels.", name=authorisation.name), "success")
    return redirect(url_for("portal.list_parcels"), code=303)
