"""What the patrol console's pages share: the forms filled from a route or checkpoint, the route page and its
checkpoints region (the htmx fragment), the scan address of a label and the state badges."""

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.roles import Role
from domain.areas.models import Area
from domain.patrols.routes import ROUTE_ROLES, checklist_text
from domain.property.buildings import get_property
from extensions import db
from staff.patrols.forms import WINDOW_ROWS, CheckpointForm, RouteForm
from web.htmx import render_page
from web.qr import qr_svg

#: A window's state as a badge: (label, CSS class).
STATE_LABELS = {
    "upcoming": _l("upcoming"),
    "due": _l("due now"),
    "in_progress": _l("in progress"),
    "finished": _l("finished"),
    "late": _l("finished late"),
    "missed": _l("missed"),
    "unfinished": _l("not finished"),
}
#: The same badge colours as the patroller's phone pages.
_STATE_CLASSES = {state: f"badge-slot-{state}" for state in STATE_LABELS}


def state_badges():
    """{state: (label, CSS class)} for the pages' badges."""
    return {state: (label, _STATE_CLASSES[state]) for state, label in STATE_LABELS.items()}


def scan_url(code):
    """The absolute address a label's QR holds: the patroller's scan page for `code`."""
    return url_for("staff.scan_checkpoint", code=code, _external=True)


def route_form(route=None, formdata=...):
    """The route form with the walker roles and the property's areas to choose from, filled from `route`."""
    kwargs = {} if formdata is ... else {"formdata": formdata}
    if route is not None:
        windows = [{"start": s, "end": e} for s, e in route.windows or ()]
        windows += [{"start": "", "end": ""}] * max(0, WINDOW_ROWS - len(windows))
        form = RouteForm(
            name=route.name,
            role=route.role.value,
            area_id=str(route.area_id or ""),
            description=route.description,
            window_rows=windows,
            **kwargs,
        )
    else:
        form = RouteForm(**kwargs)
    form.role.choices = [(role.value, role.label) for role in ROUTE_ROLES]
    if route is None and not form.role.data:
        form.role.data = Role.ASSISTANT.value
    areas = db.session.scalars(select(Area).where(Area.property_id == get_property().id).order_by(Area.name)).all()
    form.area_id.choices = [("", _l("No area"))] + [(str(a.id), a.name) for a in areas]
    return form


def checkpoint_form(checkpoint=None):
    """The checkpoint form, filled from `checkpoint` when given."""
    if checkpoint is None:
        return CheckpointForm()
    return CheckpointForm(
        name=checkpoint.name,
        place=checkpoint.place,
        look_for=checkpoint.look_for,
        checklist=checklist_text(checkpoint),
    )


def _region_context(route, *, new_form=None, editing=None, edit_form=None):
    """What the checkpoints region shows: the rows with their QR, the add form, the row being edited."""
    points = list(route.checkpoints)
    return {
        "route": route,
        "points": points,
        "qrs": {p.id: qr_svg(scan_url(p.code), p.code) for p in points if p.is_active},
        "new_form": new_form or CheckpointForm(formdata=None),
        "editing": editing,
        "edit_form": edit_form,
    }


def checkpoints_region(route, **kwargs):
    """The checkpoints region alone (htmx answers after a change in it)."""
    return render_template("staff/patrols/_checkpoints.html", **_region_context(route, **kwargs))


def route_page(route, form, *, status=200, **kwargs):
    """The route's page: the route form and the checkpoints region; htmx gets the region alone."""
    return render_page(
        "staff/patrols/route_form.html",
        "staff/patrols/_checkpoints.html",
        status=status,
        form=form,
        **_region_context(route, **kwargs),
    )
