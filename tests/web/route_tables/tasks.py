"""The failed background tasks: the manager's alone."""

from domain.accounts.roles import Role
from domain.clock import utcnow
from domain.tasks.models import TaskFailure
from extensions import db

MANAGER = frozenset({Role.MANAGER})

TABLE = {
    "staff.list_failed_tasks": ("GET", "/staff/tasks/failed", MANAGER),
    "staff.retry_failed_task": ("POST", "/staff/tasks/failed/{task_failure}/retry", MANAGER),
}


def records(prop, unit, resident):
    """A failed parcel sweep of the property (a retry runs it again, harmlessly)."""
    now = utcnow()
    failure = TaskFailure(
        property_id=prop.id,
        task_name="domain.parcels.tasks.sweep_parcel_notices",
        args="[]",
        error="ConnectionRefusedError()",
        attempts=6,
        first_failed_at=now,
        last_failed_at=now,
    )
    db.session.add(failure)
    db.session.commit()
    return {"task_failure": failure.id}
