"""The notices page: a list of sections about the resident's own units, each rendered by its own include."""

from flask_login import current_user

from domain.clock import today
from domain.property.residents import resident_for_user
from portal import bp
from portal.notices import vacant_checks, violations
from web.htmx import render_page


@bp.get("/notices")
def list_notices():
    """The notices about the resident's own units: vacant-unit check results and violation notices (each stage as
    sent)."""
    resident = resident_for_user(current_user)
    return render_page(
        "portal/notices/index.html",
        **vacant_checks.vacant_checks_section(resident.id, today()),
        **violations.violations_section(resident),
    )
