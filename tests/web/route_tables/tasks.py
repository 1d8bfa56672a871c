"""The failed background tasks: the manager's alone."""

from domain.accounts.roles import Role
from tests import builders

MANAGER = frozenset({Role.MANAGER})

TABLE = {
    "staff.list_failed_tasks": ("GET", "/staff/tasks/failed", MANAGER),
    "staff.retry_failed_task": ("POST", "/staff/tasks/failed/{task_failure}/retry", MANAGER),
}


def records(prop, unit, resident):
    """A failed parcel sweep of the property (a retry runs it again, harmlessly)."""
    failure = builders.create_task_failure(prop)
    return {"task_failure": failure.id}
