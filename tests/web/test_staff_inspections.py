"""Unit inspections in the console: engineering's list, the phone page with its htmx toggles, the meters, signing,
the PDF download, the re-inspection offer, the case page's panel and the manager's checklist."""

import base64
import io
from datetime import timedelta

import pytest
from flask import render_template_string
from flask_login import login_user
from PIL import Image, ImageDraw
from sqlalchemy import select

from domain.accounts.models import Actor, SignedInUser
from domain.accounts.roles import Role
from domain.archives.models import DocumentAccess
from domain.movein import inspections
from domain.movein.cases import create_case
from domain.movein.models import InspectionStatus, InspectionTemplateItem, ItemResult, UnitInspection
from domain.tickets.models import Status
from extensions import db
from tests import builders

SYSTEM = Actor.system("test")


def signature_url():
    """A drawn signature as the pad posts it."""
    image = Image.new("RGB", (120, 40), "white")
    ImageDraw.Draw(image).line([(5, 30), (60, 8), (115, 30)], fill="black", width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def engineer(auth, prop):
    """An engineer, signed in."""
    user = builders.create_staff(Role.ENGINEERING)
    auth.login_staff(user)
    return user


@pytest.fixture
def case(prop):
    """A move-in case of a new unit."""
    unit = builders.create_unit(number="1601", floor=16)
    case = create_case(SYSTEM, unit_id=unit.id, owner_name="周业主", owner_phone="13912345000")
    db.session.commit()
    return case


def scheduled(case, at, **people):
    """A scheduled round-1 inspection of the case."""
    inspection = inspections.schedule_inspection(SYSTEM, case, at, **people)
    db.session.commit()
    return inspection


def walked(case, clock, defects=0):
    """A started inspection with every item checked (the first `defects` items faulty) and both meters read."""
    inspection = scheduled(case, clock())
    inspections.start_inspection(SYSTEM, inspection)
    for n, item in enumerate(inspection.items):
        if n < defects:
            inspections.record_item(SYSTEM, inspection, item.id, result="defect", note="开裂")
        else:
            inspections.record_item(SYSTEM, inspection, item.id, result="ok")
    inspections.record_readings(SYSTEM, inspection, water_x100=100, electricity_x100=200)
    db.session.commit()
    return inspection


def sign_form():
    """What the sign form posts."""
    return {"owner_name": "周业主", "owner_signature": signature_url(), "staff_signature": signature_url()}


# Engineering's list --------------------------------------------------------------------------------------------


def test_the_list_has_an_empty_state(client, engineer):
    html = client.get("/staff/move-in/inspections/").get_data(as_text=True)
    assert "没有待做的验房" in html


def test_todays_and_tomorrows_inspections_come_first(client, engineer, prop, case, clock):
    later_case = create_case(
        SYSTEM, unit_id=builders.create_unit(number="1701", floor=17).id, owner_name="吴", owner_phone="13912345001"
    )
    scheduled(later_case, clock() + timedelta(days=5))
    scheduled(case, clock() + timedelta(days=1), engineer_id=engineer.id)
    html = client.get("/staff/move-in/inspections/").get_data(as_text=True)
    assert html.index("明天") < html.index("1-1601") < html.index("以后") < html.index("1-1701")
    mine = client.get("/staff/move-in/inspections/?mine=1", headers={"HX-Request": "true"})
    text = mine.get_data(as_text=True)
    assert "1-1601" in text and "1-1701" not in text and "<html" not in text
    assert "HX-Request" in mine.headers["Vary"]


# The page on a phone ---------------------------------------------------------------------------------------------


def test_the_page_offers_big_toggles_and_the_camera_once_started(client, engineer, case, clock):
    inspection = scheduled(case, clock())
    html = client.get(f"/staff/move-in/inspections/{inspection.id}").get_data(as_text=True)
    assert "开始验房" in html and 'capture="environment"' not in html
    client.post(f"/staff/move-in/inspections/{inspection.id}/start")
    html = client.get(f"/staff/move-in/inspections/{inspection.id}").get_data(as_text=True)
    assert 'capture="environment"' in html and 'accept="image/*"' in html and "hx-post" in html


def test_an_item_toggle_returns_just_the_item(client, engineer, case, clock):
    inspection = scheduled(case, clock())
    inspections.start_inspection(SYSTEM, inspection)
    db.session.commit()
    item = inspection.items[0]
    url = f"/staff/move-in/inspections/{inspection.id}/items/{item.id}"
    response = client.post(url, data={"result": "ok", "note": ""}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("<li") and "<html" not in html
    assert 'value="ok" class="toggle toggle-ok" aria-pressed="true"' in html
    assert response.headers["HX-Trigger"] == "inspectionUpdated"
    db.session.expire_all()
    assert db.session.get(type(item), item.id).result == ItemResult.OK


def test_a_defect_without_a_note_keeps_what_was_typed_and_saves_nothing(client, engineer, case, clock):
    inspection = scheduled(case, clock())
    inspections.start_inspection(SYSTEM, inspection)
    db.session.commit()
    item = inspection.items[0]
    url = f"/staff/move-in/inspections/{inspection.id}/items/{item.id}"
    html = client.post(url, data={"result": "defect", "note": "   "}, headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "请说明存在什么问题" in html and '<details class="defect-details" open>' in html
    db.session.expire_all()
    assert db.session.get(type(item), item.id).result is None
    # Without htmx the page comes back with the message.
    response = client.post(url, data={"result": "defect", "note": ""})
    assert response.status_code == 303


def test_a_defect_photo_is_stored_and_shown(client, engineer, case, clock):
    inspection = scheduled(case, clock())
    inspections.start_inspection(SYSTEM, inspection)
    db.session.commit()
    item = inspection.items[0]
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "gray").save(out, "JPEG")
    out.seek(0)
    client.post(
        f"/staff/move-in/inspections/{inspection.id}/items/{item.id}",
        data={"result": "defect", "note": "墙面开裂", "photos": (out, "crack.jpg")},
        content_type="multipart/form-data",
    )
    db.session.expire_all()
    photo = db.session.get(type(item), item.id).photos[0]
    with client.get(f"/staff/move-in/inspections/{inspection.id}/photos/{photo.id}") as shown:
        assert shown.status_code == 200 and shown.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("typed", ["-5", "abc", "1.234"])
def test_a_bad_meter_reading_keeps_what_was_typed(client, engineer, case, clock, typed):
    inspection = scheduled(case, clock())
    inspections.start_inspection(SYSTEM, inspection)
    db.session.commit()
    response = client.post(
        f"/staff/move-in/inspections/{inspection.id}/readings", data={"water": typed, "electricity": "88.50"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'value="{typed}"' in html and 'value="88.50"' in html and 'class="error"' in html
    db.session.expire_all()
    assert db.session.get(UnitInspection, inspection.id).water_reading_x100 is None


def test_good_meter_readings_are_saved_in_hundredths(client, engineer, case, clock):
    inspection = scheduled(case, clock())
    inspections.start_inspection(SYSTEM, inspection)
    db.session.commit()
    response = client.post(
        f"/staff/move-in/inspections/{inspection.id}/readings", data={"water": "123.45", "electricity": "0"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(UnitInspection, inspection.id)
    assert (saved.water_reading_x100, saved.electricity_reading_x100) == (12345, 0)


# Signing, the PDF and the re-inspection ---------------------------------------------------------------------------


def test_signing_files_the_record_and_the_download_is_logged(client, engineer, case, clock):
    inspection = walked(case, clock, defects=1)
    response = client.post(f"/staff/move-in/inspections/{inspection.id}/sign", data=sign_form())
    assert response.status_code == 303
    db.session.expire_all()
    inspection = db.session.get(UnitInspection, inspection.id)
    assert inspection.status == InspectionStatus.SIGNED and inspection.document_id
    page = client.get(f"/staff/move-in/inspections/{inspection.id}").get_data(as_text=True)
    assert f"/staff/tickets/{inspection.items[0].ticket_id}" in page
    ticket_page = client.get(f"/staff/tickets/{inspection.items[0].ticket_id}").get_data(as_text=True)
    assert f'href="/staff/move-in/inspections/{inspection.id}"' in ticket_page
    with client.get(f"/staff/move-in/inspections/{inspection.id}/record.pdf") as pdf:
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        assert pdf.headers["Cache-Control"] == "private, no-store"
        assert pdf.headers["Content-Disposition"].startswith("attachment")
    logged = db.session.scalars(
        select(DocumentAccess.user_id).where(DocumentAccess.document_id == inspection.document_id)
    )
    assert list(logged) == [engineer.id]


def test_a_refused_signature_keeps_the_owners_name(client, engineer, case, clock):
    inspection = walked(case, clock)
    response = client.post(
        f"/staff/move-in/inspections/{inspection.id}/sign",
        data={"owner_name": "周业主本人", "owner_signature": "", "staff_signature": signature_url()},
    )
    assert response.status_code == 422
    assert 'value="周业主本人"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(UnitInspection, inspection.id).status == InspectionStatus.IN_PROGRESS


def test_a_defect_ticket_closing_offers_the_second_inspection(client, engineer, case, clock):
    inspection = walked(case, clock, defects=2)
    client.post(f"/staff/move-in/inspections/{inspection.id}/sign", data=sign_form())
    db.session.expire_all()
    inspection = db.session.get(UnitInspection, inspection.id)
    url = f"/staff/move-in/inspections/{inspection.id}"
    assert "安排复验" not in client.get(url).get_data(as_text=True)
    first, second = (ticket for _item, ticket in inspections.defect_tickets(inspection))
    first.status = Status.DONE
    db.session.commit()
    assert "安排复验" not in client.get(url).get_data(as_text=True)
    second.status = Status.CLOSED
    db.session.commit()
    assert "安排复验" in client.get(url).get_data(as_text=True)
    when = (clock() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"{url}/reinspection", data={"scheduled_at": when, "engineer_id": 0, "assistant_id": 0})
    assert response.status_code == 303
    again = db.session.scalar(select(UnitInspection).where(UnitInspection.previous_id == inspection.id))
    assert again.round == 2 and len(again.items) == 2
    assert "安排复验" not in client.get(url).get_data(as_text=True)


# Scheduling from the case and the manager's checklist ------------------------------------------------------------


def test_the_desk_schedules_from_the_case_and_a_bad_date_keeps_the_choice(client, auth, case, clock):
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    engineer = builders.create_staff(Role.ENGINEERING)
    url = f"/staff/move-in/cases/{case.id}/inspections"
    bad = client.post(url, data={"scheduled_at": "明天", "engineer_id": engineer.id, "assistant_id": 0})
    assert bad.status_code == 422
    assert f'<option selected value="{engineer.id}">' in bad.get_data(as_text=True)
    assert inspections.inspections_of_case(case.id) == []
    when = (clock() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    good = client.post(url, data={"scheduled_at": when, "engineer_id": engineer.id, "assistant_id": 0})
    assert good.status_code == 303
    (inspection,) = inspections.inspections_of_case(case.id)
    assert inspection.engineer_id == engineer.id


def test_the_case_panel_lists_the_inspections_and_offers_scheduling(app, client, auth, case, clock):
    desk = builders.create_staff(Role.FRONTDESK)

    def panel():
        """The case page's include, rendered as the desk sees it."""
        with app.test_request_context("/staff/move-in/"):
            login_user(SignedInUser(desk.id, desk.username, desk.display_name, desk.kind, Role.FRONTDESK, None, 0, "t"))
            return render_template_string('{% include "staff/movein/_case_inspections.html" %}', case=case)

    html = panel()
    assert "还没有验房" in html and f"/staff/move-in/cases/{case.id}/inspections" in html
    inspection = scheduled(case, clock() + timedelta(days=1))
    html = panel()
    assert f"/staff/move-in/cases/{case.id}/inspections" not in html
    assert f"/staff/move-in/inspections/{inspection.id}" in html and "已安排" in html
    auth.login_staff(desk)
    page = client.get(f"/staff/move-in/{case.id}").get_data(as_text=True)
    assert 'id="inspections"' in page and f"/staff/move-in/inspections/{inspection.id}" in page


def test_the_manager_edits_the_checklist_and_bad_input_keeps_what_was_typed(client, auth, prop):
    auth.login_staff(builders.create_staff(Role.MANAGER))
    page = client.get("/staff/move-in/inspections/template").get_data(as_text=True)
    assert "配电箱" in page
    bad = client.post("/staff/move-in/inspections/template", data={"area": "", "name": "书桌"})
    assert bad.status_code == 422 and 'value="书桌"' in bad.get_data(as_text=True)
    client.post("/staff/move-in/inspections/template", data={"area": "书房", "name": "门窗"})
    added = db.session.scalar(select(InspectionTemplateItem).where(InspectionTemplateItem.area == "书房"))
    assert added is not None
    client.post(
        f"/staff/move-in/inspections/template/{added.id}", data={"area": "书房", "name": "门窗", "position": "2"}
    )
    db.session.expire_all()
    assert db.session.get(InspectionTemplateItem, added.id).is_active is False
