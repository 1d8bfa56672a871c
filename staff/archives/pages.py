"""The file page as a view model: the documents the reader may see by type, the gaps, the loans, and the forms
of what the reader may do there (add a document, lend the paper file)."""

from dataclasses import dataclass

from domain.accounts.roles import Permission, can
from domain.archives import files, loans
from domain.archives.documents import list_types, visible_documents
from staff.archives.forms import DocumentForm, LendForm
from web.auth import current_actor


def document_form(unit_id, property_id, *, submitted=False):
    """The add-a-document form with the active types and the unit's people (read from the request if submitted)."""
    form = DocumentForm() if submitted else DocumentForm(formdata=None)
    return form.fill(list_types(property_id), files.file_people(unit_id))


def file_page(actor, unit_id, property_id, *, doc_form=None, lend_form=None, error=None):
    """The context of templates/staff/archives/show.html for `actor`."""
    unit_file = files.unit_file(actor, unit_id, property_id)
    may_file = can(actor.role, Permission.FILE_DOCUMENTS)
    may_lend = can(actor.role, Permission.LEND_FILES)
    open_loan = loans.open_loan(unit_id) if may_file else None
    return {
        "file": unit_file,
        "may_file": may_file,
        "may_lend": may_lend,
        "may_read_log": can(actor.role, Permission.MANAGE_ARCHIVES),
        "doc_form": doc_form or (document_form(unit_id, property_id) if may_file else None),
        "lend_form": lend_form or (LendForm(formdata=None) if may_lend else None),
        "loans": loans.loans_of_unit(unit_id) if may_file else [],
        "open_loan": open_loan,
        "open_loan_overdue": open_loan is not None and loans.is_overdue(open_loan),
        "error": error,
    }


#: The move-in papers the case page's upload form offers (SOP 2.3.3), in the file's order.
MOVE_IN_TYPES = (
    "handover_notice",
    "purchase_contract",
    "owner_id",
    "proxy_id",
    "power_of_attorney",
    "registration_form",
    "fire_agreement",
    "handover_list",
)


#: Where a case's papers come from: the desk's scans and signed papers ("move_in") and the owner's online uploads
#: ("resident"), both filed with the case's id.
CASE_SOURCES = ("move_in", "resident")


@dataclass
class CaseDocuments:
    """What the case page's documents panel shows: the case's papers the reader may see, and the types to add."""

    documents: list
    types: list
    may_file: bool


def case_documents(case):
    """For the move-in case page (a Jinja global): the documents filed from the case (at the desk or online) that the
    signed-in staff member may see, and the move-in types the upload form offers."""
    actor = current_actor()
    may_file = can(actor.role, Permission.FILE_DOCUMENTS)
    types_ = [t for t in list_types(case.property_id) if t.code in MOVE_IN_TYPES] if may_file else []
    papers = visible_documents(actor, source=CASE_SOURCES, source_id=case.id)
    return CaseDocuments(papers, types_, may_file)
