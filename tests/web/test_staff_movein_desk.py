"""The day at the desk in the console: the checklist region with and without htmx, forms that keep what was typed,
the bill's link to the desk payment, signing on the pad, completion, and the manager's template editor."""

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.movein import cases, checklist, fees, signing
from domain.movein.models import CaseStatus, ItemKind, MoveInTemplateItem
from domain.payments.desk import record_desk_payment
from domain.property.models import Occupancy
from domain.signatures.models import Signature
from extensions import db
from tests import builders
from tests.domain.test_movein_desk import signature_png

HTMX = {"HX-Request": "true"}


@pytest.fixture
def clerk(prop, client, auth):
    """A front-desk clerk signed in to the console."""
    user = builders.create_staff(Role.FRONTDESK)
    auth.login_staff(user)
    return user


@pytest.fixture
def case(prop):
    """A case at the desk for an 89.50 m² unit, the fee schedule holding 物业管理费."""
    builders.create_charge(prop)
    unit = builders.create_unit(number="1203", area_x100=8950, status="vacant")
    system = Actor.system("test")
    case = cases.create_case(system, unit_id=unit.id, owner_name="王业主", owner_phone="13900000001")
    cases.receive(system, case)
    db.session.commit()
    return case


def url(case, tail=""):
    """A desk URL of the case."""
    return f"/staff/move-in/{case.id}/{tail}"


def test_the_desk_page_shows_what_is_missing_in_chinese(client, clerk, case):
    page = client.get(url(case, "desk")).get_data(as_text=True)
    assert "还缺" in page or "尚缺" in page
    assert "房屋买卖合同复印件" in page and "防火责任协议书" in page
    assert 'id="move-in-checklist"' in page and "<html" in page
    assert "signature_pad" in page  # the pad's script for the signing panel


def test_the_checklist_region_alone_for_htmx(client, clerk, case):
    response = client.get(url(case, "desk"), headers=HTMX)
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="move-in-checklist"' in body
    assert "HX-Request" in response.headers["Vary"]


def test_the_signing_region_alone_for_htmx_and_the_desk_page_otherwise(client, clerk, case):
    fragment = client.get(url(case, "signing"), headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="move-in-signing"' in fragment and "防火责任协议书" in fragment
    assert 'id="move-in-checklist"' in client.get(url(case, "signing")).get_data(as_text=True)


def test_a_button_goes_back_to_the_page_it_was_pressed_on(client, clerk, case):
    case_page = f"http://localhost/staff/move-in/{case.id}"
    response = client.post(url(case, "complete"), headers={"Referer": case_page})
    assert response.headers["Location"] == f"/staff/move-in/{case.id}"
    elsewhere = client.post(url(case, "complete"), headers={"Referer": "http://localhost/staff/units/"})
    assert elsewhere.headers["Location"] == url(case, "desk")


def test_a_tick_by_htmx_returns_the_region_and_announces_it(client, clerk, case):
    item = checklist.line_of(case, "purchase_contract")
    response = client.post(url(case, f"items/{item.id}/tick"), data={"note": "公章签字一致"}, headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "moveInChanged"
    assert "<html" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert checklist.line_of(case, "purchase_contract").note == "公章签字一致"


def test_a_tick_without_htmx_redirects_back(client, clerk, case):
    item = checklist.line_of(case, "handover_notice")
    response = client.post(url(case, f"items/{item.id}/tick"), data={"note": ""})
    assert response.status_code == 303 and response.headers["Location"].endswith(url(case, "desk"))


def test_a_short_key_count_without_a_note_keeps_what_was_typed(client, clerk, case):
    keys = checklist.line_of(case, "room_keys")
    response = client.post(url(case, f"items/{keys.id}/tick"), data={"handed_quantity": "2"}, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert 'value="2"' in body and 'class="error"' in body
    assert client.post(url(case, f"items/{keys.id}/tick"), data={"handed_quantity": "2"}).status_code == 422
    db.session.expire_all()
    assert checklist.line_of(case, "room_keys").done_at is None


def test_a_tick_before_the_owner_is_received_is_refused(client, clerk, prop):
    unit = builders.create_unit(number="1208")
    waiting = cases.create_case(Actor.system("t"), unit_id=unit.id, owner_name="李业主", owner_phone="13900000002")
    db.session.commit()
    item = checklist.line_of(waiting, "handover_notice")
    response = client.post(url(waiting, f"items/{item.id}/tick"), data={}, headers=HTMX)
    assert response.status_code == 409
    db.session.expire_all()
    assert checklist.line_of(waiting, "handover_notice").done_at is None


def test_a_bad_proxy_id_keeps_what_was_typed_and_saves_nothing(client, clerk, case):
    data = {"name": "张受托", "phone": "13900000009", "id_number": "12345"}
    response = client.post(url(case, "proxy"), data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="张受托"' in body and "12345" in body
    db.session.expire_all()
    assert db.session.get(type(case), case.id).proxy_name == ""


def test_the_proxy_is_shown_masked(client, clerk, case):
    data = {"name": "张受托", "phone": "13900000009", "id_number": "11010519491231002X"}
    assert client.post(url(case, "proxy"), data=data).status_code == 303
    page = client.get(url(case, "desk")).get_data(as_text=True)
    assert "张受托" in page and "11010519491231002X" not in page and "授权委托书原件" in page


def test_the_bill_links_to_the_desk_payment(client, clerk, case):
    assert client.post(url(case, "bill")).status_code == 303
    page = client.get(url(case, "desk")).get_data(as_text=True)
    assert f"/staff/billing/units/{case.unit_id}" in page and "671.25" in page


def test_signing_without_drawing_is_refused_keeping_the_name(client, clerk, case):
    response = client.post(url(case, "sign/fire_agreement"), data={"signer_role": "owner", "signer_name": "王某某"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="王某某"' in body
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 0


def test_signing_on_the_pad_stores_the_signature(client, clerk, case):
    data = {"signer_role": "owner", "signer_name": "王业主", "signature": signature_png()}
    assert client.post(url(case, "sign/fire_agreement"), data=data).status_code == 303
    signature = db.session.scalars(select(Signature)).one()
    assert signature.purpose == "fire_agreement" and signature.user_id == clerk.id


def test_completion_is_refused_with_what_is_missing(client, clerk, case):
    response = client.post(url(case, "complete"), follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "暂不能完成入住手续" in body and "房间钥匙" in body
    db.session.expire_all()
    assert db.session.get(type(case), case.id).status == CaseStatus.AT_DESK


def test_completion_makes_the_owner_a_resident(client, clerk, case):
    actor = Actor.for_user(clerk, "127.0.0.1")
    for item in checklist.required_items(case):
        if item.kind in (ItemKind.DOCUMENT, ItemKind.FORM, ItemKind.KEY) and item.code not in checklist.SIGNED_FORMS:
            checklist.tick_item(actor, case, item.id, handed_quantity=item.quantity or None)
    fees.make_case_bill(actor, case)
    record_desk_payment(actor, unit_id=case.unit_id, bill_ids=[case.bill_id], method="cash")
    for purpose in signing.AGREEMENTS:
        signing.sign_paper(actor, case, purpose, signer_role="owner", signer_name="王业主", data_url=signature_png())
    db.session.commit()
    assert client.post(url(case, "complete")).status_code == 303
    db.session.expire_all()
    assert db.session.get(type(case), case.id).status == CaseStatus.COMPLETED
    assert db.session.scalar(select(func.count()).select_from(Occupancy).where(Occupancy.unit_id == case.unit_id)) == 1


def test_the_manager_edits_the_template(client, auth, prop):
    auth.login_staff(builders.create_staff(Role.MANAGER))
    page = client.get("/staff/move-in/template").get_data(as_text=True)
    assert "房间钥匙" in page
    refused = client.post("/staff/move-in/template", data={"kind": "key", "name": "信报箱钥匙", "quantity": "0"})
    assert refused.status_code == 422 and 'value="信报箱钥匙"' in refused.get_data(as_text=True)
    added = client.post("/staff/move-in/template", data={"kind": "key", "name": "信报箱钥匙", "quantity": "2"})
    assert added.status_code == 303
    keys = db.session.scalars(select(MoveInTemplateItem).where(MoveInTemplateItem.code == "room_keys")).one()
    edited = client.post(f"/staff/move-in/template/{keys.id}", data={"name": "入户门钥匙", "quantity": "4"})
    assert edited.status_code == 303
    db.session.expire_all()
    assert (keys.name, keys.quantity) == ("入户门钥匙", 4)
    assert client.post(f"/staff/move-in/template/{keys.id}/active", data={"active": "0"}).status_code == 303
    db.session.expire_all()
    assert keys.is_active is False


def test_the_fee_shows_what_the_schedule_will_bill_before_the_bill(client, clerk, case):
    page = client.get(url(case, "desk")).get_data(as_text=True)
    assert "671.25" in page and "89.50 m² × ¥2.50 × 3" in page


def test_the_case_page_holds_the_desks_panels_and_leads_to_the_tablet_page(client, clerk, case):
    page = client.get(f"/staff/move-in/{case.id}").get_data(as_text=True)
    assert 'id="move-in-checklist"' in page and 'id="move-in-signing"' in page
    assert url(case, "desk") in page
    assert f'href="/staff/move-in/{case.id}"' in client.get(url(case, "desk")).get_data(as_text=True)


def test_the_desk_page_holds_its_statement_budget_whatever_is_ticked(client, clerk, case, count_queries):
    client.get(url(case, "desk"))
    with count_queries() as before:
        client.get(url(case, "desk"))
    actor = Actor.for_user(clerk, "127.0.0.1")
    for item in checklist.required_items(case):
        if item.kind == ItemKind.DOCUMENT:
            checklist.tick_item(actor, case, item.id)
    fees.make_case_bill(actor, case)
    db.session.commit()
    with count_queries() as after:
        client.get(url(case, "desk"))
    assert after.count <= before.count + 1 <= 16  # the bill is one read more; the signatures are read once; +1 alerts
