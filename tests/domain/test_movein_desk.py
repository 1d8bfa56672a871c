"""The day at the desk: ticks (only at the desk, only desk roles, counts with notes), the proxy, the case's one bill
from the fee schedule ticked by its payment, the signatures on screen with their hashes, completion (refused with
what is missing, then the owner and household in the register) and the manager's template."""

import base64
import io

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.archives import move_in_papers
from domain.archives.models import ArchiveDocument
from domain.audit.models import AuditEntry
from domain.billing.models import Bill
from domain.clock import today as clock_today
from domain.errors import DomainError, InvalidTransition, NotAllowed
from domain.movein import cases, checklist, completion, fees, registration, signing, template_editing
from domain.movein.models import CaseStatus, ItemKind, MoveInEvent, MoveInTemplateItem, PersonRole
from domain.payments.desk import record_desk_payment, void_desk_payment
from domain.payments.models import Payment
from domain.property.id_numbers import open_id_number
from domain.property.models import Occupancy, Relation, Resident
from domain.signatures.services import signature_matches
from extensions import db
from tests import builders

PROXY_ID = "11010519491231002X"


def act(user):
    """A signed-in user as a domain actor."""
    return Actor.for_user(user, "127.0.0.1")


def signature_png():
    """A pad's data URL: a small PNG with a stroke."""
    image = Image.new("RGBA", (120, 40), (255, 255, 255, 0))
    for x in range(10, 110):
        image.putpixel((x, 20), (0, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


@pytest.fixture
def desk(prop):
    """A front-desk clerk."""
    return act(builders.create_staff(Role.FRONTDESK))


@pytest.fixture
def manager(prop):
    """The customer-service manager."""
    return act(builders.create_staff(Role.MANAGER))


@pytest.fixture
def charge(prop):
    """物业管理费 ¥2.50 per m² per month (the default template collects 3 months)."""
    return builders.create_charge(prop)


@pytest.fixture
def case(prop, desk, charge):
    """A case at the desk for an empty 89.50 m² unit."""
    unit = builders.create_unit(number="1203", area_x100=8950, status="vacant")
    case = cases.create_case(desk, unit_id=unit.id, owner_name="王业主", owner_phone="13900000001")
    cases.receive(desk, case)
    db.session.commit()
    return case


def line(case, code):
    """The case's checklist line `code`."""
    return checklist.line_of(case, code)


def tick_everything(actor, case):
    """Tick every line the clerk ticks by hand (papers, the registration form, keys with their counts)."""
    for item in checklist.required_items(case):
        if item.kind == ItemKind.FEE or item.code in checklist.SIGNED_FORMS or item.done_at:
            continue
        quantity = item.quantity if item.kind == ItemKind.KEY else None
        checklist.tick_item(actor, case, item.id, note="公章签字一致", handed_quantity=quantity)


def pay(case):
    """The finance desk takes the case's bill in cash."""
    cashier = act(builders.create_staff(Role.FINANCE))
    record_desk_payment(cashier, unit_id=case.unit_id, bill_ids=[case.bill_id], method="cash")


def sign_both(actor, case):
    """The owner signs both papers."""
    for purpose in signing.AGREEMENTS:
        signing.sign_paper(actor, case, purpose, signer_role="owner", signer_name="王业主", data_url=signature_png())


def test_a_tick_before_the_owner_is_received_is_refused(prop, desk, charge):
    unit = builders.create_unit(number="1204")
    case = cases.create_case(desk, unit_id=unit.id, owner_name="李业主", owner_phone="13900000002")
    with pytest.raises(InvalidTransition):
        checklist.tick_item(desk, case, line(case, "handover_notice").id)
    assert line(case, "handover_notice").done_at is None


def test_a_tick_needs_a_desk_role(case):
    engineer = act(builders.create_staff(Role.ENGINEERING))
    with pytest.raises(NotAllowed):
        checklist.tick_item(engineer, case, line(case, "handover_notice").id)


def test_a_tick_is_on_the_timeline_and_in_the_audit_log(case, desk):
    checklist.tick_item(desk, case, line(case, "purchase_contract").id, note="公章签字一致")
    db.session.commit()
    event = db.session.scalars(select(MoveInEvent).where(MoveInEvent.action == "tick")).one()
    assert "公章签字一致" in event.body and event.data == {"item": "purchase_contract"}
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "move_in.tick")) == 1


def test_keys_handed_over_short_need_a_note(case, desk):
    keys = line(case, "room_keys")
    with pytest.raises(DomainError) as refused:
        checklist.tick_item(desk, case, keys.id, handed_quantity=2)
    assert refused.value.field == "note"
    checklist.tick_item(desk, case, keys.id, handed_quantity=2, note="一把待开发商补交")
    assert keys.handed_quantity == 2 and keys.done_at is not None


def test_fees_and_signed_papers_are_not_ticked_by_hand(case, desk):
    with pytest.raises(InvalidTransition):
        checklist.tick_item(desk, case, line(case, "management_fee").id)
    with pytest.raises(InvalidTransition):
        checklist.tick_item(desk, case, line(case, "fire_agreement").id)


def test_a_proxy_makes_the_proxy_papers_required_and_keeps_the_id_sealed(case, desk):
    assert line(case, "power_of_attorney") not in checklist.required_items(case)
    checklist.record_proxy(desk, case, name="张受托", phone="13900000009", id_number=PROXY_ID)
    assert line(case, "power_of_attorney") in checklist.required_items(case)
    assert case.proxy_id_masked != PROXY_ID and PROXY_ID not in case.proxy_id_cipher
    assert open_id_number(case.proxy_id_cipher) == PROXY_ID


def test_a_bad_proxy_id_number_is_refused_on_its_field(case, desk):
    with pytest.raises(DomainError) as refused:
        checklist.record_proxy(desk, case, name="张受托", phone="13900000009", id_number="12345")
    assert refused.value.field == "id_number"
    assert case.proxy_name == ""


def test_the_bill_comes_from_the_fee_schedule_in_fen_once(case, desk):
    bill = fees.make_case_bill(desk, case)
    # 89.50 m² × ¥2.50 = ¥223.75 a month, three months in advance.
    assert bill.total_fen == 22375 * 3
    assert [line.amount_fen for line in bill.lines] == [67125]
    assert line(case, "management_fee").amount_fen == 67125
    assert fees.make_case_bill(desk, case).id == bill.id
    assert db.session.scalar(select(func.count()).select_from(Bill)) == 1


def test_a_one_off_fee_is_billed_as_it_is_on_the_same_bill(prop, case, desk, manager):
    one_off = builders.create_charge(prop, code="CARD", name="门禁卡工本费", basis="one_off", rate_fen=2000)
    template_editing.add_template_item(
        manager, property_id=prop.id, kind="fee", name="门禁卡工本费", charge_type_id=one_off.id
    )
    unit = builders.create_unit(number="1205", area_x100=10000)
    other = cases.create_case(desk, unit_id=unit.id, owner_name="赵业主", owner_phone="13900000003")
    bill = fees.make_case_bill(desk, other)
    assert sorted(line.amount_fen for line in bill.lines) == [2000, 25000 * 3]
    assert bill.total_fen == 2000 + 75000


def test_paying_the_bill_ticks_the_fees(case, desk):
    fees.make_case_bill(desk, case)
    db.session.commit()
    assert not fees.fees_settled(case)
    pay(case)
    db.session.commit()
    assert line(case, "management_fee").done_at is not None
    assert fees.fees_settled(case)
    assert db.session.scalars(select(MoveInEvent.action).where(MoveInEvent.action == "paid")).all() == ["paid"]


def test_voiding_the_payment_takes_the_fee_tick_back(case, desk):
    fees.make_case_bill(desk, case)
    pay(case)
    payment = db.session.scalars(select(Payment)).one()
    void_desk_payment(act(builders.create_staff(Role.FINANCE)), payment, reason="收错了")
    db.session.commit()
    assert line(case, "management_fee").done_at is None and not fees.fees_settled(case)
    assert "unpaid" in db.session.scalars(select(MoveInEvent.action)).all()


def test_a_signature_keeps_the_hash_of_its_text_through_a_template_change(prop, case, desk, manager):
    signature = signing.sign_paper(
        desk, case, "fire_agreement", signer_role="owner", signer_name="王业主", data_url=signature_png()
    )
    db.session.commit()
    assert signature_matches(signature)
    assert "防火责任" in signature.signed_text and "1203" in signature.signed_text
    template = db.session.scalars(select(MoveInTemplateItem).where(MoveInTemplateItem.code == "fire_agreement")).one()
    template_editing.update_template_item(manager, template, name=template.name, text="全新的协议文本")
    db.session.commit()
    db.session.refresh(signature)
    assert "全新的协议文本" not in signature.signed_text and signature_matches(signature)
    assert signing.signature_current(case, "fire_agreement")
    assert line(case, "fire_agreement").done_at is not None
    filed = db.session.scalars(select(ArchiveDocument).where(ArchiveDocument.source_id == case.id)).all()
    assert [d.type.code for d in filed] == ["fire_agreement"]
    assert filed[0].content_type == "application/pdf"


def test_the_hand_over_list_is_signed_after_the_keys_and_goes_stale_when_they_change(case, desk):
    with pytest.raises(InvalidTransition):
        signing.sign_paper(
            desk, case, "handover_list", signer_role="owner", signer_name="王业主", data_url=signature_png()
        )
    tick_everything(desk, case)
    signature = signing.sign_paper(
        desk, case, "handover_list", signer_role="owner", signer_name="王业主", data_url=signature_png()
    )
    assert "房间钥匙: 3/3" in signature.signed_text
    assert signing.signature_current(case, "handover_list")
    checklist.untick_item(desk, case, line(case, "owner_card").id)
    assert not signing.signature_current(case, "handover_list")


def test_a_proxy_signs_only_when_recorded(case, desk):
    with pytest.raises(DomainError) as refused:
        signing.sign_paper(
            desk, case, "fire_agreement", signer_role="proxy", signer_name="张受托", data_url=signature_png()
        )
    assert refused.value.field == "signer_role"


def test_completion_is_refused_with_what_is_missing(case, desk):
    checklist.tick_item(desk, case, line(case, "handover_notice").id)
    with pytest.raises(DomainError) as refused:
        completion.complete(desk, case)
    message = str(refused.value.message)
    for missing in ("房屋买卖合同", "房间钥匙", "防火责任协议书", "协议及物品交接单"):
        assert missing in message
    assert "入住通知书" not in message
    assert case.status == CaseStatus.AT_DESK


def test_completion_creates_the_occupancies(case, desk):
    registration.save_person(desk, case, role="family", kinship="配偶", name="王配偶", phone="13900000005")
    tick_everything(desk, case)
    fees.make_case_bill(desk, case)
    pay(case)
    sign_both(desk, case)
    db.session.commit()
    assert completion.what_is_missing(case) == []
    completion.complete(desk, case)
    db.session.commit()
    assert case.status == CaseStatus.COMPLETED and case.completed_by_id == desk.user_id
    occupancies = db.session.scalars(select(Occupancy).where(Occupancy.unit_id == case.unit_id)).all()
    assert sorted((o.resident.name, o.relation) for o in occupancies) == [
        ("王业主", Relation.OWNER),
        ("王配偶", Relation.FAMILY),
    ]
    assert all(o.start_date == clock_today() for o in occupancies)
    family = next(p for p in case.people if p.role == PersonRole.FAMILY)
    assert db.session.get(Resident, family.resident_id).name == "王配偶"
    types = sorted(d.type.code for d in db.session.scalars(select(ArchiveDocument)))
    assert types == ["fire_agreement", "handover_list", "registration_form"]


def test_a_case_without_fees_completes_without_a_bill(prop, desk, manager):
    unit = builders.create_unit(number="1206")
    case = cases.create_case(desk, unit_id=unit.id, owner_name="钱业主", owner_phone="13900000006")
    cases.receive(desk, case)
    assert fees.fee_items(case) == [] and fees.fees_settled(case)
    with pytest.raises(DomainError):
        fees.make_case_bill(desk, case)


def test_the_manager_edits_the_template_and_old_cases_keep_their_lines(prop, case, manager, desk):
    keys = db.session.scalars(select(MoveInTemplateItem).where(MoveInTemplateItem.code == "room_keys")).one()
    template_editing.update_template_item(manager, keys, name="入户门钥匙", quantity=4)
    added = template_editing.add_template_item(manager, property_id=prop.id, kind="key", name="信报箱钥匙", quantity=2)
    template_editing.move_template_item(manager, added, -1)
    template_editing.set_template_item_active(manager, keys, False)
    db.session.commit()
    assert line(case, "room_keys").name == "房间钥匙" and line(case, "room_keys").quantity == 3
    unit = builders.create_unit(number="1207")
    fresh = cases.create_case(desk, unit_id=unit.id, owner_name="孙业主", owner_phone="13900000007")
    codes = [item.code for item in fresh.items]
    assert "room_keys" not in codes and added.code in codes


def test_the_template_is_the_managers(prop, desk):
    with pytest.raises(NotAllowed):
        template_editing.add_template_item(desk, property_id=prop.id, kind="key", name="信报箱钥匙", quantity=2)


def test_a_template_key_needs_a_count_and_a_fee_a_charge(prop, manager):
    with pytest.raises(DomainError) as refused:
        template_editing.add_template_item(manager, property_id=prop.id, kind="key", name="信报箱钥匙", quantity=0)
    assert refused.value.field == "quantity"
    with pytest.raises(DomainError) as refused:
        template_editing.add_template_item(manager, property_id=prop.id, kind="fee", name="某费用")
    assert refused.value.field == "charge"


def test_a_scanned_copy_goes_into_the_owners_file(case, desk):
    png = base64.b64decode(signature_png().split(",", 1)[1])
    upload = FileStorage(io.BytesIO(png), filename="合同.png")
    document = move_in_papers.file_move_in_copy(desk, case, line(case, "purchase_contract").id, upload)
    assert (document.type.code, document.source, document.source_id) == ("purchase_contract", "move_in", case.id)
    assert document.resident_id == case.owner_id
    with pytest.raises(DomainError):
        move_in_papers.file_move_in_copy(desk, case, line(case, "room_keys").id, upload)
