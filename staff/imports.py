"""CSV import of units and residents."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.clock import today
from domain.property.importing import import_residents, import_units
from extensions import db
from staff import bp
from staff.forms import ImportForm
from web.auth import current_actor, staff_permission


@bp.route("/import", methods=["GET", "POST"])
@staff_permission(Permission.IMPORT_REGISTER)
def import_register():
    """Upload a CSV; either every row is imported, or none is and the bad lines are listed."""
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        data = form.file.data.read()
        if form.kind.data == "units":
            result = import_units(current_actor(), data)
        else:
            result = import_residents(current_actor(), data, today=today())
        if result.ok:
            db.session.commit()
            flash(_("Imported %(n)s rows.", n=result.created), "success")
            return redirect(url_for("staff.import_register"), code=303)
        db.session.rollback()
    return render_template("staff/import/index.html", form=form, result=result)
