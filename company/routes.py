"""The company's pages: the dashboard, the company's month, a property's monthly report, and the properties."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from company import bp
from company.forms import CopySettingsForm, NewPropertyForm
from domain.accounts.roles import CompanyRole
from domain.company import figures
from domain.company.access import visible_property, visible_property_ids
from domain.company.properties import create_property, list_properties
from domain.company.settings_copy import SET_LABELS, copy_settings
from domain.current_property import working_for
from domain.dates import month_after, month_before
from domain.errors import DomainError, NotFound
from domain.property.companies import roles_by_property
from domain.reports import monthly, sections
from domain.reports.charts import to_svg
from extensions import db
from web.auth import current_actor
from web.refusals import show_domain_error


def _visible_ids():
    """The properties the signed-in person sees on these pages."""
    return visible_property_ids(current_user.id, current_user.company_role)


def _admin_only():
    """403 unless the signed-in person is the company's administrator."""
    if CompanyRole(current_user.company_role) != CompanyRole.ADMIN:
        abort(403)


@bp.get("/")
def dashboard():
    """Each property's figures side by side, ranked by this month's collection rate."""
    rows = figures.dashboard(_visible_ids())
    return render_template(
        "company/dashboard.html",
        rows=rows,
        roles=roles_by_property(current_user.id),
        target=figures.collection.TARGET_PERCENT,
        days=figures.SATISFACTION_DAYS,
    )


@bp.get("/reports/monthly")
def monthly_report():
    """The company's month (?month=YYYY-MM, else the last full month): a row per property and the total."""
    month = monthly.report_month(request.args.get("month"))
    return render_template(
        "company/monthly.html",
        report=figures.monthly(_visible_ids(), month),
        month=month,
        previous=month_before(month),
        following=month_after(month),
        target=figures.collection.TARGET_PERCENT,
    )


@bp.get("/properties/<int:property_id>/report")
def property_report(property_id):
    """One property's monthly report, read-only (404 for a property the person may not see)."""
    try:
        property_id, name = visible_property(current_user.id, current_user.company_role, property_id)
    except NotFound:
        abort(404)
    month = monthly.report_month(request.args.get("month"))
    with working_for(property_id):
        report = monthly.build_report(property_id, month)
        parts = sections.sections(report)
    return render_template(
        "company/property_report.html",
        property_id=property_id,
        property_name=name,
        month=month,
        report=report,
        sections=parts,
        charts={s.key: to_svg(s.chart, str(s.chart_label), s.key) for s in parts if s.chart is not None},
        previous=month_before(month),
        following=month_after(month),
    )


@bp.get("/properties/")
def list_company_properties():
    """The company's properties (the administrator's page)."""
    _admin_only()
    return render_template("company/properties.html", properties=list_properties())


@bp.route("/properties/new", methods=["GET", "POST"])
def new_property():
    """Set up a property and its first manager in one form; a refusal saves nothing and keeps what was typed."""
    _admin_only()
    form = NewPropertyForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                prop, manager = create_property(
                    current_actor(),
                    current_user.company_role,
                    name=form.name.data,
                    address=form.address.data,
                    service_phone=form.service_phone.data,
                    desk_hours=form.desk_hours.data,
                    time_zone=form.time_zone.data,
                    receipt_prefix=form.receipt_prefix.data,
                    manager_username=form.manager_username.data,
                    manager_name=form.manager_name.data,
                    manager_password=form.manager_password.data,
                )
                db.session.commit()
                flash(
                    _(
                        "Property %(name)s created; its manager %(username)s can sign in.",
                        name=prop.name,
                        username=manager.username,
                    ),
                    "success",
                )
                return redirect(url_for("company.list_company_properties"), code=303)
            except DomainError as error:
                db.session.rollback()
                show_domain_error(form, error)
        status = 422
    return render_template("company/new_property.html", form=form), status


@bp.route("/settings/copy", methods=["GET", "POST"])
def copy_company_settings():
    """Copy settings the company keeps alike (document types, violation kinds, surveys) from one property to
    others; each copy is then the property's own to change."""
    _admin_only()
    names = {prop.id: prop.name for prop in list_properties()}
    form = CopySettingsForm()
    form.source_id.choices = list(names.items())
    form.target_ids.choices = list(names.items())
    form.sets.choices = [(which.value, label) for which, label in SET_LABELS.items()]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                copied = copy_settings(
                    current_actor(),
                    current_user.company_role,
                    source_id=form.source_id.data,
                    target_ids=form.target_ids.data or [],
                    sets=form.sets.data or [],
                )
                db.session.commit()
                total = sum(sum(counts.values()) for counts in copied.values())
                flash(
                    _(
                        "%(count)s settings copied to %(properties)s.",
                        count=total,
                        properties=", ".join(names[target] for target in copied),
                    ),
                    "success",
                )
                return redirect(url_for("company.copy_company_settings"), code=303)
            except DomainError as error:
                show_domain_error(form, error)
        status = 422
    return render_template("company/copy_settings.html", form=form), status
