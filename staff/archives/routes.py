"""The owner's files (业主档案, SOP 3): find a unit's file, the incomplete files, the documents (add, void, view and
download, each look logged), lending the paper file, the document types, and who looked at what."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.archives import documents, files, loans, types
from domain.errors import DomainError
from domain.movein.models import MoveInCase
from domain.property.buildings import get_property_id
from domain.property.units import find_unit, unit_label
from extensions import db
from staff import bp
from staff.archives import permits as _permits  # noqa: F401 (files each issued permit in the owner's file)
from staff.archives.forms import DocumentTypeForm, LendForm
from staff.archives.pages import case_documents, document_form, file_page
from web.auth import current_actor, safe_next, staff_permission, user_can
from web.downloads import send_document
from web.guards import id_arg
from web.refusals import flash_refusal, show_domain_error

bp.add_app_template_global(documents.type_label, "archive_type_label")
bp.add_app_template_global(case_documents, "archive_case_documents")


@bp.get("/archives/")
@staff_permission(Permission.VIEW_ARCHIVES)
def list_files():
    """Find a unit's file; for those who keep the files, the incomplete ones and the overdue loans."""
    property_id = get_property_id()
    typed = request.args.get("unit", "").strip()
    search_error = None
    if typed:
        try:
            return redirect(url_for("staff.show_file", unit_id=find_unit(typed, number_alone=True).id), code=303)
        except DomainError as error:
            search_error = str(error.message)
    keeper = user_can(Permission.FILE_DOCUMENTS)
    incomplete, next_key = files.incomplete_files(property_id, after_unit_id=id_arg("after")) if keeper else ([], None)
    return render_template(
        "staff/archives/index.html",
        typed=typed,
        search_error=search_error,
        keeper=keeper,
        incomplete=incomplete,
        next_key=next_key,
        paged=bool(id_arg("after")),
        overdue=loans.open_loans(property_id, overdue_only=True) if keeper else [],
    ), (422 if search_error else 200)


@bp.get("/archives/<int:unit_id>")
@staff_permission(Permission.VIEW_ARCHIVES)
def show_file(unit_id):
    """A unit's file: its documents by type, the missing required ones, add and void documents, the loans."""
    return render_template("staff/archives/show.html", **file_page(current_actor(), unit_id, get_property_id()))


@bp.post("/archives/<int:unit_id>/documents")
@staff_permission(Permission.FILE_DOCUMENTS)
def add_document(unit_id):
    """Add a scanned or photographed paper to the file; a bad file keeps the form and says why."""
    actor, property_id = current_actor(), get_property_id()
    files.get_file_unit(unit_id, property_id)
    form = document_form(unit_id, property_id, submitted=True)
    if form.validate_on_submit():
        try:
            documents.file_document(
                actor,
                unit_id=unit_id,
                type_code=form.type_code.data,
                upload=request.files.get("upload"),
                resident_id=form.resident_id.data,
                title=form.title.data or "",
                document_date=form.document_date.data,
            )
            db.session.commit()
            flash(_("The document is in the file."), "success")
            return redirect(url_for("staff.show_file", unit_id=unit_id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    context = file_page(actor, unit_id, property_id, doc_form=form)
    return render_template("staff/archives/show.html", **context), 422


@bp.post("/archives/documents/<int:document_id>/void")
@staff_permission(Permission.FILE_DOCUMENTS)
def void_document(document_id):
    """Void a wrong document with a reason; it stays listed, struck through."""
    document = documents.get_document(document_id, get_property_id())
    with flash_refusal():
        documents.void_document(current_actor(), document, request.form.get("note", ""))
        db.session.commit()
        flash(_("The document is voided; it stays in the file."), "success")
    return redirect(url_for("staff.show_file", unit_id=document.unit_id), code=303)


def _send(document_id, action):
    """Open a document for the signed-in staff member (404 unless they may see it), log the look, and send it."""
    document = documents.open_document(current_actor(), document_id, action)
    response = send_document(document, as_attachment=action == "download")
    db.session.commit()
    return response


@bp.get("/archives/documents/<int:document_id>")
@staff_permission(Permission.VIEW_ARCHIVES)
def view_document(document_id):
    """Show a document in the browser; the look is written to the file's access log."""
    return _send(document_id, "view")


@bp.get("/archives/documents/<int:document_id>/download")
@staff_permission(Permission.VIEW_ARCHIVES)
def download_document(document_id):
    """Download a document; the download is written to the file's access log."""
    return _send(document_id, "download")


@bp.post("/archives/cases/<int:case_id>/documents")
@staff_permission(Permission.FILE_DOCUMENTS)
def add_case_document(case_id):
    """Add a paper of a move-in case (a contract copy, an ID copy) to its unit's file, from the case page."""
    case = db.session.get(MoveInCase, case_id)
    if case is None or case.property_id != get_property_id():
        abort(404)
    back = safe_next(request.form.get("next")) or url_for("staff.show_file", unit_id=case.unit_id)
    with flash_refusal():
        documents.file_document(
            current_actor(),
            unit_id=case.unit_id,
            type_code=request.form.get("type_code", ""),
            upload=request.files.get("upload"),
            resident_id=case.owner_id if request.form.get("owners") else None,
            source="move_in",
            source_id=case.id,
        )
        db.session.commit()
        flash(_("The document is in the file."), "success")
    return redirect(back, code=303)


# Lending the paper file -------------------------------------------------------------------------------------------


@bp.post("/archives/<int:unit_id>/loans")
@staff_permission(Permission.LEND_FILES)
def lend_file(unit_id):
    """Lend the paper file (the manager approves by lending it); a refusal keeps what was typed."""
    actor, property_id = current_actor(), get_property_id()
    files.get_file_unit(unit_id, property_id)
    form = LendForm()
    if form.validate_on_submit():
        try:
            loans.lend_file(
                actor,
                unit_id=unit_id,
                property_id=property_id,
                borrower_name=form.borrower_name.data,
                reason=form.reason.data,
                due_on=form.due_on.data,
                note=form.note.data or "",
            )
            db.session.commit()
            flash(_("The file is lent out."), "success")
            return redirect(url_for("staff.show_file", unit_id=unit_id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/archives/show.html", **file_page(actor, unit_id, property_id, lend_form=form)), 422


@bp.post("/archives/loans/<int:loan_id>/return")
@staff_permission(Permission.FILE_DOCUMENTS)
def return_file(loan_id):
    """The paper file is back."""
    loan = loans.get_loan(loan_id, get_property_id())
    with flash_refusal():
        loans.return_file(current_actor(), loan, request.form.get("note", ""))
        db.session.commit()
        flash(_("The file is back."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("staff.show_file", unit_id=loan.unit_id), code=303)


@bp.get("/archives/loans")
@staff_permission(Permission.FILE_DOCUMENTS)
def list_file_loans():
    """The paper files lent out now (only the overdue ones on request)."""
    overdue = request.args.get("overdue") == "1"
    return render_template(
        "staff/archives/loans.html",
        overdue=overdue,
        loans=loans.open_loans(get_property_id(), overdue_only=overdue),
        is_overdue=loans.is_overdue,
    )


# The manager's document types and access log -----------------------------------------------------------------------


def _types_page(form, *, status=200):
    """The list of document types with the add form."""
    types_ = documents.list_types(get_property_id(), active_only=False)
    return render_template(
        "staff/archives/types.html", types=types_, form=form, departments=documents.DEPARTMENTS
    ), status


@bp.route("/archives/types", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_ARCHIVES)
def list_document_types():
    """The document types of the file; add one."""
    form = DocumentTypeForm()
    if form.validate_on_submit():
        try:
            types.create_type(
                current_actor(),
                get_property_id(),
                name=form.name.data,
                required=form.required.data,
                department=form.department.data,
                resident_visible=form.resident_visible.data,
            )
            db.session.commit()
            flash(_("The document type is added."), "success")
            return redirect(url_for("staff.list_document_types"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _types_page(form, status=422 if request.method == "POST" else 200)


@bp.route("/archives/types/<int:type_id>", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_ARCHIVES)
def edit_document_type(type_id):
    """Rename a type, make it required or not, say who sees it, or retire it."""
    doc_type = types.get_type(type_id, get_property_id())
    form = DocumentTypeForm(obj=doc_type)
    if form.validate_on_submit():
        try:
            types.update_type(
                current_actor(),
                doc_type,
                name=form.name.data,
                required=form.required.data,
                department=form.department.data,
                resident_visible=form.resident_visible.data,
                is_active=form.is_active.data,
            )
            db.session.commit()
            flash(_("The document type is saved."), "success")
            return redirect(url_for("staff.list_document_types"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    status = 422 if request.method == "POST" else 200
    return render_template("staff/archives/edit_type.html", doc_type=doc_type, form=form), status


@bp.get("/archives/<int:unit_id>/log")
@staff_permission(Permission.MANAGE_ARCHIVES)
def file_access_log(unit_id):
    """Who viewed or downloaded which document of the file, newest first."""
    files.get_file_unit(unit_id, get_property_id())
    rows, next_key = files.access_log(unit_id, before_id=id_arg("before"))
    return render_template(
        "staff/archives/log.html",
        unit_id=unit_id,
        label=unit_label(unit_id),
        rows=rows,
        next_key=next_key,
    )
