"""The owner's files in the console: documents, the access log, the file page, loans and the type list."""

import io
from datetime import timedelta

import flask_login
import pytest
from flask import render_template
from werkzeug.datastructures import FileStorage

from domain.accounts.models import Actor, SignedInUser
from domain.accounts.roles import Role
from domain.accounts.services import role_of
from domain.archives import documents, types
from domain.archives.models import ArchiveDocument, DocumentAccess, DocumentType, FileLoan
from domain.clock import today as clock_today
from domain.movein.models import MoveInCase
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


def test_the_file_page_lists_documents_by_type_and_the_missing_required_ones(client, auth, unit):
    file_pdf(unit, "purchase_contract", title="买卖合同 2026")
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    page = client.get(f"/staff/archives/{unit.id}").get_data(as_text=True)
    assert "买卖合同 2026" in page and "房屋买卖合同复印件" in page
    assert "入住通知书" in page and "验房记录表" in page  # missing required types
    assert 'enctype="multipart/form-data"' in page


def test_engineering_sees_only_inspection_records_in_the_file(client, auth, unit):
    file_pdf(unit, "purchase_contract", title="买卖合同 2026")
    file_pdf(unit, "inspection_record", title="验房 2026-11-17")
    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    page = client.get(f"/staff/archives/{unit.id}").get_data(as_text=True)
    assert "验房 2026-11-17" in page and "买卖合同 2026" not in page
    assert f'action="/staff/archives/{unit.id}/documents"' not in page  # engineering files nothing
    assert "档案还缺" not in page  # the gaps are the keepers' business


def test_the_desk_adds_a_document(client, auth, unit, prop):
    owner = builders.create_resident(prop, unit)
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    response = client.post(
        f"/staff/archives/{unit.id}/documents",
        data={
            "upload": (io.BytesIO(PDF), "身份证.pdf"),
            "type_code": "owner_id",
            "title": "业主身份证",
            "document_date": "2026-11-10",
            "resident_id": str(owner.id),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    document = db.session.scalar(db.select(ArchiveDocument))
    assert (document.title, document.resident_id, str(document.document_date)) == ("业主身份证", owner.id, "2026-11-10")
    assert document.type.code == "owner_id" and document.added_by_id is not None


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"hello", "notes.txt", "既不是 PDF"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "IMG_0001.HEIC", "HEIC"),
        (PDF * 10, "big.pdf", "超过"),
    ],
)
def test_a_bad_upload_keeps_the_form_and_says_why(app, client, auth, unit, monkeypatch, data, name, words):
    monkeypatch.setitem(app.config, "MAX_PHOTO_BYTES", len(PDF) * 5)
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    response = client.post(
        f"/staff/archives/{unit.id}/documents",
        data={"upload": (io.BytesIO(data), name), "type_code": "owner_id", "title": "我输入的标题"},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert words in page and 'value="我输入的标题"' in page
    assert db.session.scalar(db.select(db.func.count(ArchiveDocument.id))) == 0


def test_an_upload_without_a_file_is_refused(client, auth, unit):
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    response = client.post(f"/staff/archives/{unit.id}/documents", data={"type_code": "owner_id", "title": "x"})
    assert response.status_code == 422 and "请选择要添加的文件" in response.get_data(as_text=True)


def test_voiding_needs_a_reason_and_keeps_the_document_listed_struck_through(client, auth, unit):
    document = file_pdf(unit, title="错的合同")
    desk = builders.create_staff(Role.FRONTDESK)
    auth.login_staff(desk)
    client.post(f"/staff/archives/documents/{document.id}/void", data={"note": ""})
    assert db.session.get(ArchiveDocument, document.id).voided_at is None
    response = client.post(f"/staff/archives/documents/{document.id}/void", data={"note": "传错了"})
    assert response.status_code == 303
    page = client.get(f"/staff/archives/{unit.id}").get_data(as_text=True)
    assert "<s>" in page and "错的合同" in page and "传错了" in page and desk.display_name in page


def test_engineering_cannot_void(client, auth, unit):
    document = file_pdf(unit, "inspection_record")
    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    assert client.post(f"/staff/archives/documents/{document.id}/void", data={"note": "x"}).status_code == 403
    assert db.session.get(ArchiveDocument, document.id).voided_at is None


def test_the_manager_lends_the_file_and_the_desk_takes_it_back(client, auth, unit):
    manager = builders.create_staff(Role.MANAGER)
    auth.login_staff(manager)
    response = client.post(
        f"/staff/archives/{unit.id}/loans",
        data={"borrower_name": "工程部王工", "reason": "核对图纸", "due_on": str(clock_today() + timedelta(days=3))},
    )
    assert response.status_code == 303
    loan = db.session.scalar(db.select(FileLoan))
    assert loan.approved_by_id == manager.id and loan.lent_on == clock_today()
    assert "工程部王工" in client.get("/staff/archives/loans").get_data(as_text=True)
    assert "工程部王工" not in client.get("/staff/archives/loans?overdue=1").get_data(as_text=True)
    again = client.post(
        f"/staff/archives/{unit.id}/loans",
        data={"borrower_name": "张三", "reason": "查", "due_on": str(clock_today() + timedelta(days=13))},
    )
    assert again.status_code == 422 and "归还后才能再借" in again.get_data(as_text=True)
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    client.post(f"/staff/archives/loans/{loan.id}/return", data={"note": "完好"})
    assert db.session.get(FileLoan, loan.id).returned_at is not None
    assert "工程部王工" not in client.get("/staff/archives/loans").get_data(as_text=True)


def test_an_overdue_loan_is_listed_until_the_file_is_back(client, auth, unit, prop):
    manager = builders.create_staff(Role.MANAGER)
    late = FileLoan(
        property_id=prop.id,
        unit_id=unit.id,
        borrower_name="工程部王工",
        reason="核对图纸",
        approved_by_id=manager.id,
        lent_on=clock_today() - timedelta(days=16),
        due_on=clock_today() - timedelta(days=7),
    )
    db.session.add(late)
    db.session.commit()
    auth.login_staff(manager)
    assert "工程部王工" in client.get("/staff/archives/loans?overdue=1").get_data(as_text=True)
    assert "工程部王工" in client.get("/staff/archives/").get_data(as_text=True)
    assert "逾期" in client.get(f"/staff/archives/{unit.id}").get_data(as_text=True)
    client.post(f"/staff/archives/loans/{late.id}/return", data={})
    assert "工程部王工" not in client.get("/staff/archives/loans?overdue=1").get_data(as_text=True)


def test_a_loan_without_a_reason_or_with_a_past_date_is_refused_keeping_what_was_typed(client, auth, unit):
    auth.login_staff(builders.create_staff(Role.MANAGER))
    yesterday = str(clock_today() - timedelta(days=1))
    response = client.post(
        f"/staff/archives/{unit.id}/loans", data={"borrower_name": "李四", "reason": "", "due_on": yesterday}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="李四"' in page and "请说明借阅的原因" in page
    assert db.session.scalar(db.select(db.func.count(FileLoan.id))) == 0
    response = client.post(
        f"/staff/archives/{unit.id}/loans", data={"borrower_name": "李四", "reason": "查", "due_on": yesterday}
    )
    assert response.status_code == 422 and "今天或以后" in response.get_data(as_text=True)


def test_the_desk_cannot_lend_the_file(client, auth, unit):
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    data = {"borrower_name": "李四", "reason": "查", "due_on": str(clock_today() + timedelta(days=3))}
    assert client.post(f"/staff/archives/{unit.id}/loans", data=data).status_code == 403


def test_incomplete_files_list_only_started_files(client, auth, prop, unit):
    untouched = builders.create_unit()
    file_pdf(unit, "purchase_contract")
    auth.login_staff(builders.create_staff(Role.ASSISTANT))
    page = client.get("/staff/archives/").get_data(as_text=True)
    assert f"/staff/archives/{unit.id}" in page and f'/staff/archives/{untouched.id}"' not in page


def test_searching_a_unit_opens_its_file(client, auth, unit):
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    response = client.get(f"/staff/archives/?unit=1-{unit.number}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/staff/archives/{unit.id}")
    missing = client.get("/staff/archives/?unit=9-9999")
    assert missing.status_code == 422 and 'value="9-9999"' in missing.get_data(as_text=True)


def test_the_manager_reads_the_access_log_of_a_file(client, auth, unit, prop):
    document = file_pdf(unit, title="买卖合同 2026")
    owner = builders.create_resident(prop, unit)
    desk = builders.create_staff(Role.FRONTDESK)
    auth.login_staff(desk)
    client.get(f"/staff/archives/documents/{document.id}").close()
    auth.logout("staff")
    auth.login_resident(owner.user)
    client.get(f"/portal/documents/{document.id}/download").close()
    auth.logout("portal")
    auth.login_staff(builders.create_staff(Role.MANAGER))
    page = client.get(f"/staff/archives/{unit.id}/log").get_data(as_text=True)
    assert desk.display_name in page and owner.name in page and "买卖合同 2026" in page


def test_the_manager_edits_the_document_types(client, auth, prop):
    auth.login_staff(builders.create_staff(Role.MANAGER))
    response = client.post(
        "/staff/archives/types", data={"name": "车位租赁合同", "department": "finance", "resident_visible": "y"}
    )
    assert response.status_code == 303
    added = db.session.scalar(db.select(DocumentType).where(DocumentType.name == "车位租赁合同"))
    assert added.department == "finance" and added.code == f"type_{added.id}"
    clash = client.post("/staff/archives/types", data={"name": "车位租赁合同", "department": ""})
    assert clash.status_code == 422
    response = client.post(
        f"/staff/archives/types/{added.id}", data={"name": "车位合同", "department": "finance", "required": "y"}
    )
    assert response.status_code == 303
    db.session.refresh(added)
    assert (added.name, added.required, added.resident_visible, added.is_active) == ("车位合同", True, False, False)
    assert "车位合同" in client.get("/staff/archives/types").get_data(as_text=True)


def test_finance_sees_a_finance_type_only(client, auth, prop, unit):
    manager = Actor.for_user(builders.create_staff(Role.MANAGER), "test")
    fee_type = types.create_type(manager, prop.id, name="收费协议", department="finance")
    db.session.commit()
    fees = file_pdf(unit, fee_type.code, title="收费协议 2026")
    contract = file_pdf(unit, "purchase_contract")
    auth.login_staff(builders.create_staff(Role.FINANCE))
    with client.get(f"/staff/archives/documents/{fees.id}") as shown:
        assert shown.status_code == 200
    assert client.get(f"/staff/archives/documents/{contract.id}").status_code == 404


def test_the_case_panel_lists_the_case_papers_with_an_upload_form(app, client, auth, prop, unit):
    owner = builders.create_resident(prop)
    case = MoveInCase(property_id=prop.id, unit_id=unit.id, owner_id=owner.id)
    db.session.add(case)
    db.session.commit()
    file_pdf(unit, "purchase_contract", title="买卖合同（入住）", source="move_in", source_id=case.id)
    file_pdf(unit, "purchase_contract", title="别处的合同")
    desk = builders.create_staff(Role.FRONTDESK)
    auth.login_staff(desk)
    response = client.post(
        f"/staff/archives/cases/{case.id}/documents",
        data={"upload": (io.BytesIO(PDF), "id.pdf"), "type_code": "owner_id", "owners": "1", "next": "/staff/"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/")
    added = documents.documents_of_source("move_in", case.id)[-1]
    assert added.resident_id == owner.id and added.type.code == "owner_id"
    with app.test_request_context("/staff/move-in/1"):
        login_user_for_template(desk)
        html = render_template("staff/archives/_case_documents.html", case=case)
    assert "买卖合同（入住）" in html and "别处的合同" not in html and "add_case_document" not in html
    assert f"/staff/archives/cases/{case.id}/documents" in html


def login_user_for_template(user):
    """Sign `user` in for a template rendered outside a request of the test client."""
    role = role_of(user.id)
    flask_login.login_user(SignedInUser(user.id, user.username, user.display_name, user.kind, role, None, 0, "t"))


def test_the_file_page_costs_the_same_statements_for_three_documents_or_twelve(client, auth, unit, count_queries):
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    counts = []
    for more in (3, 9):
        for _ in range(more):
            document = file_pdf(unit, "owner_id")
        documents.void_document(Actor.system(), document, "错")
        db.session.commit()
        with count_queries() as counter:
            assert client.get(f"/staff/archives/{unit.id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
