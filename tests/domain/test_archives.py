"""The owner's file: filing, voiding, who sees what, and the access log."""

import io
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import FileStorage

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.archives import documents, files, loans, types
from domain.archives.models import ArchiveDocument, DocumentAccess, DocumentType
from domain.clock import today as clock_today
from domain.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from domain.movein.models import MoveInCase
from domain.payments.desk import record_desk_payment
from domain.renovation import documents as renovation_documents
from domain.renovation import review
from extensions import db
from tests import builders
from tests.domain import test_renovation as renovation

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


def test_desk_files_an_uploaded_pdf(unit, file_store):
    document = file_pdf(unit, title="买卖合同", resident_id=None)
    assert document.type.code == "purchase_contract"
    assert document.content_type == "application/pdf" and document.shown_name == "contract.pdf"
    assert file_store.read(document.stored_name) == PDF
    assert document.document_date == clock_today()


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
def test_a_bad_upload_is_refused_with_its_reason_and_nothing_stored(unit, file_store, data, name, words):
    with pytest.raises(DomainError) as refused:
        documents.file_document(staff_actor(), unit_id=unit.id, type_code="owner_id", upload=pdf_upload(name, data))
    assert words in str(refused.value.message) and refused.value.field == "upload"
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(ArchiveDocument.id))) == 0
    assert file_store.names() == []


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


# Completeness, loans, types -------------------------------------------------------------------------------------


def test_a_file_is_complete_once_every_required_type_has_a_valid_document(prop, unit):
    required = [t.code for t in files.required_types(prop.id)]
    assert set(required) == {
        "handover_notice",
        "purchase_contract",
        "owner_id",
        "registration_form",
        "fire_agreement",
        "handover_list",
        "inspection_record",
    }
    wrong = None
    for code in required:
        wrong = file_pdf(unit, code)
    assert files.missing_types(unit.id, prop.id) == []
    documents.void_document(staff_actor(), wrong, "扫错了")  # a voided paper does not count
    assert [t.code for t in files.missing_types(unit.id, prop.id)] == [wrong.type.code]


def test_the_incomplete_list_leaves_out_units_whose_file_has_not_started_and_pages_by_key(prop):
    started = [builders.create_unit() for _ in range(3)]
    builders.create_unit()  # in the register, no case, no document
    for unit in started:
        file_pdf(unit, "purchase_contract")
    owner = builders.create_resident(prop)
    with_case = builders.create_unit()
    db.session.add(MoveInCase(property_id=prop.id, unit_id=with_case.id, owner_id=owner.id))
    db.session.commit()
    first, key = files.incomplete_files(prop.id, limit=2)
    second, end = files.incomplete_files(prop.id, after_unit_id=key, limit=2)
    assert [f.unit_id for f in first + second] == [u.id for u in started] + [with_case.id]
    assert end is None
    assert "purchase_contract" not in [t.code for t in first[0].missing]


def test_only_the_manager_lends_a_file_and_it_is_overdue_after_its_due_date(prop, unit, clock):
    with pytest.raises(NotAllowed):
        loans.lend_file(
            staff_actor(), unit_id=unit.id, property_id=prop.id, borrower_name="甲", reason="查", due_on=date.today()
        )
    manager = staff_actor(Role.MANAGER)
    due = clock().date() + timedelta(days=2)
    loan = loans.lend_file(manager, unit_id=unit.id, property_id=prop.id, borrower_name="甲", reason="查", due_on=due)
    db.session.commit()
    assert loans.open_loans(prop.id, overdue_only=True) == []
    clock.advance(days=3)
    assert loans.open_loans(prop.id, overdue_only=True) == [(loan, f"1-{unit.number}")]
    loans.return_file(staff_actor(), loan)
    with pytest.raises(InvalidTransition):
        loans.return_file(staff_actor(), loan)
    assert loans.open_loans(prop.id) == []


def test_a_retired_type_keeps_its_documents_but_takes_no_new_ones(prop, unit):
    document = file_pdf(unit, "violation_notice")
    manager = staff_actor(Role.MANAGER)
    notice = documents.type_by_code(prop.id, "violation_notice")
    types.update_type(
        manager, notice, name=notice.name, required=False, department="", resident_visible=True, is_active=False
    )
    assert documents.visible_documents(manager, unit_id=unit.id) == [document]
    with pytest.raises(NotFound):
        file_pdf(unit, "violation_notice")
    with pytest.raises(NotAllowed):
        types.create_type(staff_actor(), prop.id, name="x")


# Renovation papers ------------------------------------------------------------------------------------------------


def test_renovation_drawings_and_the_issued_permit_are_filed_in_the_owners_file(prop, file_store):
    unit = builders.create_unit(number="1203")
    owner = builders.create_resident(prop, unit=unit, name="王芳")
    builders.create_charge(prop, code="RENO", name="装修押金", basis="one_off", rate_fen=300000)
    application = renovation.draft(prop, unit, owner)
    drawing = FileStorage(stream=io.BytesIO(PDF), filename="平面图.pdf")
    renovation_documents.add_documents(renovation.act(owner.user), application, [drawing], resident_id=owner.id)
    renovation.submit(application, owner)
    review.take_step(renovation.act(builders.create_staff(Role.FRONTDESK)), application, "check")
    review.take_step(renovation.act(builders.create_staff(Role.ENGINEERING)), application, "review")
    bill = review.approve(renovation.act(builders.create_staff(Role.MANAGER)), application, today=date(2026, 11, 17))
    record_desk_payment(staff_actor(), unit_id=unit.id, bill_ids=[bill.id], method="cash")
    db.session.commit()
    filed = documents.documents_of_source("renovation", application.id)
    assert [d.type.code for d in filed] == ["renovation", "renovation_permit"]
    assert filed[0].stored_name == application.documents[0].stored_name  # the same file, not a copy
    assert file_store.read(filed[1].stored_name).startswith(b"%PDF-")
    assert documents.visible_documents(resident_actor(owner)) == filed
