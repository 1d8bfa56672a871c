"""The owner's files in the console: documents, the access log, the file page, loans and the type list."""

import io

import pytest
from werkzeug.datastructures import FileStorage

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.archives import documents
from domain.archives.models import DocumentAccess
from extensions import db
from tests import builders

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def unit(prop):
    """A unit of the property."""
    return builders.create_unit()


def file_pdf(unit, type_code="purchase_contract", **fields):
    """File a PDF in the unit's file, as the desk."""
    upload = FileStorage(stream=io.BytesIO(PDF), filename="合同.pdf")
    document = documents.file_document(Actor.system(), unit_id=unit.id, type_code=type_code, upload=upload, **fields)
    db.session.commit()
    return document


def accesses():
    """The access log as (user id, action) pairs."""
    return [(a.user_id, a.action) for a in db.session.scalars(db.select(DocumentAccess).order_by(DocumentAccess.id))]


def test_viewing_and_downloading_a_document_is_logged_and_never_cached(client, auth, unit):
    document = file_pdf(unit)
    desk = builders.create_staff(Role.FRONTDESK)
    auth.login_staff(desk)
    with client.get(f"/staff/archives/documents/{document.id}") as shown:
        assert shown.status_code == 200 and shown.data == PDF
        assert shown.headers["Cache-Control"] == "private, no-store"
        assert shown.headers["Content-Disposition"].startswith("inline")
    with client.get(f"/staff/archives/documents/{document.id}/download") as downloaded:
        assert downloaded.headers["Content-Disposition"].startswith("attachment")
    assert accesses() == [(desk.id, "view"), (desk.id, "download")]


def test_engineering_cannot_open_a_contract_copy_but_can_open_an_inspection_record(client, auth, unit):
    contract = file_pdf(unit, "purchase_contract")
    record = file_pdf(unit, "inspection_record")
    engineer = builders.create_staff(Role.ENGINEERING)
    auth.login_staff(engineer)
    assert client.get(f"/staff/archives/documents/{contract.id}").status_code == 404
    assert client.get(f"/staff/archives/documents/{contract.id}/download").status_code == 404
    with client.get(f"/staff/archives/documents/{record.id}") as shown:
        assert shown.status_code == 200
    assert accesses() == [(engineer.id, "view")]
