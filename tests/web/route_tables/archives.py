"""The owner's files: the console routes and who may use them."""

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.archives import documents
from extensions import db

KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})
MANAGER = frozenset({Role.MANAGER})
INSPECTORS = frozenset({Role.ENGINEERING, Role.ASSISTANT, Role.MANAGER})
#: Every role that sees some documents of a file (engineering and finance only their department's types).
READERS = KEEPERS | {Role.ENGINEERING, Role.FINANCE}

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_files": ("GET", "/staff/archives/", READERS),
    "staff.view_document": ("GET", "/staff/archives/documents/{document}", READERS),
    "staff.download_document": ("GET", "/staff/archives/documents/{document}/download", READERS),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name, made for the test: an inspection record (engineering may see it)."""
    document = documents.file_stored(
        Actor.system(),
        unit_id=unit.id,
        type_code="inspection_record",
        stored_name="not-on-disk.pdf",  # an open file the table test would never close: the route answers 404
        content_type="application/pdf",
        size=10,
        source="inspection",
    )
    db.session.commit()
    return {"document": document.id}
