"""Renovation over HTTP: the resident's application pages (ownership, bad input kept, uploads), the console's
review steps by role, the printable permit and the gate check."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.billing.models import Bill
from domain.clock import today
from domain.renovation import permits, review
from domain.renovation.models import RenovationApplication, RenovationDocument, RenovationStatus, RenovationWorker
from extensions import db
from tests import builders

ID_NUMBER = "11010519491231002X"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def plan(**changes):
    """A complete application form."""
    start = today() + timedelta(days=7)
    values = {
        "scope": ["walls", "plumbing"],
        "description": "卫生间改造，拆除一面非承重墙。",
        "contractor_company": "沈阳美家装饰有限公司",
        "contractor_licence": "91210100MA0XXXXX1",
        "contractor_person": "赵工",
        "contractor_phone": "13800138000",
        "planned_start": start.isoformat(),
        "planned_end": (start + timedelta(days=30)).isoformat(),
        "work_from": "08:30",
        "work_until": "17:30",
    }
    values.update(changes)
    return values


@pytest.fixture
def home(prop):
    """Unit 1-1203 with its owner, and a neighbour of 1-0901."""
    unit = builders.create_unit(number="1203")
    owner = builders.create_resident(prop, unit=unit, name="王芳")
    neighbour = builders.create_resident(prop, unit=builders.create_unit(number="0901", floor=9), name="赵邻居")
    return unit, owner, neighbour


def start(client, unit):
    """Start an application as the signed-in resident; its id."""
    response = client.post("/portal/renovations", data={"unit_id": unit.id})
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def fill(client, application_id):
    """Save a complete plan and register one worker."""
    assert client.post(f"/portal/renovations/{application_id}", data=plan()).status_code == 303
    assert (
        client.post(
            f"/portal/renovations/{application_id}/workers",
            data={"worker_name": "钱师傅", "worker_phone": "13900001111", "worker_id": ID_NUMBER},
        ).status_code
        == 303
    )


def submitted(client, auth, unit, owner):
    """A submitted application of `owner`; its id."""
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    fill(client, application_id)
    response = client.post(
        f"/portal/renovations/{application_id}/submit", data={"accept_undertakings": "y", "signed_name": "王芳"}
    )
    assert response.status_code == 303
    auth.logout()
    return application_id


def test_a_resident_applies_saves_and_submits(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    assert client.get("/portal/renovations").status_code == 200
    application_id = start(client, unit)
    fill(client, application_id)
    page = client.get(f"/portal/renovations/{application_id}").get_data(as_text=True)
    assert "钱师傅" in page and "1*************002X" in page and ID_NUMBER not in page
    response = client.post(
        f"/portal/renovations/{application_id}/submit", data={"accept_undertakings": "y", "signed_name": "王芳"}
    )
    assert response.status_code == 303
    application = db.session.get(RenovationApplication, application_id)
    assert application.status == RenovationStatus.SUBMITTED and application.signed_name == "王芳"


def test_bad_dates_and_hours_are_refused_with_the_typed_values_kept(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    fill(client, application_id)
    client.post(f"/portal/renovations/{application_id}", data=plan(work_from="06:00", description="夜间也想施工"))
    response = client.post(
        f"/portal/renovations/{application_id}/submit", data={"accept_undertakings": "y", "signed_name": "王芳"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="work_from-error"' in html and 'value="06:00"' in html
    assert db.session.get(RenovationApplication, application_id).status == RenovationStatus.DRAFT


def test_an_unreadable_date_is_refused_and_nothing_is_saved(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    response = client.post(
        f"/portal/renovations/{application_id}", data=plan(planned_start="明天", description="保留我写的内容")
    )
    assert response.status_code == 422
    assert "保留我写的内容" in response.get_data(as_text=True)
    assert db.session.get(RenovationApplication, application_id).description == ""


def test_submitting_without_signing_is_refused(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    fill(client, application_id)
    response = client.post(f"/portal/renovations/{application_id}/submit", data={"signed_name": "王芳"})
    assert response.status_code == 422 and 'id="accept_undertakings-error"' in response.get_data(as_text=True)
    assert db.session.get(RenovationApplication, application_id).status == RenovationStatus.DRAFT


def test_a_bad_worker_id_is_refused_and_the_typed_name_kept(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    response = client.post(
        f"/portal/renovations/{application_id}/workers",
        data={"worker_name": "孙师傅", "worker_phone": "13900001111", "worker_id": "12345"},
    )
    assert response.status_code == 422
    assert 'value="孙师傅"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(RenovationWorker.id))) == 0


def test_drawings_are_pdfs_or_pictures_and_go_only_to_the_applicant_and_staff(app, client, auth, home):
    unit, owner, neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(picture, "PNG")
    response = client.post(
        f"/portal/renovations/{application_id}/documents",
        content_type="multipart/form-data",
        data={"documents": [(io.BytesIO(PDF), "平面图.pdf"), (io.BytesIO(picture.getvalue()), "墙.png")]},
    )
    assert response.status_code == 303
    refused = client.post(
        f"/portal/renovations/{application_id}/documents",
        content_type="multipart/form-data",
        data={"documents": [(io.BytesIO(b"not a drawing"), "说明.txt")]},
    )
    assert refused.status_code == 422 and "说明.txt" in refused.get_data(as_text=True)
    documents = db.session.scalars(select(RenovationDocument).order_by(RenovationDocument.id)).all()
    assert [d.content_type for d in documents] == ["application/pdf", "image/png"]
    pdf = client.get(f"/portal/renovations/{application_id}/documents/{documents[0].id}")
    assert pdf.status_code == 200 and pdf.data == PDF and "no-store" in pdf.headers["Cache-Control"]
    pdf.close()
    auth.logout()
    auth.login_resident(neighbour.user)
    assert client.get(f"/portal/renovations/{application_id}/documents/{documents[0].id}").status_code == 404
    auth.logout()
    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    assert client.get(f"/staff/renovations/{application_id}/documents/{documents[0].id}").status_code == 404  # a draft


def test_a_neighbour_is_refused_on_every_route_of_the_application(client, auth, home):
    unit, owner, neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    auth.logout()
    auth.login_resident(neighbour.user)
    for method, path, data in (
        ("GET", "", None),
        ("POST", "", plan()),
        ("POST", "/workers", {"worker_name": "x", "worker_phone": "13900001111", "worker_id": ID_NUMBER}),
        ("POST", "/documents", {}),
        ("POST", "/submit", {"accept_undertakings": "y", "signed_name": "赵"}),
        ("POST", "/cancel", {}),
        ("POST", "/comment", {"body": "hi"}),
    ):
        response = client.open(f"/portal/renovations/{application_id}{path}", method=method, data=data)
        assert response.status_code == 404, (method, path)
    assert client.post("/portal/renovations", data={"unit_id": unit.id}).status_code == 404
    assert db.session.get(RenovationApplication, application_id).status == RenovationStatus.DRAFT
    assert "1-1203" not in client.get("/portal/renovations").get_data(as_text=True)


def test_staff_review_by_role_then_the_deposit_bill_the_permit_and_the_gate(client, auth, prop, home):
    unit, owner, _neighbour = home
    builders.create_charge(prop, code="RENO", name="装修押金", basis="one_off", rate_fen=300000)
    application_id = submitted(client, auth, unit, owner)
    url = f"/staff/renovations/{application_id}"

    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    assert client.post(f"{url}/step", data={"action": "review"}).status_code == 422  # the desk's check comes first
    assert client.post(f"{url}/step", data={"action": "reject", "note": "x"}).status_code == 403  # the manager decides
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    assert str(application_id) in client.get("/staff/renovations/").get_data(as_text=True)
    assert client.post(f"{url}/step", data={"action": "check"}).status_code == 303
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    assert client.post(f"{url}/step", data={"action": "review"}).status_code == 303
    auth.logout("staff")
    manager = builders.create_staff(Role.MANAGER)
    auth.login_staff(manager)
    refused = client.post(f"{url}/step", data={"action": "reject", "note": ""})
    assert refused.status_code == 422
    assert client.post(f"{url}/step", data={"action": "approve", "note": "同意"}).status_code == 303
    application = db.session.get(RenovationApplication, application_id)
    assert application.status == RenovationStatus.APPROVED
    bill = db.session.get(Bill, application.deposit_bill_id)
    assert bill.total_fen == 300000 and bill.unit_id == unit.id
    early = client.post(f"{url}/step", data={"action": "issue_permit"})
    assert early.status_code == 422  # not paid yet
    bill.paid_fen = bill.total_fen
    db.session.commit()
    assert client.post(f"{url}/step", data={"action": "issue_permit"}).status_code == 303
    permit = client.get(f"{url}/permit").get_data(as_text=True)
    assert '<svg class="qr"' in permit and "1-1203" in permit and "钱师傅" in permit
    pdf = client.get(f"{url}/permit.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "装修许可证" in text and "1-1203" in text and "钱师傅" in text
    from domain.renovation.permits import permit_code

    code = permit_code(db.session.get(RenovationApplication, application_id))
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    assert client.get(f"/staff/renovations/permit/{code}").status_code == 403  # the gate is security's
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.SECURITY))
    gate = client.get(f"/staff/renovations/permit/{code}")
    assert gate.status_code == 200 and "permit-check bad" in gate.get_data(as_text=True)  # starts next week
    db.session.get(RenovationApplication, application_id).planned_start = today()
    db.session.commit()
    gate = client.get(f"/staff/renovations/permit/{code}").get_data(as_text=True)
    assert "permit-check ok" in gate and "1*************002X" in gate
    assert client.get(f"/staff/renovations/permit/{code}x").status_code == 404


def test_the_resident_sees_the_question_and_answers_it(client, auth, home):
    unit, owner, _neighbour = home
    application_id = submitted(client, auth, unit, owner)
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    client.post(
        f"/staff/renovations/{application_id}/step", data={"action": "request_changes", "note": "请补充水电图。"}
    )
    auth.logout("staff")
    auth.login_resident(owner.user)
    page = client.get(f"/portal/renovations/{application_id}").get_data(as_text=True)
    assert "请补充水电图。" in page and 'action="/portal/renovations/%d/submit"' % application_id in page  # noqa: UP031
    assert client.post(f"/portal/renovations/{application_id}/comment", data={"body": "已补充。"}).status_code == 303
    assert client.post(f"/portal/renovations/{application_id}/comment", data={"body": ""}).status_code == 422


def test_staff_do_not_see_a_residents_draft(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    auth.logout()
    auth.login_staff(builders.create_staff(Role.MANAGER))
    assert client.get(f"/staff/renovations/{application_id}").status_code == 404
    assert f"#{application_id}" not in client.get("/staff/renovations/?status=any").get_data(as_text=True)


def test_a_resident_withdraws_while_no_decision_is_taken(client, auth, home):
    unit, owner, _neighbour = home
    application_id = submitted(client, auth, unit, owner)
    auth.login_resident(owner.user)
    assert client.post(f"/portal/renovations/{application_id}/cancel").status_code == 303
    assert db.session.get(RenovationApplication, application_id).status == RenovationStatus.CANCELLED
    assert client.post(f"/portal/renovations/{application_id}/cancel").status_code == 409


def permitted(client, auth, prop, unit, owner):
    """An application of `owner` through review, approval, payment and permit; its id."""
    application_id, bill = approved(client, auth, prop, unit, owner)
    bill.paid_fen = bill.total_fen
    permits.issue_permit(Actor.system("test"), db.session.get(RenovationApplication, application_id))
    db.session.commit()
    return application_id


def test_security_records_an_inspection_and_a_violation_the_resident_sees(app, client, auth, prop, home):
    unit, owner, _neighbour = home
    application_id = permitted(client, auth, prop, unit, owner)
    url = f"/staff/renovations/{application_id}"
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    assert client.post(f"{url}/inspections", data={"findings": "x"}).status_code == 403
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.SECURITY))
    photo = io.BytesIO()
    Image.new("RGB", (40, 30), (90, 90, 90)).save(photo, "JPEG")
    response = client.post(
        f"{url}/inspections",
        content_type="multipart/form-data",
        data={"findings": "楼道堆放建筑垃圾。", "photos": [(io.BytesIO(photo.getvalue()), "楼道.jpg")]},
    )
    assert response.status_code == 303
    for bad in (
        {"deadline": (today() - timedelta(days=1)).isoformat(), "fine": "100"},
        {"deadline": today().isoformat(), "fine": "abc"},
        {"deadline": "", "fine": "0"},
    ):
        refused = client.post(f"{url}/violations", data={"kind": "waste", "description": "楼道堆放垃圾", **bad})
        assert refused.status_code == 422
    assert (
        client.post(
            f"{url}/violations",
            data={"kind": "waste", "description": "楼道堆放垃圾", "deadline": today().isoformat(), "fine": "200"},
        ).status_code
        == 303
    )
    page = client.get(url).get_data(as_text=True)
    assert "楼道堆放建筑垃圾。" in page and "¥200.00" in page and 'class="thumb"' in page
    auth.logout("staff")
    auth.login_resident(owner.user)
    portal = client.get(f"/portal/renovations/{application_id}").get_data(as_text=True)
    assert "楼道堆放垃圾" in portal and "楼道.jpg" not in portal  # inspection photos are not among the drawings


def test_a_renovation_violation_shows_in_the_violation_lists_and_the_owners_notices(client, auth, prop, home):
    from domain.violations.models import Violation

    unit, owner, neighbour = home
    application_id = permitted(client, auth, prop, unit, owner)
    url = f"/staff/renovations/{application_id}"
    auth.login_staff(builders.create_staff(Role.SECURITY))
    data = {
        "kind": "outside_hours",
        "description": "21:30 仍在电钻施工",
        "deadline": today().isoformat(),
        "fine": "300",
    }
    assert client.post(f"{url}/violations", data=data).status_code == 303
    violation = db.session.scalars(select(Violation)).one()
    listed = client.get("/staff/violations/").get_data(as_text=True)
    assert f"/staff/violations/{violation.id}" in listed and "装修超时施工" in listed
    page = client.get(f"/staff/violations/{violation.id}").get_data(as_text=True)
    assert f'href="{url}"' in page and "从押金扣除" in page  # its renovation, and where its fine comes from
    assert "/fine" not in page and "/advance" not in page and "/refer" not in page  # never billed nor escalated
    auth.logout("staff")
    auth.login_resident(owner.user)
    notices = client.get("/portal/notices").get_data(as_text=True)
    assert "违章通知书" in notices and f"/portal/notices/violations/{violation.id}" in notices
    assert "21:30 仍在电钻施工" in client.get(f"/portal/notices/violations/{violation.id}").get_data(as_text=True)
    auth.logout("portal")
    auth.login_resident(neighbour.user)
    assert client.get(f"/portal/notices/violations/{violation.id}").status_code == 404
    auth.logout("portal")
    # Security waives it from the violation's own page; the renovation reads it waived, with the reason, and free.
    auth.login_staff(builders.create_staff(Role.SECURITY))
    response = client.post(f"/staff/violations/{violation.id}/withdraw", data={"reason": "经核实为邻居家施工"})
    assert response.status_code == 303
    renovation = client.get(url).get_data(as_text=True)
    assert "免于处罚: 经核实为邻居家施工" in renovation and "罚款合计" not in renovation  # no fine from the deposit


@pytest.mark.parametrize(
    "deadline, fine, message",
    [
        ("9999-12-31", "200", "之间的日期"),
        ("0001-01-01", "200", "之间的日期"),
        ("2026-13-45", "200", "请填写整改期限日期。"),
        (None, "1e3", "请直接写数字（如 1000，不要写成 1e3）。"),
        (None, "123456789012", "超过了上限 10,000,000。"),
        (None, "五十", "请填写金额，如 50 或 50.00。"),
    ],
)
def test_a_violation_with_a_date_or_fine_that_makes_no_sense_is_refused_and_keeps_what_was_typed(
    client, auth, prop, home, deadline, fine, message
):
    from domain.violations.models import Violation

    unit, owner, _neighbour = home
    application_id = permitted(client, auth, prop, unit, owner)
    auth.login_staff(builders.create_staff(Role.SECURITY))
    deadline = deadline or (today() + timedelta(days=3)).isoformat()
    response = client.post(
        f"/staff/renovations/{application_id}/violations",
        data={"kind": "waste", "description": "楼道堆放垃圾", "deadline": deadline, "fine": fine},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert '<option value="waste" selected>' in html and ">楼道堆放垃圾</textarea>" in html
    assert f'value="{deadline}"' in html and f'value="{fine}"' in html
    field = "fine" if fine != "200" else "deadline"
    assert f'name="{field}"' in html.split('aria-invalid="true"')[0][-400:]  # the refused field is marked
    assert db.session.scalar(select(func.count()).select_from(Violation)) == 0


def test_planned_dates_that_make_no_sense_are_refused_and_nothing_is_saved(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    for start_day, end_day in (("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-31")):
        response = client.post(
            f"/portal/renovations/{application_id}",
            data=plan(planned_start=start_day, planned_end=end_day, description="保留我写的内容"),
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and "之间的日期" in html
        assert 'id="planned_start-error"' in html and 'id="planned_end-error"' in html
        assert "保留我写的内容" in html and f'value="{start_day}"' in html and f'value="{end_day}"' in html
        application = db.session.get(RenovationApplication, application_id)
        assert (application.description, application.planned_start, application.planned_end) == ("", None, None)


def test_the_resident_reports_completion_and_engineering_accepts(client, auth, prop, home):
    from domain.property.models import Unit, UnitStatus

    unit, owner, neighbour = home
    application_id = permitted(client, auth, prop, unit, owner)
    assert db.session.get(Unit, unit.id).status == UnitStatus.RENOVATING
    auth.login_resident(neighbour.user)
    assert client.post(f"/portal/renovations/{application_id}/completion").status_code == 404
    auth.logout()
    auth.login_resident(owner.user)
    assert client.post(f"/portal/renovations/{application_id}/completion").status_code == 303
    auth.logout()
    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    url = f"/staff/renovations/{application_id}/acceptance"
    assert client.post(url, data={"checklist": ["structure_intact"]}).status_code == 422  # a failure needs findings
    from domain.renovation.inspections import CHECKLIST

    assert client.post(url, data={"checklist": list(CHECKLIST)}).status_code == 303
    db.session.expire_all()
    assert db.session.get(RenovationApplication, application_id).status == RenovationStatus.ACCEPTED
    assert db.session.get(Unit, unit.id).status == UnitStatus.OCCUPIED


def test_the_manager_sees_works_past_their_planned_end_and_open_violations(client, auth, prop, home):
    unit, owner, _neighbour = home
    application_id = permitted(client, auth, prop, unit, owner)
    application = db.session.get(RenovationApplication, application_id)
    application.planned_end = today() - timedelta(days=1)
    db.session.commit()
    auth.login_staff(builders.create_staff(Role.MANAGER))
    assert f"#{application_id}" in client.get("/staff/renovations/?status=overdue").get_data(as_text=True)
    assert f"#{application_id}" not in client.get("/staff/renovations/?status=violations").get_data(as_text=True)


def test_a_deposit_paid_online_goes_back_through_the_provider(app, client, auth, prop, home, stripe_sandbox):
    import json

    from domain.accounts.models import Actor
    from domain.payments.models import Payment, Refund
    from domain.renovation import inspections
    from sandbox.stripe_app import pay, pending_events, signed

    unit, owner, _neighbour = home
    builders.create_charge(prop, code="RENO", name="装修押金", basis="one_off", rate_fen=300000)
    application_id = submitted(client, auth, unit, owner)
    application = db.session.get(RenovationApplication, application_id)
    system = Actor.system("test")
    review.take_step(system, application, "check")
    review.take_step(system, application, "review")
    bill = review.approve(system, application, today=today())
    db.session.commit()
    auth.login_resident(owner.user)
    client.post("/portal/bills/pay", data={"bill_ids": [bill.id]})
    payment = db.session.scalars(select(Payment)).one()
    pay(stripe_sandbox.app, payment.provider_session_id)
    body = json.dumps(pending_events(stripe_sandbox.app)[-1]).encode()
    client.post(
        "/payments/stripe/webhook",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signed(body, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])},
    )
    auth.logout()
    db.session.expire_all()
    application = db.session.get(RenovationApplication, application_id)
    assert application.status == RenovationStatus.PERMITTED  # the paid deposit issued it
    inspections.report_completion(system, application, resident_id=owner.id)
    inspections.accept(system, application, checklist=dict.fromkeys(inspections.CHECKLIST, True))
    db.session.commit()
    auth.login_staff(builders.create_staff(Role.FINANCE))
    assert "refund" in client.get(f"/staff/renovations/{application_id}").get_data(as_text=True)
    assert client.post(f"/staff/renovations/{application_id}/refund").status_code == 303
    refund = db.session.scalars(select(Refund)).one()
    assert refund.provider_refund_id.startswith("re_") and refund.amount_fen == 300000 and refund.keeps_bills
    assert db.session.get(RenovationApplication, application_id).status == RenovationStatus.CLOSED
    assert client.post(f"/staff/renovations/{application_id}/refund").status_code == 422  # exactly once


# The permit follows the payment of the deposit ---------------------------------------------------------------


def approved(client, auth, prop, unit, owner):
    """An application of `owner` approved with its deposit billed (¥3,000); (its id, the bill)."""
    builders.create_charge(prop, code="RENO", name="装修押金", basis="one_off", rate_fen=300000)
    application_id = submitted(client, auth, unit, owner)
    application = db.session.get(RenovationApplication, application_id)
    system = Actor.system("test")
    review.take_step(system, application, "check")
    review.take_step(system, application, "review")
    bill = review.approve(system, application, today=today())
    db.session.commit()
    return application_id, bill


def qr_path(text):
    """The drawing of a QR code of `text`, as the pages inline it."""
    import re

    from web.qr import qr_svg

    return re.search(r' d="[^"]+"', str(qr_svg(text))).group(0)


def assert_the_resident_holds_the_permit(client, auth, owner, neighbour, application_id):
    """The resident's page says the permit is issued and links to it; the permit shows its QR code; the neighbour
    gets neither."""
    from domain.renovation.permits import permit_code

    code = permit_code(db.session.get(RenovationApplication, application_id))
    auth.login_resident(owner.user)
    page = client.get(f"/portal/renovations/{application_id}").get_data(as_text=True)
    assert "badge-r-permitted" in page and "badge-r-approved" not in page and "请缴纳押金" not in page
    permit_url = f"/portal/renovations/{application_id}/permit"
    assert f'href="{permit_url}"' in page
    permit = client.get(permit_url)
    text = permit.get_data(as_text=True)
    assert permit.status_code == 200 and '<svg class="qr"' in text and "1-1203" in text and "钱师傅" in text
    assert "装修许可证" in text and qr_path(f"http://localhost/staff/renovations/permit/{code}") in text  # for the gate
    auth.logout()
    auth.login_resident(neighbour.user)
    assert client.get(permit_url).status_code == 404
    assert client.get(f"/portal/renovations/{application_id}").status_code == 404
    auth.logout()


def test_a_deposit_paid_online_issues_the_permit_the_resident_shows_it(app, client, auth, prop, home, stripe_sandbox):
    import json

    from domain.audit.models import AuditEntry
    from domain.notify.models import Notification
    from domain.payments.models import Payment
    from sandbox.stripe_app import pay, pending_events, signed

    unit, owner, neighbour = home
    application_id, bill = approved(client, auth, prop, unit, owner)
    auth.login_resident(owner.user)
    assert "badge-r-approved" in client.get(f"/portal/renovations/{application_id}").get_data(as_text=True)
    assert client.get(f"/portal/renovations/{application_id}/permit").status_code == 404  # nothing to show yet
    client.post("/portal/bills/pay", data={"bill_ids": [bill.id]})
    payment = db.session.scalars(select(Payment)).one()
    pay(stripe_sandbox.app, payment.provider_session_id)
    body = json.dumps(pending_events(stripe_sandbox.app)[-1]).encode()
    response = client.post(
        "/payments/stripe/webhook",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signed(body, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])},
    )
    assert response.status_code == 200
    auth.logout()
    db.session.expire_all()
    application = db.session.get(RenovationApplication, application_id)
    assert application.status == RenovationStatus.PERMITTED and application.permit_issued_at is not None
    assert db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_id == application_id, AuditEntry.action == "renovation.issue_permit"
        )
    ).one()
    notice = db.session.scalars(
        select(Notification.message).where(Notification.resident_id == owner.id).order_by(Notification.id.desc())
    ).first()
    assert "装修许可证已发放" in notice
    assert_the_resident_holds_the_permit(client, auth, owner, neighbour, application_id)


def test_a_deposit_paid_at_the_desk_issues_the_permit_and_the_console_shows_it(client, auth, prop, home):
    unit, owner, neighbour = home
    application_id, bill = approved(client, auth, prop, unit, owner)
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    before = client.get(f"/staff/renovations/{application_id}").get_data(as_text=True)
    assert 'value="issue_permit"' not in before  # nothing to issue while the deposit is unpaid
    response = client.post(f"/staff/billing/units/{unit.id}/payments", data={"bill_ids": [bill.id], "method": "cash"})
    assert response.status_code == 303
    page = client.get(f"/staff/renovations/{application_id}").get_data(as_text=True)
    assert "badge-r-permitted" in page and 'value="issue_permit"' not in page
    assert f'href="/staff/renovations/{application_id}/permit"' in page
    auth.logout("staff")
    assert_the_resident_holds_the_permit(client, auth, owner, neighbour, application_id)


# Nothing typed is lost -------------------------------------------------------------------------------------


def typed(**changes):
    """What a resident has typed into the application form but not saved yet, as the page's one form sends it."""
    return {
        **plan(description="卫生间改造，刚刚输入还没保存。", contractor_person="孙工"),
        "draft_form": "1",
        "worker_name": "",
        "worker_phone": "",
        "worker_id": "",
        "signed_name": "",
        **changes,
    }


def saved(application_id):
    """The application as stored."""
    db.session.expire_all()
    return db.session.get(RenovationApplication, application_id)


def test_adding_a_worker_keeps_what_was_typed_in_the_application(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    response = client.post(
        f"/portal/renovations/{application_id}/workers",
        data=typed(worker_name="钱师傅", worker_phone="13900001111", worker_id=ID_NUMBER),
    )
    assert response.status_code == 303
    page = client.get(f"/portal/renovations/{application_id}").get_data(as_text=True)
    assert "刚刚输入还没保存" in page and "孙工" in page and "钱师傅" in page
    assert saved(application_id).contractor_person == "孙工"


def test_uploading_a_drawing_keeps_what_was_typed_in_the_application(app, client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    response = client.post(
        f"/portal/renovations/{application_id}/documents",
        content_type="multipart/form-data",
        data={**typed(), "documents": [(io.BytesIO(PDF), "平面图.pdf")]},
    )
    assert response.status_code == 303
    page = client.get(f"/portal/renovations/{application_id}").get_data(as_text=True)
    assert "刚刚输入还没保存" in page and "平面图.pdf" in page


def test_removing_a_worker_keeps_what_was_typed_in_the_application(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    fill(client, application_id)
    worker = db.session.scalars(select(RenovationWorker)).one()
    response = client.post(f"/portal/renovations/{application_id}/workers/{worker.id}/remove", data=typed())
    assert response.status_code == 303
    application = saved(application_id)
    assert application.contractor_person == "孙工" and application.workers[0].revoked_at is not None


def test_a_worker_refused_keeps_the_typed_application_and_worker_and_saves_nothing(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    response = client.post(
        f"/portal/renovations/{application_id}/workers",
        data=typed(worker_name="钱师傅", worker_phone="13900001111", worker_id="123", signed_name="王芳"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "刚刚输入还没保存" in page and 'value="孙工"' in page and 'value="钱师傅"' in page and 'value="123"' in page
    assert 'value="王芳"' in page and 'class="error"' in page
    application = saved(application_id)
    assert application.description == "" and application.workers == []


def test_an_application_refused_on_save_keeps_the_typed_worker_and_saves_nothing(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    response = client.post(
        f"/portal/renovations/{application_id}",
        data=typed(contractor_phone="12", worker_name="钱师傅", worker_phone="13900001111", worker_id=ID_NUMBER),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="12"' in page and 'value="钱师傅"' in page and "刚刚输入还没保存" in page
    application = saved(application_id)
    assert application.description == "" and application.workers == []


def test_save_also_registers_a_worker_typed_below(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    response = client.post(
        f"/portal/renovations/{application_id}",
        data=typed(worker_name="钱师傅", worker_phone="13900001111", worker_id=ID_NUMBER),
    )
    assert response.status_code == 303
    application = saved(application_id)
    assert application.contractor_person == "孙工" and [w.name for w in application.workers] == ["钱师傅"]


def test_submitting_saves_what_was_typed_first(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    fill(client, application_id)
    response = client.post(
        f"/portal/renovations/{application_id}/submit", data=typed(accept_undertakings="y", signed_name="王芳")
    )
    assert response.status_code == 303
    application = saved(application_id)
    assert application.status == RenovationStatus.SUBMITTED and application.contractor_person == "孙工"


def test_a_submission_refused_keeps_every_typed_value(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    response = client.post(
        f"/portal/renovations/{application_id}/submit",
        data=typed(
            planned_start=(today() - timedelta(days=1)).isoformat(), accept_undertakings="y", signed_name="王芳"
        ),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "刚刚输入还没保存" in page and 'value="王芳"' in page and 'value="孙工"' in page
    assert saved(application_id).status == RenovationStatus.DRAFT and saved(application_id).description == ""


def test_sending_a_message_keeps_what_was_typed_in_the_application(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    response = client.post(f"/portal/renovations/{application_id}/comment", data=typed(body="请问周末能施工吗？"))
    assert response.status_code == 303
    page = client.get(f"/portal/renovations/{application_id}").get_data(as_text=True)
    assert "刚刚输入还没保存" in page and "请问周末能施工吗？" in page


# No page fails on missing optional data --------------------------------------------------------------------


def test_a_withdrawn_draft_without_hours_still_shows(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    assert client.post(f"/portal/renovations/{application_id}/cancel").status_code == 303
    page = client.get(f"/portal/renovations/{application_id}")
    assert page.status_code == 200 and "badge-r-cancelled" in page.get_data(as_text=True)
    assert client.get("/portal/renovations").status_code == 200


@pytest.mark.parametrize("half", [False, True], ids=["nothing", "half"])
@pytest.mark.parametrize("status", list(RenovationStatus))
def test_every_page_of_an_application_shows_in_every_state_with_nothing_filled_in(
    client, auth, prop, home, status, half
):
    from datetime import time

    from domain.renovation.permits import permit_code

    unit, owner, _neighbour = home
    application = RenovationApplication(
        property_id=prop.id,
        unit_id=unit.id,
        resident_id=owner.id,
        status=status,
        scope=[],
        permit_issued_at=db.func.now() if status.value == "permitted" else None,
        # half filled in: a start without an end, hours from without until
        planned_start=today() if half else None,
        work_from=time(8) if half else None,
    )
    db.session.add(application)
    db.session.commit()
    url = f"/renovations/{application.id}"
    auth.login_resident(owner.user)
    assert client.get("/portal/renovations").status_code == 200
    assert client.get(f"/portal{url}").status_code == 200
    assert client.get(f"/portal{url}/permit").status_code in (200, 404)
    auth.logout()
    auth.login_staff(builders.create_staff(Role.MANAGER))
    assert client.get("/staff/renovations/?status=any").status_code == 200
    assert client.get(f"/staff{url}").status_code == (404 if status == RenovationStatus.DRAFT else 200)
    for path in ("/permit", "/permit.pdf"):
        assert client.get(f"/staff{url}{path}").status_code in (200, 404, 409), path
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.SECURITY))
    assert client.get(f"/staff/renovations/permit/{permit_code(application)}").status_code == 200


def test_every_portal_route_of_an_application_refuses_a_neighbour_and_changes_nothing(app, client, auth, prop, home):
    unit, owner, neighbour = home
    application_id = permitted(client, auth, prop, unit, owner)
    application = db.session.get(RenovationApplication, application_id)
    worker_id = application.workers[0].id
    document = RenovationDocument(
        application_id=application_id,
        stored_name="x" * 32,
        shown_name="平面图.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    db.session.add(document)
    db.session.commit()
    events = len(services_timeline(application_id))
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("portal.") and "<int:application_id>" in rule.rule
    ]
    assert len(rules) >= 10  # every route of one application, found from the app itself: a new one is checked too
    auth.login_resident(neighbour.user)
    for rule in rules:
        url = (
            rule.rule.replace("<int:application_id>", str(application_id))
            .replace("<int:worker_id>", str(worker_id))
            .replace("<int:document_id>", str(document.id))
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = (
                typed(
                    worker_name="x",
                    worker_phone="13900001111",
                    worker_id=ID_NUMBER,
                    body="hi",
                    accept_undertakings="y",
                    signed_name="赵",
                )
                if method == "POST"
                else None
            )
            response = client.open(url, method=method, data=data)
            assert response.status_code == 404, (method, url)
            assert "1-1203" not in response.get_data(as_text=True)
    application = saved(application_id)
    assert application.status == RenovationStatus.PERMITTED and application.contractor_person == "赵工"
    assert application.workers[0].revoked_at is None and len(services_timeline(application_id)) == events


def services_timeline(application_id):
    """The application's timeline as stored."""
    from domain.renovation.events import timeline

    return timeline(db.session.get(RenovationApplication, application_id))


def test_a_signature_typed_before_another_button_is_still_there_afterwards(client, auth, home):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    response = client.post(
        f"/portal/renovations/{application_id}/workers",
        data=typed(
            worker_name="钱师傅",
            worker_phone="13900001111",
            worker_id=ID_NUMBER,
            signed_name="王芳",
            accept_undertakings="y",
        ),
    )
    assert response.status_code == 303
    page = client.get(f"/portal/renovations/{application_id}").get_data(as_text=True)
    assert 'value="王芳"' in page
    assert 'checked id="accept_undertakings"' in page
    assert 'value="王芳"' not in client.get(f"/portal/renovations/{application_id}").get_data(as_text=True)  # once


def test_a_drawing_chosen_with_a_refused_plan_is_not_stored_and_the_resident_is_told_to_choose_it_again(
    app, client, auth, home, file_store
):
    unit, owner, _neighbour = home
    auth.login_resident(owner.user)
    application_id = start(client, unit)
    response = client.post(
        f"/portal/renovations/{application_id}/documents",
        content_type="multipart/form-data",
        data={**typed(contractor_phone="12"), "documents": [(io.BytesIO(PDF), "平面图.pdf")]},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="12"' in page and "刚刚输入还没保存" in page and "请重新选择文件" in page
    assert db.session.scalar(select(func.count(RenovationDocument.id))) == 0 and file_store.names() == []
