"""The fee schedule, meter readings, billing runs and late fees (finance)."""

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from domain.accounts.roles import Permission
from domain.accounts.services import list_staff
from domain.billing import runs, schedule
from domain.billing.models import ChargeBasis, RunStatus
from domain.billing.services import charge_one_off as bill_one_off
from domain.clock import today
from domain.errors import DomainError
from domain.money import fen_to_decimal
from domain.payments import collection, run_reversal
from domain.property.buildings import get_property, list_buildings
from domain.property.units import find_unit, unit_labels
from extensions import db
from staff import bp
from staff.fee_forms import (
    ChargeTypeEditForm,
    ChargeTypeForm,
    LateFeePolicyForm,
    OneOffChargeForm,
    RateForm,
    ReadingForm,
    ReadingImportForm,
    ReverseRunForm,
    RunForm,
)
from web.auth import current_actor, staff_permission
from web.filters import fen
from web.refusals import flash_refusal, refusal_message, show_domain_error


def _this_month():
    """The first day of the current month in property time."""
    return today().replace(day=1)


def _charge_choices(charges, basis):
    """(id, "CODE name") of the active charges billed on `basis`, for a select."""
    return [(c.id, f"{c.code} {c.name}") for c in charges if c.basis == basis and c.is_active]


def _building_choices():
    """The building select: "—" (0) and every building."""
    return [(0, "—")] + [(b.id, f"{b.code} {b.name}") for b in list_buildings()]


# The fee schedule -------------------------------------------------------------------------------


def _vacancy_percent(form, basis):
    """The typed vacancy rate, for a charge that can have one: the pages show the field only for those, so a value
    left in a hidden field is not refused out of sight."""
    return form.vacancy_percent.percent if ChargeBasis(basis) in schedule.VACANCY_BASES else None


def _schedule_page(one_off_form):
    """Render the fee schedule with the one-off charge form (fresh, or with its errors)."""
    charges = schedule.list_charge_types(get_property().id)
    one_off_form.charge_type_id.choices = _charge_choices(charges, ChargeBasis.ONE_OFF)
    return render_template(
        "staff/fees/index.html",
        charges=charges,
        buildings={b.id: b for b in list_buildings()},
        today=today(),
        one_off_form=one_off_form,
    )


@bp.get("/fees/")
@staff_permission(Permission.MANAGE_FEES)
def list_charges():
    """The fee schedule: each charge with its basis, scope, rates and state."""
    due = today() + timedelta(days=current_app.config["BILL_DUE_DAYS"])
    return _schedule_page(OneOffChargeForm(due_date=due))


@bp.route("/fees/new", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_FEES)
def create_charge():
    """Add a charge type with its first rate."""
    form = ChargeTypeForm(effective_from=_this_month())
    form.building_id.choices = _building_choices()
    if form.validate_on_submit():
        try:
            charge = schedule.create_charge_type(
                current_actor(),
                property_id=get_property().id,
                code=form.code.data,
                name=form.name.data,
                basis=form.basis.data,
                rate_fen=form.rate.fen,
                effective_from=form.effective_from.data,
                meter_unit=form.meter_unit.data if form.basis.data == ChargeBasis.METERED.value else "",
                scope=form.scope.data,
                building_id=form.building_id.data or None,
                unit_labels=form.unit_labels.data or "",
                vacancy_percent=_vacancy_percent(form, form.basis.data),
                vacancy_rule=form.vacancy_rule.data,
            )
            db.session.commit()
            flash(_("%(code)s %(name)s was added to the fee schedule.", code=charge.code, name=charge.name), "success")
            return redirect(url_for("staff.list_charges"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/fees/new.html", form=form)


def _edit_page(charge, form=None, rate_form=None):
    """Render a charge's edit page with whichever of its two forms is being redisplayed."""
    if form is None:
        labels = unit_labels([u.unit_id for u in charge.units]) if charge.units else {}
        form = ChargeTypeEditForm(
            name=charge.name,
            is_active=charge.is_active,
            meter_unit=charge.meter_unit,
            scope=charge.scope.value,
            building_id=charge.building_id or 0,
            unit_labels=", ".join(sorted(labels.values())),
            vacancy_percent=charge.vacancy_percent or "",
            vacancy_rule=charge.vacancy_rule.value,
        )
        form.building_id.choices = _building_choices()
    rate_form = rate_form or RateForm(prefix="rate", effective_from=schedule.month_after(_this_month()))
    return render_template("staff/fees/edit.html", charge=charge, form=form, rate_form=rate_form, today=today())


@bp.route("/fees/<int:charge_id>/edit", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_FEES)
def edit_charge(charge_id):
    """Rename, switch off or re-scope a charge type."""
    charge = schedule.get_charge_type(charge_id)
    if request.method == "GET":
        return _edit_page(charge)
    form = ChargeTypeEditForm()
    form.building_id.choices = _building_choices()
    if form.validate_on_submit():
        try:
            schedule.update_charge_type(
                current_actor(),
                charge,
                name=form.name.data,
                is_active=form.is_active.data,
                meter_unit=form.meter_unit.data or "",
                scope=form.scope.data,
                building_id=form.building_id.data or None,
                unit_labels=form.unit_labels.data or "",
                vacancy_percent=_vacancy_percent(form, charge.basis),
                vacancy_rule=form.vacancy_rule.data,
            )
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("staff.list_charges"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _edit_page(charge, form=form)


@bp.post("/fees/<int:charge_id>/rates")
@staff_permission(Permission.MANAGE_FEES)
def add_charge_rate(charge_id):
    """Give a charge a new rate from a date on; bills already issued keep theirs."""
    charge = schedule.get_charge_type(charge_id)
    rate_form = RateForm(prefix="rate")
    if rate_form.validate_on_submit():
        try:
            schedule.add_rate(
                current_actor(), charge, rate_fen=rate_form.rate.fen, effective_from=rate_form.effective_from.data
            )
            db.session.commit()
            flash(
                _(
                    "New rate of %(amount)s from %(day)s saved.",
                    amount=fen(rate_form.rate.fen),
                    day=rate_form.effective_from.data.isoformat(),
                ),
                "success",
            )
            return redirect(url_for("staff.edit_charge", charge_id=charge_id), code=303)
        except DomainError as error:
            show_domain_error(rate_form, error)
    return _edit_page(charge, rate_form=rate_form)


@bp.post("/fees/one-off")
@staff_permission(Permission.RUN_BILLING)
def charge_one_off():
    """Bill a one-off charge (a renovation deposit, say) to one unit."""
    form = OneOffChargeForm()
    form.charge_type_id.choices = _charge_choices(schedule.list_charge_types(get_property().id), ChargeBasis.ONE_OFF)
    if form.validate_on_submit():
        try:
            unit = find_unit(form.unit_label.data)
            bill = bill_one_off(
                current_actor(),
                unit=unit,
                charge_type_id=form.charge_type_id.data,
                due_date=form.due_date.data,
                today=today(),
                note=form.note.data or "",
            )
            db.session.commit()
            flash(
                _(
                    "A bill of %(amount)s for %(charge)s was issued to %(unit)s.",
                    amount=fen(bill.total_fen),
                    charge=bill.title,
                    unit=unit.label,
                ),
                "success",
            )
            return redirect(url_for("staff.list_charges"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _schedule_page(form)


# Meter readings ---------------------------------------------------------------------------------


def _requested_month():
    """The month in ?period= (else the current one), and the message if it could not be read."""
    text = request.args.get("period", "").strip()
    if not text:
        return _this_month(), None
    try:
        return schedule.parse_period(text), None
    except DomainError as error:
        return _this_month(), str(error.message)


def _metered_charges():
    """The active metered charges (the meters a reading can be for)."""
    return [c for c in schedule.list_charge_types(get_property().id) if c.basis == ChargeBasis.METERED and c.is_active]


def _readings_page(month, form, metered, import_form=None, import_errors=(), month_error=None):
    """Render a month's readings with the entry and import forms."""
    form.charge_type_id.choices = _charge_choices(metered, ChargeBasis.METERED)
    rows = schedule.list_readings(month, limit=200)
    return render_template(
        "staff/fees/readings.html",
        month=month,
        previous_month=schedule.month_before(month),
        next_month=schedule.month_after(month),
        form=form,
        import_form=import_form or ReadingImportForm(),
        import_errors=import_errors,
        month_error=month_error,
        metered=metered,
        rows=rows,
        limit=200,
    )


@bp.route("/fees/readings", methods=["GET", "POST"])
@staff_permission(Permission.ENTER_READINGS)
def list_readings():
    """A month's meter readings and a form to enter or correct one."""
    month, month_error = _requested_month()
    form = ReadingForm(period=schedule.period_label(month))
    metered = _metered_charges()
    form.charge_type_id.choices = _charge_choices(metered, ChargeBasis.METERED)
    if form.validate_on_submit():
        month = form.period.month
        try:
            unit = find_unit(form.unit_label.data)
            reading = schedule.record_reading(
                current_actor(),
                unit=unit,
                charge_type_id=form.charge_type_id.data,
                period=month,
                current_x100=form.current.x100,
                previous_x100=getattr(form.previous, "x100", None),
            )
            db.session.commit()
            flash(
                _(
                    "Reading saved for %(unit)s: %(previous)s → %(current)s.",
                    unit=unit.label,
                    previous=fen_to_decimal(reading.previous_x100),
                    current=fen_to_decimal(reading.current_x100),
                ),
                "success",
            )
            return redirect(url_for("staff.list_readings", period=schedule.period_label(month)), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _readings_page(month, form, metered, month_error=month_error)


@bp.post("/fees/readings/import")
@staff_permission(Permission.ENTER_READINGS)
def import_readings():
    """Import meter readings from a CSV: every row, or none and the wrong lines listed."""
    month, _error = _requested_month()
    import_form = ReadingImportForm()
    errors = []
    if import_form.validate_on_submit():
        try:
            count = schedule.import_readings(current_actor(), import_form.file.data.read())
            db.session.commit()
            flash(ngettext("%(num)s reading imported.", "%(num)s readings imported.", count), "success")
            return redirect(url_for("staff.list_readings", period=schedule.period_label(month)), code=303)
        except DomainError as error:
            errors = refusal_message(error).splitlines()  # one wrong line of the file per line
    return _readings_page(
        month,
        ReadingForm(period=schedule.period_label(month), formdata=None),
        _metered_charges(),
        import_form=import_form,
        import_errors=errors,
    )


# Billing runs -----------------------------------------------------------------------------------


def _runs_page(form):
    """Render the past runs and the month form (fresh, or with its errors)."""
    return render_template(
        "staff/fees/runs.html",
        runs=runs.list_runs(get_property().id),
        form=form,
        names={user.id: user.display_name for user, _role in list_staff()},
    )


@bp.get("/fees/runs")
@staff_permission(Permission.RUN_BILLING)
def list_runs():
    """Past billing runs and the form to preview a month (this month until it is billed, then the next)."""
    month = _this_month()
    run = runs.current_run(get_property().id, month)
    if run is not None and run.status == RunStatus.DONE:
        month = schedule.month_after(month)
    due = month + timedelta(days=current_app.config["BILL_DUE_DAYS"])
    return _runs_page(RunForm(period=schedule.period_label(month), due_date=due))


@bp.post("/fees/runs/preview")
@staff_permission(Permission.RUN_BILLING)
def preview_run():
    """What a run of the month would bill; nothing is written."""
    form = RunForm()
    if not form.validate_on_submit():
        return _runs_page(form)
    preview = runs.preview_run(get_property().id, form.period.month)
    return render_template("staff/fees/preview.html", form=form, preview=preview)


@bp.post("/fees/runs")
@staff_permission(Permission.RUN_BILLING)
def start_run():
    """Bill every unit for the month (committing each batch); a second start only bills units added since."""
    form = RunForm()
    if not form.validate_on_submit():
        return _runs_page(form)
    property_id, month = get_property().id, form.period.month
    # run_billing resumes the month's run and returns its running totals: note them to tell what this start added.
    earlier = runs.current_run(property_id, month)
    earlier_count, earlier_total = (earlier.bill_count, earlier.total_fen) if earlier else (0, 0)
    try:
        run = runs.run_billing(
            current_actor(),
            property_id=property_id,
            period=month,
            due_date=form.due_date.data,
            today=today(),
            after_batch=db.session.commit,
        )
        db.session.commit()
    except DomainError as error:
        show_domain_error(form, error)
        return _runs_page(form)
    created = run.bill_count - earlier_count
    if created:
        flash(
            ngettext(
                "%(num)s bill created for %(month)s, total %(amount)s.",
                "%(num)s bills created for %(month)s, total %(amount)s.",
                created,
                month=schedule.period_label(month),
                amount=fen(run.total_fen - earlier_total),
            ),
            "success",
        )
    else:
        flash(
            _("No new bill: every unit already has its bill for %(month)s.", month=schedule.period_label(month)), "info"
        )
    return redirect(url_for("staff.list_runs"), code=303)


@bp.post("/fees/runs/<int:run_id>/reverse")
@staff_permission(Permission.RUN_BILLING)
def reverse_run(run_id):
    """Undo a run whose bills nobody has paid or started paying; its bills are deleted."""
    run = runs.get_run(run_id)
    form = ReverseRunForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm that the bills of this run will be deleted."), "error")
        return redirect(url_for("staff.list_runs"), code=303)
    with flash_refusal():
        run_reversal.reverse_run(current_actor(), run)
        db.session.commit()
        flash(
            ngettext(
                "The %(month)s run was reversed: %(num)s bill deleted.",
                "The %(month)s run was reversed: %(num)s bills deleted.",
                run.bill_count,
                month=schedule.period_label(run.period),
            ),
            "success",
        )
    return redirect(url_for("staff.list_runs"), code=303)


# Late fees --------------------------------------------------------------------------------------


@bp.route("/fees/late-fees", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_FEES)
def late_fees():
    """The late-fee policy and the fees that posting would add today."""
    property_id = get_property().id
    policy = collection.get_late_fee_policy(property_id)
    form = LateFeePolicyForm(obj=policy)
    if form.validate_on_submit():
        collection.update_late_fee_policy(
            current_actor(),
            policy,
            enabled=form.enabled.data,
            daily_rate_per_10000=form.daily_rate_per_10000.data,
            grace_days=form.grace_days.data,
            cap_percent=form.cap_percent.data,
        )
        db.session.commit()
        flash(_("Late-fee policy saved."), "success")
        return redirect(url_for("staff.late_fees"), code=303)
    return render_template(
        "staff/fees/late_fees.html",
        form=form,
        policy=policy,
        fees=collection.late_fees_due(property_id, today()),
        today=today(),
        shown=50,
    )


@bp.post("/fees/late-fees/post")
@staff_permission(Permission.RUN_BILLING)
def post_late_fees():
    """Post (or raise) today's late fee on each overdue bill, as the preview shows."""
    bills, added = collection.post_late_fees(current_actor(), property_id=get_property().id, today=today())
    db.session.commit()
    if bills:
        flash(
            ngettext(
                "Late fee posted on %(num)s bill: %(amount)s added.",
                "Late fees posted on %(num)s bills: %(amount)s added.",
                bills,
                amount=fen(added),
            ),
            "success",
        )
    else:
        flash(_("No late fee to post today."), "info")
    return redirect(url_for("staff.late_fees"), code=303)
