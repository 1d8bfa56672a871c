"""Lobby kiosks in the console: enrol one by the code its screen shows, see when each was last seen, revoke one."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from domain.accounts.roles import Permission
from domain.errors import DomainError
from domain.kiosk import services as kiosks
from domain.property import buildings
from extensions import db
from staff import bp
from web.auth import current_actor, staff_permission
from web.refusals import flash_refusal, show_domain_error


class EnrolForm(FlaskForm):
    """The code a kiosk shows, and a name for it."""

    code = StringField(
        _l("Pairing code on the kiosk's screen"),
        validators=[DataRequired(), Length(max=12)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    name = StringField(
        _l("Name (where it stands)"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("For example: 1号楼大堂"),
    )


@bp.route("/kiosks/", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_KIOSKS)
def list_kiosks():
    """The kiosks with their last-seen time, and the form that enrols one."""
    prop = buildings.get_property()
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            kiosk = kiosks.enrol(current_actor(), property_id=prop.id, code=form.code.data, name=form.name.data)
            db.session.commit()
            flash(_("“%(name)s” is enrolled: the kiosk starts within a few seconds.", name=kiosk.name), "success")
            return redirect(url_for("staff.list_kiosks"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/kiosks/index.html", form=form, kiosks=kiosks.kiosks(prop.id)), (
        422 if request.method == "POST" else 200
    )


@bp.route("/kiosks/<int:kiosk_id>/revoke", methods=["POST"])
@staff_permission(Permission.MANAGE_KIOSKS)
def revoke_kiosk(kiosk_id):
    """Revoke a kiosk; it is refused at its next request."""
    with flash_refusal():
        kiosk = kiosks.revoke(current_actor(), kiosk_id)
        db.session.commit()
        flash(_("“%(name)s” is revoked.", name=kiosk.name), "success")
    return redirect(url_for("staff.list_kiosks"), code=303)
