"""Parcels at the desk (快递代收): intake at scanner speed, the waiting shelf with its aging, pickup by code or
QR, return to the carrier, voiding a mistake, the desk's alarms and the day's counts."""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from domain.accounts.roles import Permission, can
from domain.clock import start_of_local_day, today, utcnow
from domain.dates import parse_iso_date
from domain.errors import DomainError, InvalidTransition
from domain.exports import Column
from domain.kiosk.alarms import open_alert_notices
from domain.kiosk.pickup import confirm_pickup, open_pickups
from domain.parcels import authorisations, carriers, codes, intake, queries
from domain.parcels import pickup as parcel_pickup
from domain.parcels.models import Parcel
from domain.parcels.queries import BUCKETS
from domain.property import buildings, search
from domain.property.units import find_unit, unit_label
from domain.throttle import services as throttle
from extensions import db
from staff import bp
from staff.counter_forms import HandOverForm, ParcelIntakeForm, PickupForm, ReasonForm, carrier_labels
from web.auth import current_actor, staff_permission
from web.exports import export_response
from web.guards import form_ids, id_arg
from web.htmx import is_fragment_request, render_page
from web.refusals import flash_domain_error, flash_refusal, refusal_message, show_domain_error

BUCKET_KEYS = tuple(f"{low}-{high}" if high else f"{low}+" for low, high in BUCKETS)


def _place():
    """Where this desk's guesses come from, for the code throttle."""
    return throttle.place_of(current_actor())


# Intake --------------------------------------------------------------------------------------------


@bp.route("/parcels/", methods=["GET", "POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def log_parcels():
    """Log arriving parcels: the form stays open, the cursor goes back to the tracking field, and the parcel
    appears at the top of today's list (htmx); the residents are told after the commit."""
    form = ParcelIntakeForm()
    if request.method == "GET" and request.args.get("unit"):
        form.unit_label.data = request.args["unit"][:40]  # from the unit's page
    if form.validate_on_submit():
        try:
            logged, label = intake.log_parcels(current_actor(), unit_label=form.unit_label.data, entries=form.entries())
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            message = _("Logged %(count)s parcel(s) for %(unit)s.", count=len(logged), unit=label)
            if not is_fragment_request():
                flash(message, "success")
                return redirect(url_for("staff.log_parcels"), code=303)
            # Only the message and the new rows travel back: the page's script empties the number and unit
            # fields on "parcelLogged" and puts the cursor back in the number field for the next parcel.
            return render_page(
                "staff/parcels/intake.html",
                "staff/parcels/_intake_logged.html",
                logged=logged,
                label=label,
                message=message,
                carriers=carrier_labels(),
                trigger="parcelLogged",
            )
    if request.method == "POST" and is_fragment_request():
        # The whole form comes back in place of the old one, with its messages and what was typed (htmx swaps
        # only 2xx answers, hence 200).
        response = render_page(
            "staff/parcels/intake.html",
            "staff/parcels/_intake_form.html",
            form=form,
            carriers=carrier_labels(),
            recognised=carriers.recognise_carrier(form.tracking_number.data),
        )
        response.headers["HX-Retarget"], response.headers["HX-Reswap"] = "#intake-form", "outerHTML"
        return response
    status = 422 if request.method == "POST" else 200
    prop = buildings.get_property()
    return render_page(
        "staff/parcels/intake.html",
        form=form,
        status=status,
        carriers=carrier_labels(),
        recognised=carriers.recognise_carrier(form.tracking_number.data),
        rows=queries.logged_since(prop.id, start_of_local_day(today())),
        aging=queries.aging_counts(prop.id, utcnow()),
        alerts=open_alert_notices(),
    )


@bp.route("/parcels/aging")
@staff_permission(Permission.HANDLE_COUNTER)
def parcel_aging():
    """The shelf's aging tiles alone: the intake page refreshes them a moment after parcels are logged."""
    return render_template(
        "staff/parcels/_aging.html", aging=queries.aging_counts(buildings.get_property().id, utcnow())
    )


@bp.route("/parcels/units")
@staff_permission(Permission.HANDLE_COUNTER)
def suggest_units():
    """Units whose number starts with what was typed, as <option>s for the unit field's list (htmx)."""
    typed = (request.args.get("unit_label") or request.args.get("q") or "").strip()
    rows = search.search_units(today=today(), q=typed, limit=8).units if typed else []
    return render_template("staff/parcels/_unit_options.html", rows=rows)


@bp.route("/parcels/carrier")
@staff_permission(Permission.HANDLE_COUNTER)
def recognise_carrier():
    """Which carrier the typed tracking number belongs to, shown under the carrier field (htmx)."""
    number = request.args.get("tracking_number", "")
    return render_template(
        "staff/parcels/_carrier_guess.html",
        typed=bool(number.strip()),
        carrier=carrier_labels().get(carriers.recognise_carrier(number)),
    )


# The shelf -----------------------------------------------------------------------------------------


def _shelf_filters():
    """The shelf's filters from the query string (the page's and its export's): a tracking number or unit, an
    aging bucket, or the parcels waiting too long."""
    bucket = request.args.get("bucket") if request.args.get("bucket") in BUCKET_KEYS else None
    overdue = request.args.get("overdue") == "1" and not bucket
    return {
        "q": request.args.get("q", ""),
        "bucket": bucket,
        "older_than": timedelta(days=int(current_app.config["PARCEL_REMIND_DAYS"])) if overdue else None,
    }


@bp.route("/parcels/waiting/export.<any(csv, xlsx):fmt>")
@staff_permission(Permission.HANDLE_COUNTER)
def export_waiting_parcels(fmt):
    """Every parcel on the shelf under the page's filters, oldest first, as on screen."""
    row_count, rows = queries.export_waiting_shelf(buildings.get_property_id(), now=utcnow(), **_shelf_filters())
    labels = carrier_labels()
    return export_response(
        fmt,
        name="parcels",
        title=_l("Waiting parcels"),
        columns=(
            Column(_l("Since"), "datetime", 17),
            Column(_l("Unit"), width=10),
            Column(_l("Tracking number"), width=22),
            Column(_l("Carrier"), width=10),
            Column(_l("Shelf"), width=8),
            Column(_l("Resident told"), "datetime", 17),
        ),
        rows=(
            (r.arrived_at, r.unit_label, r.tracking_number, labels.get(r.carrier, r.carrier), r.shelf, r.notified_at)
            for r in rows
        ),
        row_count=row_count,
    )


@bp.route("/parcels/waiting")
@staff_permission(Permission.HANDLE_COUNTER)
def list_waiting_parcels():
    """Parcels on the shelf, oldest first, by aging bucket (0-3, 3-7, 7-15, 15+ days) or by tracking number/unit."""
    prop, now = buildings.get_property(), utcnow()
    filters = _shelf_filters()
    bucket, overdue = filters["bucket"], filters["older_than"] is not None
    rows, next_after = queries.waiting_shelf(prop.id, now=now, after=id_arg("after"), **filters)
    return render_page(
        "staff/parcels/waiting.html",
        "staff/parcels/_waiting_rows.html",
        rows=rows,
        next_after=next_after,
        bucket=bucket,
        overdue=overdue,
        return_days=int(current_app.config["PARCEL_RETURN_DAYS"]),
        buckets=BUCKET_KEYS,
        aging=queries.aging_counts(prop.id, now),
        q=request.args.get("q", ""),
        carriers=carrier_labels(),
        now=now,
    )


def _parcel_page(parcel, *, return_form=None, void_form=None, error=None, status=200):
    """One parcel with its history and, while it waits, the return and void forms."""
    return render_template(
        "staff/parcels/show.html",
        parcel=parcel,
        unit_label=unit_label(parcel.unit_id),
        error=error,
        waited_days=(utcnow() - parcel.arrived_at).days,
        return_days=int(current_app.config["PARCEL_RETURN_DAYS"]),
        carriers=carrier_labels(),
        recipients=parcel_pickup.RECIPIENT_LABELS,
        return_form=return_form or ReasonForm(prefix="return", formdata=None),
        void_form=void_form or ReasonForm(prefix="void", formdata=None),
    ), status


@bp.route("/parcels/<int:parcel_id>")
@staff_permission(Permission.HANDLE_COUNTER)
def show_parcel(parcel_id):
    """One parcel: where it is, since when, who took it."""
    return _parcel_page(db.get_or_404(Parcel, parcel_id))


def _close_parcel(parcel_id, prefix, service, done_message):
    """Return or void a waiting parcel with the reason from the form named `prefix`; the page again on a refusal."""
    parcel = db.get_or_404(Parcel, parcel_id)
    form = ReasonForm(prefix=prefix)
    if form.validate_on_submit():
        try:
            service(current_actor(), parcel.id, form.note.data)
            db.session.commit()
            flash(done_message, "success")
            return redirect(url_for("staff.show_parcel", parcel_id=parcel.id), code=303)
        except InvalidTransition as error:  # picked up or voided meanwhile: the form is gone from the page
            message = refusal_message(error)
            return _parcel_page(db.get_or_404(Parcel, parcel_id), error=message, status=409)
        except DomainError as error:
            show_domain_error(form, error)
    return _parcel_page(db.get_or_404(Parcel, parcel_id), status=422, **{f"{prefix}_form": form})


@bp.route("/parcels/<int:parcel_id>/return", methods=["POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def return_parcel(parcel_id):
    """Give an uncollected parcel back to the carrier."""
    return _close_parcel(parcel_id, "return", parcel_pickup.return_to_carrier, _("Returned to the carrier."))


@bp.route("/parcels/<int:parcel_id>/void", methods=["POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def void_parcel(parcel_id):
    """Void a parcel logged by mistake, with the reason."""
    return _close_parcel(parcel_id, "void", parcel_pickup.void_parcel, _("Voided."))


# Pickup --------------------------------------------------------------------------------------------


def _read_unit_and_code(form):
    """(unit label, code) from the form; a scanned QR code in the unit field carries both."""
    scanned = codes.parse_pickup_payload(form.unit_label.data)
    if scanned:
        return scanned
    return form.unit_label.data, form.code.data


def _handover_form(label, code, unit_id, form=None):
    """The hand-over form for a unit (a new one, or the posted `form` shown again), with its authorised collectors
    to choose from."""
    form = form or HandOverForm(formdata=None, unit_label=label, code=code)
    form.authorisation_id.choices = [(0, "—")] + [
        (a.id, f"{a.name} · {a.phone}") for a in authorisations.collectors([unit_id])
    ]
    return form


def _pickup_page(form, *, handover=None, found=None, status=200):
    """The pickup page: the lookup form, and once a code matched, the unit's parcels and the hand-over form."""
    kiosk_pickups = open_pickups()
    # What each kiosk pickup hands over: every parcel of its unit still waiting, with its shelf (one statement).
    kiosk_parcels = {}
    for parcel in queries.waiting_for_units(sorted({pickup.unit_id for pickup, _label, _kiosk in kiosk_pickups})):
        kiosk_parcels.setdefault(parcel.unit_id, []).append(parcel)
    return render_page(
        "staff/parcels/pickup.html",
        form=form,
        handover=handover,
        found=found,
        carriers=carrier_labels(),
        alerts=open_alert_notices(),
        kiosk_pickups=kiosk_pickups,
        kiosk_parcels=kiosk_parcels,
        status=status,
    )


@bp.route("/parcels/pickup", methods=["GET", "POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def pick_up_parcels():
    """Scan the resident's QR code, or type unit + code: the desk then sees only that unit's waiting parcels."""
    form = PickupForm()
    if not form.validate_on_submit():
        return _pickup_page(form, status=422 if request.method == "POST" else 200)
    label, code = _read_unit_and_code(form)
    if not (code or "").strip():  # no code: the unit's parcels, for a hand-over after an identity check
        try:
            unit_id, _property_id, _number, label = find_unit(label, number_alone=True)
        except DomainError as error:
            show_domain_error(form, error)
            return _pickup_page(form, status=422)
        found = {
            "unit_id": unit_id,
            "label": label,
            "parcels": queries.waiting_for_units([unit_id]),
            "household": authorisations.household_names(unit_id, today()),
            "by_id": True,
        }
        return _pickup_page(PickupForm(formdata=None), handover=_handover_form(label, "", unit_id), found=found)
    try:
        _row, unit_id, label, waiting = parcel_pickup.check_pickup_code(
            current_actor(), unit_label=label, code=code, place=_place()
        )
    except throttle.WrongCode as error:
        db.session.commit()  # the wrong guess counts
        show_domain_error(form, error)
        return _pickup_page(form, status=422)
    except DomainError as error:
        show_domain_error(form, error)
        return _pickup_page(form, status=error.status_code)
    found = {
        "unit_id": unit_id,
        "label": label,
        "parcels": waiting,
        "household": authorisations.household_names(unit_id, today()),
    }
    return _pickup_page(PickupForm(formdata=None), handover=_handover_form(label, code, unit_id), found=found)


@bp.route("/parcels/hand-over", methods=["POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def hand_over_parcels():
    """Hand the ticked parcels over; the code is used up."""
    form = HandOverForm()
    parcel_ids = form_ids("parcel_ids")
    if not (form.code.data or "").strip():
        return _hand_over_by_id(form, parcel_ids)
    try:
        handed, label = parcel_pickup.hand_over(
            current_actor(),
            unit_label=form.unit_label.data,
            code=form.code.data,
            parcel_ids=parcel_ids,
            recipient=form.recipient.data,
            name=form.name.data,
            id_last4=form.id_last4.data,
            authorisation_id=form.authorisation_id.data or None,
            place=_place(),
        )
        db.session.commit()
    except throttle.WrongCode as error:
        db.session.commit()  # a wrong code counts
        flash_domain_error(error)
        return redirect(url_for("staff.pick_up_parcels"), code=303)
    except DomainError as error:
        show_domain_error(form, error)  # undone before the code is checked again
        try:
            _row, unit_id, label, waiting = parcel_pickup.check_pickup_code(
                current_actor(), unit_label=form.unit_label.data, code=form.code.data, place=_place()
            )
        except DomainError as again:  # the code stopped working meanwhile
            db.session.commit()  # a wrong code counts
            flash_domain_error(again)
            return redirect(url_for("staff.pick_up_parcels"), code=303)
        handover = _handover_form(label, form.code.data, unit_id, form=form)
        found = {
            "unit_id": unit_id,
            "label": label,
            "parcels": waiting,
            "checked": set(parcel_ids),
            "household": authorisations.household_names(unit_id, today()),
        }
        return _pickup_page(PickupForm(formdata=None), handover=handover, found=found, status=422)
    flash(_("%(count)s parcel(s) of %(unit)s handed over.", count=len(handed), unit=label), "success")
    return redirect(url_for("staff.pick_up_parcels"), code=303)


def _hand_over_by_id(form, parcel_ids):
    """The hand-over without a code: to a resident named as in the register, or an authorised person."""
    try:
        handed, label = parcel_pickup.hand_over_by_id(
            current_actor(),
            unit_label=form.unit_label.data,
            parcel_ids=parcel_ids,
            recipient=form.recipient.data,
            name=form.name.data,
            id_last4=form.id_last4.data,
            authorisation_id=form.authorisation_id.data or None,
        )
        db.session.commit()
    except DomainError as error:
        show_domain_error(form, error)  # undone before the unit's parcels are read again
        unit_id, _property_id, _number, label = find_unit(form.unit_label.data, number_alone=True)
        handover = _handover_form(label, "", unit_id, form=form)
        found = {
            "unit_id": unit_id,
            "label": label,
            "parcels": queries.waiting_for_units([unit_id]),
            "checked": set(parcel_ids),
            "household": authorisations.household_names(unit_id, today()),
            "by_id": True,
        }
        return _pickup_page(PickupForm(formdata=None), handover=handover, found=found, status=422)
    flash(_("%(count)s parcel(s) of %(unit)s handed over.", count=len(handed), unit=label), "success")
    return redirect(url_for("staff.pick_up_parcels"), code=303)


@bp.route("/parcels/kiosk-pickups/<int:pickup_id>", methods=["POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def confirm_kiosk_pickup(pickup_id):
    """Hand over the parcels of a pickup started at a kiosk, recording who took them."""
    with flash_refusal():
        handed = confirm_pickup(
            current_actor(),
            pickup_id,
            recipient=request.form.get("recipient", ""),
            name=request.form.get("name", ""),
            id_last4=request.form.get("id_last4", ""),
        )
        db.session.commit()
        flash(_("%(count)s parcel(s) handed over.", count=len(handed)), "success")
    return redirect(url_for("staff.pick_up_parcels"), code=303)


# Alarms and the day's counts -------------------------------------------------------------------------


@bp.route("/parcels/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def acknowledge_alert(alert_id):
    """Mark a wrong-code alarm as seen."""
    throttle.acknowledge_alert(current_actor(), alert_id)
    db.session.commit()
    return redirect(url_for("staff.log_parcels"), code=303)


@bp.route("/parcels/report")
@staff_permission(Permission.HANDLE_COUNTER)
def counter_report():
    """The counter's day: parcels in, out, returned, waiting and overdue; storage and loans open and overdue."""
    day = today()
    try:
        if request.args.get("day"):
            day = parse_iso_date(request.args["day"])
    except ValueError:
        abort(404)
    prop = buildings.get_property()
    return render_template(
        "staff/parcels/report.html",
        day=day,
        counts=queries.day_counts(prop.id, day, utcnow()),
        aging=queries.aging_counts(prop.id, utcnow()),
        is_manager=can(current_user.role, Permission.VIEW_BOARD),
    )
