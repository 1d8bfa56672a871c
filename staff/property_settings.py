"""The property's own settings in the console: its name and desk, time zone, receipt prefix and Stripe account."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from domain.accounts.roles import Permission
from domain.errors import DomainError
from domain.property import buildings
from domain.property import settings as property_settings
from extensions import db
from staff import bp
from web.auth import current_actor, staff_permission
from web.forms import checked_by
from web.refusals import show_domain_error


class PropertySettingsForm(FlaskForm):
    """The settings the manager keeps for the property."""

    name = StringField(_l("Property name"), validators=[DataRequired(), Length(max=120)])
    address = StringField(_l("Address"), validators=[Length(max=255)])
    service_phone = StringField(_l("Service desk phone"), validators=[Length(max=40)])
    desk_hours = StringField(
        _l("Service desk hours"), validators=[Length(max=120)], description=_l("For example: 8:00-20:00")
    )
    time_zone = StringField(
        _l("Time zone"),
        validators=[checked_by(property_settings.check_time_zone)],
        description=_l("The IANA name of the zone the property's days are counted in, e.g. Asia/Shanghai."),
    )
    receipt_prefix = StringField(
        _l("Receipt prefix"),
        validators=[checked_by(property_settings.check_receipt_prefix)],
        description=_l(
            "Printed before every receipt number (YF-2026-000123), so that two properties' receipts never look "
            "alike. Empty: SJ. Receipts already issued keep the prefix they were issued with."
        ),
    )
    stripe_account = StringField(
        _l("Stripe account"),
        validators=[checked_by(property_settings.check_stripe_account)],
        description=_l(
            "The property's connected account (acct_...) in the company's Stripe platform: residents' online "
            "payments go to it. Empty: to the company's own account."
        ),
    )
    statement_descriptor = StringField(
        _l("Statement descriptor"),
        validators=[checked_by(property_settings.check_statement_descriptor)],
        description=_l(
            "What residents' bank statements show for their payments: 5-22 Latin letters, e.g. YIFENG PLAZA."
        ),
    )


@bp.route("/property/settings", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_PROPERTY)
def property_settings_page():
    """The current property's settings and the form that changes them; bad input saves nothing and keeps what was
    typed."""
    prop = buildings.get_property()
    form = PropertySettingsForm(obj=prop)
    if form.validate_on_submit():
        try:
            values = {name: form[name].data for name in property_settings.LIMITS}
            values.update({name: form[name].data for name in property_settings.CHECKED})
            changes = property_settings.update_settings(current_actor(), prop, values)
            db.session.commit()
            flash(_("The property's settings are saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("staff.property_settings_page"), code=303)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
    return render_template("staff/property/settings.html", form=form, prop=prop), (
        422 if request.method == "POST" else 200
    )
