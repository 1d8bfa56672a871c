"""The owner's files: the console routes and who may use them."""

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.archives import documents
from domain.archives.models import FileLoan
from domain.clock import today
from domain.movein.models import MoveInCase
from extensions import db
from tests import builders

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
    "staff.show_file": ("GET", "/staff/archives/{unit}", READERS),
    "staff.add_document": ("POST", "/staff/archives/{unit}/documents", KEEPERS),
    "staff.void_document": ("POST", "/staff/archives/documents/{document}/void", KEEPERS),
    "staff.add_case_document": ("POST", "/staff/archives/cases/{case}/documents", KEEPERS),
    "staff.lend_file": ("POST", "/staff/archives/{unit}/loans", MANAGER),
    "staff.return_file": ("POST", "/staff/archives/loans/{file_loan}/return", KEEPERS),
    "staff.list_file_loans": ("GET", "/staff/archives/loans", KEEPERS),
    "staff.list_document_types": ("GET", "/staff/archives/types", MANAGER),
    "staff.edit_document_type": ("GET", "/staff/archives/types/{document_type}", MANAGER),
    "staff.file_access_log": ("GET", "/staff/archives/{unit}/log", MANAGER),
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
    # A unit of its own: the move-in area makes its own case for `unit`, and a unit has one open case at a time.
    case = MoveInCase(property_id=prop.id, unit_id=builders.create_unit().id, owner_id=resident.id)
    db.session.add(case)
    db.session.flush()
    loan = FileLoan(
        property_id=prop.id,
        unit_id=unit.id,
        borrower_name="档案室",
        reason="核对",
        approved_by_id=builders.create_staff(Role.MANAGER).id,
        lent_on=today(),
        due_on=today(),
    )
    db.session.add(loan)
    db.session.commit()
    return {
        "document": document.id,
        "case": case.id,
        "file_loan": loan.id,
        "document_type": document.type_id,
    }
