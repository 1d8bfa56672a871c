"""The resident's own file in the portal: their units' documents, each look logged, a neighbour's never."""

import io

import pytest
from werkzeug.datastructures import FileStorage

from domain.accounts.models import Actor
from domain.archives import documents
from domain.archives.models import DocumentAccess
from domain.movein.models import CaseStatus, MoveInCase
from extensions import db
from tests import builders

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def unit(prop):
    """A unit of the property."""
    return builders.create_unit()


def file_pdf(unit, type_code="purchase_contract", **fields):
    """File a PDF in the unit's file."""
    upload = FileStorage(stream=io.BytesIO(PDF), filename="合同.pdf")
    document = documents.file_document(Actor.system(), unit_id=unit.id, type_code=type_code, upload=upload, **fields)
    db.session.commit()
    return document


def test_a_resident_sees_and_downloads_their_own_file(client, auth, prop, unit):
    owner = builders.create_resident(prop, unit)
    contract = file_pdf(unit, title="购房合同")
    file_pdf(unit, "contract", title="内部合同")
    file_pdf(builders.create_unit(), title="邻居的合同")
    auth.login_resident(owner.user)
    page = client.get("/portal/documents").get_data(as_text=True)
    assert "购房合同" in page and "内部合同" not in page and "邻居的合同" not in page
    assert 'href="/portal/documents"' in page  # the tab
    with client.get(f"/portal/documents/{contract.id}/download") as downloaded:
        assert downloaded.status_code == 200 and downloaded.data == PDF
        assert downloaded.headers["Cache-Control"] == "private, no-store"
        assert downloaded.headers["Content-Disposition"].startswith("attachment")
    with client.get(f"/portal/documents/{contract.id}") as shown:
        assert shown.status_code == 200
    log = db.session.scalars(db.select(DocumentAccess).order_by(DocumentAccess.id)).all()
    assert [(a.user_id, a.action) for a in log] == [(owner.user_id, "download"), (owner.user_id, "view")]


def test_a_neighbour_gets_404_on_every_document_url(client, auth, prop, unit):
    builders.create_resident(prop, unit)
    contract = file_pdf(unit)
    neighbour = builders.create_resident(prop, builders.create_unit())
    auth.login_resident(neighbour.user)
    assert client.get(f"/portal/documents/{contract.id}").status_code == 404
    assert client.get(f"/portal/documents/{contract.id}/download").status_code == 404
    assert client.get("/portal/documents/99999").status_code == 404
    assert "合同.pdf" not in client.get("/portal/documents").get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(DocumentAccess.id))) == 0


def test_a_voided_document_leaves_the_residents_file(client, auth, prop, unit):
    owner = builders.create_resident(prop, unit)
    contract = file_pdf(unit, title="传错的合同")
    documents.void_document(Actor.system(), contract, "传错了")
    db.session.commit()
    auth.login_resident(owner.user)
    assert "传错的合同" not in client.get("/portal/documents").get_data(as_text=True)
    assert client.get(f"/portal/documents/{contract.id}").status_code == 404


def test_the_owner_of_an_open_move_in_case_sees_its_papers_before_moving_in(client, auth, prop, unit):
    owner = builders.create_resident(prop)  # not living anywhere yet
    case = MoveInCase(property_id=prop.id, unit_id=unit.id, owner_id=owner.id, status=CaseStatus.BOOKED)
    db.session.add(case)
    db.session.commit()
    notice = file_pdf(unit, "handover_notice", title="入住通知书 A-1", source="move_in", source_id=case.id)
    auth.login_resident(owner.user)
    assert "入住通知书 A-1" in client.get("/portal/documents").get_data(as_text=True)
    case.status = CaseStatus.CANCELLED
    db.session.commit()
    assert client.get(f"/portal/documents/{notice.id}").status_code == 404


def test_staff_are_refused_the_portal_documents(client, auth):
    auth.login_staff(builders.create_staff())
    assert client.get("/portal/documents").status_code == 403
