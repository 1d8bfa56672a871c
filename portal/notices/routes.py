"""The notices page: a list of sections about the resident's own units, each rendered by its own include."""

from flask_login import current_user

from domain.property.residents import resident_for_user
from portal import bp
from portal.notices import violations
from web.htmx import render_page


@bp.get("/notices")
def list_notices():
    """The notices about the resident's own units: violation notices (each stage as sent)."""
    resident = resident_for_user(current_user)
    return render_page("portal/notices/index.html", **violations.violations_section(resident))
