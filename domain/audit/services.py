"""Writing and reading the audit log."""

from sqlalchemy import insert, select

from domain.audit.models import AuditEntry
from domain.clock import utcnow
from domain.current_property import current_property_id
from extensions import db

_INSERT = insert(AuditEntry.__table__)


def record(actor, action, obj=None, *, summary="", changes=None, object_type=None, object_id=None):
    """Write one audit entry for `actor` (an Actor) in the current transaction; the caller commits (a rollback
    takes it back with the change it describes).

    Inserted on the connection, not added to the session: the entry is never read back or changed, and the
    session's unit of work costs a busy page (parcel intake) several per cent for this one row.
    """
    db.session.connection().execute(
        _INSERT,
        {
            "property_id": getattr(obj, "property_id", None) or current_property_id(),
            "at": utcnow(),
            "actor_id": actor.user_id,
            "actor_name": actor.name,
            "action": action,
            "object_type": object_type or (obj.__tablename__ if obj is not None else ""),
            "object_id": object_id if object_id is not None else getattr(obj, "id", None),
            "summary": summary,
            "changes": changes or None,
            "source": actor.source,
        },
    )


def diff(obj, values):
    """Apply `values` to `obj` and return {"field": [old, new]} for the fields that changed."""
    changes = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
            setattr(obj, field, new)
    return changes


def _plain(value):
    """Make a value JSON-friendly for the log."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _filtered(query, action_prefix):
    """The log's one filter, for the page and its export: what was done (an action's start, "unit.")."""
    if action_prefix:
        query = query.where(AuditEntry.action.startswith(action_prefix))
    return query.order_by(AuditEntry.id.desc())


def list_entries(*, before_id=None, action_prefix=None, limit=50):
    """Return the newest entries (older than `before_id` when paging by key)."""
    query = _filtered(select(AuditEntry), action_prefix).limit(limit)
    if before_id:
        query = query.where(AuditEntry.id < before_id)
    return db.session.scalars(query).all()


#: The columns of the log's export.
EXPORT_COLUMNS = (
    AuditEntry.at,
    AuditEntry.actor_name,
    AuditEntry.action,
    AuditEntry.object_type,
    AuditEntry.object_id,
    AuditEntry.summary,
    AuditEntry.source,
)


def export_statement(*, action_prefix=None):
    """Every entry the page lists under the same filter, newest first, as a column select."""
    return _filtered(select(*EXPORT_COLUMNS), action_prefix)
