"""The owner's file: filing, voiding, who sees what, and the access log."""

import io

import pytest
from werkzeug.datastructures import FileStorage

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.archives import documents
from domain.archives.models import ArchiveDocument, DocumentAccess, DocumentType
from domain.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from extensions import db
from tests import builders

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name="contract.pdf", data=PDF):
    """A PDF as a browser would send it."""
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="application/pdf")


def staff_actor(role=Role.FRONTDESK):
    """An actor for a new staff member with `role`."""
    return Actor.for_user(builders.create_staff(role), "test")


def resident_actor(resident):
    """An actor for a resident's portal account."""
    return Actor.for_user(resident.user, "test")


@pytest.fixture
def unit(prop):
    """A unit of the property."""
    return builders.create_unit()


def file_pdf(unit, type_code="purchase_contract", actor=None, **fields):
    """File a PDF in `unit`'s file and commit."""
    document = documents.file_document(
        actor or staff_actor(), unit_id=unit.id, type_code=type_code, upload=pdf_upload(), **fields
    )
    db.session.commit()
    return document


def test_default_types_are_installed_once(prop):
    documents.ensure_document_types(prop.id)
    documents.ensure_document_types(prop.id)
    codes = db.session.scalars(db.select(DocumentType.code).where(DocumentType.property_id == prop.id)).all()
    assert len(codes) == len(set(codes)) == len(documents.DEFAULT_TYPES)
    inspection = documents.type_by_code(prop.id, "inspection_record")
    assert inspection.required and inspection.department == "engineering" and inspection.name == "验房记录表"


def test_desk_files_an_uploaded_pdf(unit, upload_folder):
    document = file_pdf(unit, title="买卖合同", resident_id=None)
    assert document.type.code == "purchase_contract"
    assert document.content_type == "application/pdf" and document.shown_name == "contract.pdf"
    assert (upload_folder / document.stored_name).read_bytes() == PDF
    assert document.document_date.isoformat() == "2026-11-17"


def test_a_pdf_the_system_made_is_filed_from_bytes(unit):
    engineer = staff_actor(Role.ENGINEERING)
    document = documents.file_document(
        engineer,
        unit_id=unit.id,
        type_code="inspection_record",
        data=PDF,
        filename="验房记录表.pdf",
        source="inspection",
        source_id=7,
    )
    assert document.shown_name == "验房记录表.pdf"
    assert documents.documents_of_source("inspection", 7) == [document]


def test_engineering_cannot_upload_into_the_file(unit):
    with pytest.raises(NotAllowed):
        documents.file_document(
            staff_actor(Role.ENGINEERING), unit_id=unit.id, type_code="contract", upload=pdf_upload()
        )


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"just some text", "notes.txt", "既不是 PDF"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "IMG_0001.HEIC", "HEIC"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "photo.jpg", "HEIC"),
    ],
)
def test_a_bad_upload_is_refused_with_its_reason_and_nothing_stored(unit, upload_folder, data, name, words):
    with pytest.raises(DomainError) as refused:
        documents.file_document(staff_actor(), unit_id=unit.id, type_code="owner_id", upload=pdf_upload(name, data))
    assert words in str(refused.value.message) and refused.value.field == "upload"
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(ArchiveDocument.id))) == 0
    assert list(upload_folder.iterdir()) == []


def test_a_too_large_upload_is_refused(app, unit, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_PHOTO_BYTES", 20)
    with pytest.raises(DomainError) as refused:
        documents.file_document(staff_actor(), unit_id=unit.id, type_code="owner_id", upload=pdf_upload())
    assert "超过" in str(refused.value.message)


def test_voiding_keeps_the_document_and_needs_a_reason(unit):
    document = file_pdf(unit)
    desk = staff_actor()
    with pytest.raises(DomainError) as refused:
        documents.void_document(desk, document, "  ")
    assert refused.value.field == "reason"
    documents.void_document(desk, document, "传错了文件")
    db.session.commit()
    assert db.session.get(ArchiveDocument, document.id).void_reason == "传错了文件"
    assert documents.visible_documents(desk, unit_id=unit.id) == [document]
    with pytest.raises(InvalidTransition):
        documents.void_document(desk, document, "again")


def test_engineering_sees_inspection_records_but_not_contracts(unit):
    contract = file_pdf(unit, "purchase_contract")
    record = file_pdf(unit, "inspection_record")
    engineer = staff_actor(Role.ENGINEERING)
    with pytest.raises(NotFound):
        documents.open_document(engineer, contract.id, "view")
    assert documents.open_document(engineer, record.id, "view") == record
    assert documents.visible_documents(engineer, unit_id=unit.id) == [record]
    assert not documents.may_see(staff_actor(Role.FINANCE), record)
    assert not documents.may_see(staff_actor(Role.SECURITY), contract)
    assert documents.may_see(staff_actor(Role.ASSISTANT), contract)


def test_every_view_and_download_is_logged(unit):
    contract = file_pdf(unit)
    desk = staff_actor()
    documents.open_document(desk, contract.id, "view")
    documents.open_document(desk, contract.id, "download")
    documents.open_document(desk, contract.id, "view")
    db.session.commit()
    log = db.session.scalars(db.select(DocumentAccess).order_by(DocumentAccess.id)).all()
    assert [(a.action, a.user_id, a.unit_id) for a in log] == [
        ("view", desk.user_id, unit.id),
        ("download", desk.user_id, unit.id),
        ("view", desk.user_id, unit.id),
    ]


def test_a_resident_sees_their_own_units_visible_documents_only(prop, unit):
    owner = builders.create_resident(prop, unit)
    neighbour = builders.create_resident(prop, builders.create_unit())
    contract = file_pdf(unit, "purchase_contract")
    internal = file_pdf(unit, "contract")
    own_id = file_pdf(unit, "owner_id", resident_id=owner.id)
    spouse = builders.create_resident(prop, unit)
    me = resident_actor(owner)
    assert documents.open_document(me, contract.id, "download") == contract
    assert documents.may_see(me, own_id)
    assert not documents.may_see(me, internal)
    assert not documents.may_see(resident_actor(spouse), own_id)
    with pytest.raises(NotFound):
        documents.open_document(resident_actor(neighbour), contract.id, "view")
    db.session.commit()
    log = db.session.scalars(db.select(DocumentAccess)).all()
    assert [(a.user_name, a.action) for a in log] == [(f"resident: {owner.name}", "download")]
