"""Unit inspections (验房): scheduling with the manager's checklist, the walk item by item, the meters at hand-over,
signing by the owner and staff, defects as repair tickets, the PDF in the owner's file and the re-inspection."""

import base64
import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.archives.inspection_records import file_inspection_record
from domain.archives.models import ArchiveDocument
from domain.billing import runs
from domain.billing.models import MeterReading
from domain.billing.schedule import record_reading
from domain.clock import today as clock_today
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from domain.files.store import read_stored
from domain.movein import inspections
from domain.movein.cases import create_case
from domain.movein.models import CaseStatus, InspectionStatus, InspectionTemplateItem, MoveInEvent
from domain.signatures.services import signature_matches
from domain.tickets.models import Department, Status, Ticket
from extensions import db
from tests import builders


def billing_months():
    """(the month before the hand-over, the hand-over's month) as their first days, from the frozen clock."""
    first = clock_today().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1), first


def act(user):
    """A signed-in user as a domain actor."""
    return Actor.for_user(user, "127.0.0.1")


def signature_url():
    """A drawn signature as the pad posts it: a PNG data URL."""
    image = Image.new("RGB", (120, 40), "white")
    ImageDraw.Draw(image).line([(5, 30), (60, 8), (115, 30)], fill="black", width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def photo(name="crack.jpg"):
    """A small JPEG upload."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(out, "JPEG")
    out.seek(0)
    return FileStorage(out, filename=name, content_type="image/jpeg")


@pytest.fixture
def desk():
    """The front desk."""
    return act(builders.create_staff(Role.FRONTDESK))


@pytest.fixture
def engineer():
    """An engineer (a User)."""
    return builders.create_staff(Role.ENGINEERING)


@pytest.fixture
def assistant():
    """A property assistant (a User)."""
    return builders.create_staff(Role.ASSISTANT)


@pytest.fixture
def case(prop, desk):
    """A move-in case for a new unit, its owner already in the register (no occupancy yet)."""
    unit = builders.create_unit(number="1501", floor=15)
    case = create_case(desk, unit_id=unit.id, owner_name="李业主", owner_phone="13912345678")
    db.session.commit()
    return case


def tomorrow(clock):
    """Tomorrow at the clock's time."""
    return clock() + timedelta(days=1)


def walked(case, engineer, clock, *, defects=(), water=12345, electricity=67800):
    """A started round-1 inspection with every item checked (`defects`: item names found faulty) and both meters."""
    by = act(engineer)
    inspection = inspections.schedule_inspection(by, case, clock(), engineer_id=engineer.id)
    inspections.start_inspection(by, inspection)
    for item in inspection.items:
        if item.name in defects and item.area == "卫生间":
            inspections.record_item(by, inspection, item.id, result="defect", note=f"{item.name}渗水")
        else:
            inspections.record_item(by, inspection, item.id, result="ok")
    inspections.record_readings(by, inspection, water_x100=water, electricity_x100=electricity)
    db.session.commit()
    return inspection


def sign(inspection, user):
    """Owner and `user` sign the record."""
    inspections.sign_inspection(
        act(user),
        inspection,
        owner_name="李业主",
        owner_signature=signature_url(),
        staff_signature=signature_url(),
    )
    file_inspection_record(act(user), inspection)
    db.session.commit()
    return inspection


# The checklist and scheduling -------------------------------------------------------------------------------------


def test_ensure_template_installs_the_default_checklist_once(prop):
    first = inspections.ensure_inspection_template(prop.id)
    again = inspections.ensure_inspection_template(prop.id)
    assert [i.id for i in first] == [i.id for i in again]
    pairs = {(i.area, i.name) for i in first}
    assert ("卫生间", "地面") in pairs and ("表具", "水表") in pairs and ("电气", "配电箱") in pairs


def test_scheduling_copies_the_active_template_items(prop, case, desk, engineer, assistant, clock):
    inspections.ensure_inspection_template(prop.id)
    retired = db.session.scalars(select(InspectionTemplateItem).where(InspectionTemplateItem.name == "天花")).first()
    retired.is_active = False
    at = tomorrow(clock)
    inspection = inspections.schedule_inspection(desk, case, at, engineer_id=engineer.id, assistant_id=assistant.id)
    db.session.commit()
    assert inspection.status == InspectionStatus.SCHEDULED and inspection.round == 1
    assert inspection.scheduled_at == at and inspection.engineer_id == engineer.id
    assert inspection.unit_id == case.unit_id and inspection.property_id == prop.id
    names = [(i.area, i.name) for i in inspection.items]
    assert ("客厅", "门窗") in names and ("客厅", "天花") not in names
    assert inspections.inspections_of_case(case.id) == [inspection]
    actions = db.session.scalars(select(MoveInEvent.action).where(MoveInEvent.case_id == case.id)).all()
    assert "schedule_inspection" in actions


def test_scheduling_is_refused_to_security_finance_and_residents(prop, case, clock):
    with pytest.raises(NotAllowed):
        inspections.schedule_inspection(act(builders.create_staff(Role.SECURITY)), case, tomorrow(clock))
    with pytest.raises(NotAllowed):
        inspections.schedule_inspection(
            act(case.owner.user or builders.create_staff(Role.FINANCE)), case, tomorrow(clock)
        )


def test_a_cancelled_case_cannot_be_inspected(case, engineer, clock):
    case.status = CaseStatus.CANCELLED
    with pytest.raises(InvalidTransition):
        inspections.schedule_inspection(act(engineer), case, tomorrow(clock))


def test_a_completed_case_can_be_inspected(case, engineer, clock):
    case.status = CaseStatus.COMPLETED
    assert inspections.schedule_inspection(act(engineer), case, tomorrow(clock)).round == 1


def test_scheduling_twice_is_refused_until_the_first_is_cancelled(case, engineer, clock):
    first = inspections.schedule_inspection(act(engineer), case, tomorrow(clock))
    with pytest.raises(Conflict):
        inspections.schedule_inspection(act(engineer), case, tomorrow(clock))
    inspections.cancel_inspection(act(engineer), first, "业主改期")
    assert inspections.schedule_inspection(act(engineer), case, tomorrow(clock)).id != first.id


def test_scheduling_checks_time_and_people(case, engineer, clock):
    with pytest.raises(DomainError) as missing:
        inspections.schedule_inspection(act(engineer), case, None)
    assert missing.value.field == "scheduled_at"
    with pytest.raises(DomainError) as past:
        inspections.schedule_inspection(act(engineer), case, datetime(2026, 1, 1, tzinfo=UTC))
    assert past.value.field == "scheduled_at"
    with pytest.raises(DomainError) as wrong:
        inspections.schedule_inspection(
            act(engineer), case, tomorrow(clock), engineer_id=builders.create_staff(Role.FINANCE).id
        )
    assert wrong.value.field == "engineer_id"


# The walk ---------------------------------------------------------------------------------------------------------


def test_every_step_checks_state_and_role(case, engineer, desk, clock):
    inspection = inspections.schedule_inspection(act(engineer), case, clock())
    item = inspection.items[0]
    with pytest.raises(InvalidTransition):
        inspections.record_item(act(engineer), inspection, item.id, result="ok")
    with pytest.raises(NotAllowed):
        inspections.start_inspection(desk, inspection)
    with pytest.raises(NotAllowed):
        inspections.cancel_inspection(desk, inspection, "不来了")
    inspections.start_inspection(act(engineer), inspection)
    with pytest.raises(InvalidTransition):
        inspections.start_inspection(act(engineer), inspection)
    with pytest.raises(InvalidTransition):
        inspections.cancel_inspection(act(engineer), inspection, "不来了")
    with pytest.raises(NotAllowed):
        inspections.record_item(act(builders.create_staff(Role.FINANCE)), inspection, item.id, result="ok")
    with pytest.raises(NotAllowed):
        inspections.sign_inspection(
            desk, inspection, owner_name="李业主", owner_signature=signature_url(), staff_signature=signature_url()
        )


def test_cancelling_needs_a_reason(case, engineer, clock):
    inspection = inspections.schedule_inspection(act(engineer), case, clock())
    with pytest.raises(DomainError) as error:
        inspections.cancel_inspection(act(engineer), inspection, " ")
    assert error.value.field == "reason"
    assert inspection.status == InspectionStatus.SCHEDULED


def test_a_defect_needs_a_note_and_keeps_its_photos(case, engineer, clock):
    inspection = inspections.schedule_inspection(act(engineer), case, clock())
    inspections.start_inspection(act(engineer), inspection)
    item = inspection.items[0]
    with pytest.raises(DomainError) as error:
        inspections.record_item(act(engineer), inspection, item.id, result="defect", note="  ")
    assert error.value.field == "note"
    with pytest.raises(DomainError):
        inspections.record_item(act(engineer), inspection, item.id, result="maybe")
    with pytest.raises(NotFound):
        inspections.record_item(act(engineer), inspection, 999999, result="ok")
    inspections.record_item(act(engineer), inspection, item.id, result="defect", note="窗框变形", photos=[photo()])
    db.session.commit()
    assert item.result.value == "defect" and item.note == "窗框变形"
    assert len(item.photos) == 1 and item.photos[0].content_type == "image/jpeg"
    assert inspections.get_photo(inspection.id, item.photos[0].id) is item.photos[0]


def test_meter_readings_are_whole_hundredths_not_below_zero(case, engineer, clock):
    inspection = inspections.schedule_inspection(act(engineer), case, clock())
    inspections.start_inspection(act(engineer), inspection)
    with pytest.raises(DomainError) as negative:
        inspections.record_readings(act(engineer), inspection, water_x100=-1, electricity_x100=100)
    assert negative.value.field == "water"
    with pytest.raises(DomainError) as fractional:
        inspections.record_readings(act(engineer), inspection, water_x100=100, electricity_x100=12.5)
    assert fractional.value.field == "electricity"
    inspections.record_readings(act(engineer), inspection, water_x100=12345, electricity_x100=0)
    assert (inspection.water_reading_x100, inspection.electricity_reading_x100) == (12345, 0)


def test_signing_needs_every_item_and_both_meters(case, engineer, clock):
    inspection = inspections.schedule_inspection(act(engineer), case, clock())
    inspections.start_inspection(act(engineer), inspection)
    with pytest.raises(DomainError) as error:
        sign(inspection, engineer)
    assert error.value.field == "items"
    for item in inspection.items:
        inspections.record_item(act(engineer), inspection, item.id, result="ok")
    assert inspections.missing_before_signing(inspection)  # the meters
    inspections.record_readings(act(engineer), inspection, water_x100=1, electricity_x100=2)
    assert inspections.missing_before_signing(inspection) == []


def test_signing_needs_both_signatures(case, engineer, clock):
    inspection = walked(case, engineer, clock)
    with pytest.raises(DomainError) as error:
        inspections.sign_inspection(
            act(engineer), inspection, owner_name="李业主", owner_signature=signature_url(), staff_signature=""
        )
    assert error.value.field == "staff_signature"
    db.session.rollback()
    assert inspection.status == InspectionStatus.IN_PROGRESS


# Signing ----------------------------------------------------------------------------------------------------------


def test_each_defect_becomes_a_repair_ticket_in_engineerings_queue(case, engineer, clock):
    inspection = sign(walked(case, engineer, clock, defects=("地面", "墙面")), engineer)
    assert inspection.status == InspectionStatus.SIGNED and inspection.passed is False
    pairs = inspections.defect_tickets(inspection)
    assert [item.name for item, _ticket in pairs] == ["墙面", "地面"]
    item, ticket = pairs[0]
    assert ticket.description == "验房缺陷：卫生间 墙面 墙面渗水"
    assert ticket.unit_id == case.unit_id and ticket.resident_id == case.owner_id
    assert ticket.department == Department.ENGINEERING and ticket.status == Status.DISPATCHED
    assert ticket.channel.value == "patrol"


def test_the_signatures_keep_the_records_state(case, engineer, clock):
    inspection = sign(walked(case, engineer, clock, defects=("地面",)), engineer)
    owner, staff = inspections.inspection_signatures(inspection)
    assert (owner.signer_role, owner.signer_name) == ("owner", "李业主")
    assert staff.signer_role == "staff" and staff.user_id == engineer.id
    assert signature_matches(owner) and "[卫生间] 地面：不合格，地面渗水" in owner.signed_text
    assert "水表底数：123.45" in owner.signed_text and "电表底数：678" in owner.signed_text


def test_the_signed_record_is_filed_as_a_chinese_pdf(case, engineer, clock):
    inspection = sign(walked(case, engineer, clock, defects=("地面",)), engineer)
    document = db.session.get(ArchiveDocument, inspection.document_id)
    assert document.source == "inspection" and document.source_id == inspection.id
    assert document.type.code == "inspection_record" and document.unit_id == case.unit_id
    pdf = io.BytesIO(read_stored(document.stored_name))
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "验房记录表" in text and "地面渗水" in text


def test_signed_is_final(case, engineer, clock):
    inspection = sign(walked(case, engineer, clock), engineer)
    assert inspection.passed is True and inspections.defect_tickets(inspection) == []
    with pytest.raises(InvalidTransition):
        inspections.record_item(act(engineer), inspection, inspection.items[0].id, result="defect", note="x")
    with pytest.raises(InvalidTransition):
        sign(inspection, engineer)
    with pytest.raises(InvalidTransition):
        inspections.cancel_inspection(act(builders.create_staff(Role.MANAGER)), inspection, "x")


def test_the_hand_over_meter_readings_appear_as_the_units_first_readings_in_the_next_billing_run_preview(
    prop, case, engineer, clock
):
    builders.create_charge(prop, code="WATER", name="水费", basis="metered", rate_fen=345, meter_unit="吨")
    builders.create_charge(prop, code="ELEC", name="电费", basis="metered", rate_fen=50, meter_unit="kWh")
    sign(walked(case, engineer, clock, water=12345, electricity=67800), engineer)
    before, handed_over = billing_months()
    october = db.session.scalars(select(MeterReading).where(MeterReading.unit_id == case.unit_id)).all()
    assert {(r.period, r.previous_x100, r.current_x100) for r in october} == {
        (before, 12345, 12345),
        (before, 67800, 67800),
    }
    # At the month's end finance reads the water meter as usual (the previous reading left to the system).
    finance = act(builders.create_staff(Role.FINANCE))
    water = october[0].charge_type_id if october[0].current_x100 == 12345 else october[1].charge_type_id
    unit = case.unit
    reading = record_reading(finance, unit=unit, charge_type_id=water, period=handed_over, current_x100=13000)
    assert reading.previous_x100 == 12345
    preview = runs.preview_run(prop.id, handed_over)
    name, lines, amount = preview.by_charge["WATER"]
    assert lines == 1 and amount == (655 * 345 + 50) // 100  # 6.55 吨 from the hand-over, not 130 from zero


def test_meters_already_read_for_billing_are_left_alone(prop, case, engineer, clock):
    water = builders.create_charge(prop, code="WATER", name="水费", basis="metered", rate_fen=345, meter_unit="吨")
    _before, this_month = billing_months()
    record_reading(act(engineer), unit=case.unit, charge_type_id=water.id, period=this_month, current_x100=500)
    sign(walked(case, engineer, clock, water=12345), engineer)
    readings = db.session.scalars(select(MeterReading).where(MeterReading.unit_id == case.unit_id)).all()
    assert [(r.period, r.current_x100) for r in readings] == [(this_month, 500)]


# The re-inspection ------------------------------------------------------------------------------------------------


def test_a_defect_ticket_closing_offers_the_second_inspection(case, engineer, clock):
    first = sign(walked(case, engineer, clock, defects=("地面", "墙面")), engineer)
    (wall_item, wall), (floor_item, floor) = inspections.defect_tickets(first)
    assert not inspections.reinspection_offered(first)
    with pytest.raises(InvalidTransition):
        inspections.schedule_reinspection(act(engineer), first, tomorrow(clock))
    floor.status = Status.DONE
    assert not inspections.reinspection_offered(first)
    wall.status = Status.CLOSED
    assert inspections.reinspection_offered(first)
    second = inspections.schedule_reinspection(act(engineer), first, tomorrow(clock))
    db.session.commit()
    assert second.round == 2 and second.previous_id == first.id and second.engineer_id == engineer.id
    assert [(i.area, i.name) for i in second.items] == [("卫生间", "墙面"), ("卫生间", "地面")]
    assert [i.previous_item_id for i in second.items] == [wall_item.id, floor_item.id]
    assert not inspections.reinspection_offered(first)


def test_the_second_inspection_is_signed_and_filed_the_same_way(case, engineer, clock):
    first = sign(walked(case, engineer, clock, defects=("地面",)), engineer)
    for _item, ticket in inspections.defect_tickets(first):
        ticket.status = Status.DONE
    second = inspections.schedule_reinspection(act(engineer), first, clock())
    inspections.start_inspection(act(engineer), second)
    with pytest.raises(InvalidTransition):
        inspections.record_readings(act(engineer), second, water_x100=1, electricity_x100=1)
    inspections.record_item(act(engineer), second, second.items[0].id, result="ok")
    sign(second, engineer)
    assert second.passed is True and second.document_id and second.document_id != first.document_id
    assert db.session.scalar(select(Ticket.id).where(Ticket.description.like("%第2%"))) is None


def test_a_failed_cancelled_ticket_does_not_offer_a_reinspection(case, engineer, clock):
    first = sign(walked(case, engineer, clock, defects=("地面",)), engineer)
    ((_item, ticket),) = inspections.defect_tickets(first)
    ticket.status = Status.CANCELLED
    assert not inspections.reinspection_offered(first)


# The manager's checklist ------------------------------------------------------------------------------------------


def test_only_the_manager_edits_the_checklist(prop, engineer):
    manager = act(builders.create_staff(Role.MANAGER))
    with pytest.raises(NotAllowed):
        inspections.add_template_item(act(engineer), prop.id, area="书房", name="门窗")
    item = inspections.add_template_item(manager, prop.id, area="书房", name="门窗")
    with pytest.raises(DomainError) as error:
        inspections.update_template_item(manager, prop.id, item.id, area="", name="门窗", position=1, is_active=True)
    assert error.value.field == "area"
    inspections.update_template_item(manager, prop.id, item.id, area="书房", name="窗户", position=0, is_active=False)
    assert item.name == "窗户" and not item.is_active
    assert item not in inspections.template_items(prop.id)
