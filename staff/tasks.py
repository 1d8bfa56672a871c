"""The property's background tasks that failed on every try, for the manager: the list and its Retry button."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.errors import InvalidTransition
from domain.property import buildings
from domain.tasks import failures
from extensions import db
from staff import bp
from web.auth import current_actor, staff_permission
from web.htmx import render_page
from web.refusals import flash_domain_error


@bp.get("/tasks/failed")
@staff_permission(Permission.MANAGE_TASKS)
def list_failed_tasks():
    """The failed tasks not resolved yet, the latest first, each with its error and a Retry button."""
    prop = buildings.get_property()
    return render_page(
        "staff/tasks/failed.html",
        failures=failures.open_failures(prop.id),
        task_label=failures.task_label,
    )


@bp.post("/tasks/failed/<int:failure_id>/retry")
@staff_permission(Permission.MANAGE_TASKS)
def retry_failed_task(failure_id):
    """Enqueue a failed task again (audited); a success closes it, a new failure updates it. Another property's
    failure is not found."""
    try:
        failures.retry_failure(current_actor(), failure_id)
        db.session.commit()
        flash(_("The task is queued again."), "success")
    except InvalidTransition as error:
        db.session.rollback()
        flash_domain_error(error)
    return redirect(url_for("staff.list_failed_tasks"), code=303)
