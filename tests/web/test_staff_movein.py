"""The move-in console before the day: the list and its filters, a case typed or imported, the case page with the
steps the signed-in person may take, the printed invitation, the appointment, the registration form's people (with
and without htmx) and the manager's cancellation."""

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import from_local_input, today
from domain.movein import appointments, cases, invitations
from domain.movein.models import CaseStatus, MoveInCase, MoveInPerson
from domain.property.models import Resident
from extensions import db
from tests import builders

ID_NUMBER = "11010519491231002X"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def desk(auth, prop):
    """A front-desk clerk, signed in."""
    user = builders.create_staff(Role.FRONTDESK)
    auth.login_staff(user)
    return user


@pytest.fixture
def unit(prop):
    """An empty unit 1-2203."""
    return builders.create_unit(number="2203")


def open_case(unit, **values):
    """A case for `unit`, opened by the system."""
    values = {"owner_name": "王业主", "owner_phone": "13900000001", **values}
    case = cases.create_case(Actor.system("test"), unit_id=unit.id, **values)
    db.session.commit()
    return case


def case_count():
    """How many cases there are."""
    return db.session.scalar(select(func.count()).select_from(MoveInCase))


# The list -----------------------------------------------------------------------------------------------------------


def test_the_empty_list_says_how_to_start(client, desk):
    page = client.get("/staff/move-in/").get_data(as_text=True)
    assert "导入" in page and "/staff/move-in/import" in page


def test_the_list_filters_and_answers_htmx_with_the_rows(client, desk, unit):
    open_case(unit, planned_on=date(2026, 11, 20))
    open_case(builders.create_unit(number="1501"), owner_name="李业主", owner_phone="13900000002")
    page = client.get("/staff/move-in/?q=李").get_data(as_text=True)
    assert "1-1501" in page and "1-2203" not in page
    fragment = client.get("/staff/move-in/?day=2026-11-20", headers=HTMX)
    html = fragment.get_data(as_text=True)
    assert "1-2203" in html and "1-1501" not in html and "<html" not in html
    assert "HX-Request" in fragment.headers["Vary"]
    assert "没有符合" in client.get("/staff/move-in/?status=completed").get_data(as_text=True)


def test_the_list_page_has_a_query_budget(client, desk, count_queries):
    for n in range(12):
        open_case(builders.create_unit(number=f"20{n:02d}"), owner_phone=f"139000001{n:02d}")
    client.get("/staff/move-in/")
    with count_queries() as counter:
        assert client.get("/staff/move-in/").status_code == 200
    budget = counter.count
    for n in range(12):
        open_case(builders.create_unit(number=f"30{n:02d}"), owner_phone=f"139000002{n:02d}")
    with count_queries() as counter:
        client.get("/staff/move-in/")
    assert counter.count == budget <= 10


# Typing a case -------------------------------------------------------------------------------------------------------


def test_a_case_is_typed_from_the_notice(client, desk, unit):
    planned = today() + timedelta(days=8)
    response = client.post(
        "/staff/move-in/new",
        data={
            "unit_label": "1-2203",
            "owner_name": "王业主",
            "owner_phone": "139 0000 0001",
            "planned_on": planned.isoformat(),
        },
    )
    assert response.status_code == 303
    case = db.session.scalar(select(MoveInCase))
    assert case.owner.phone == "13900000001" and case.planned_on == planned
    assert response.headers["Location"].endswith(f"/staff/move-in/{case.id}")


def test_bad_input_keeps_what_was_typed_and_saves_nothing(client, desk, unit):
    response = client.post(
        "/staff/move-in/new", data={"unit_label": "9-9999", "owner_name": "王业主", "owner_phone": "13900000001"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "9-9999" in page and "王业主" in page
    response = client.post(
        "/staff/move-in/new", data={"unit_label": "1-2203", "owner_name": "王业主", "owner_phone": "12345"}
    )
    assert response.status_code == 422 and 'value="12345"' in response.get_data(as_text=True)
    assert case_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Resident)) == 0


def test_a_second_open_case_for_the_unit_is_refused_on_the_unit_field(client, desk, unit):
    open_case(unit)
    response = client.post(
        "/staff/move-in/new", data={"unit_label": "1-2203", "owner_name": "李", "owner_phone": "13900000002"}
    )
    assert response.status_code == 422 and "1-2203" in response.get_data(as_text=True)
    assert case_count() == 1


# Importing the handover list -----------------------------------------------------------------------------------------


def upload(client, text):
    """Post a CSV to the import."""
    data = {"file": (io.BytesIO(text.encode("utf-8")), "list.csv")}
    return client.post("/staff/move-in/import", data=data, content_type="multipart/form-data")


def test_the_import_refuses_a_bad_file_whole_with_line_numbers(client, desk, unit):
    builders.create_unit(number="2204")
    open_case(builders.create_unit(number="2205"))
    planned = today() + timedelta(days=14)
    response = upload(
        client,
        "楼栋,房号,业主姓名,联系电话,计划入住日期\n"
        f"1,2203,张三,13800138000,{planned}\n"  # good
        f"1,9999,李四,13800138001,{planned}\n"  # unknown unit
        f"1,2204,王五,12345,{planned}\n"  # bad phone
        f"1,2203,赵六,13800138003,{planned}\n"  # the same unit again
        f"1,2205,钱七,13800138004,{planned}\n"  # already has an open case
        "1,2204,孙八,13800138005,2026-13-45\n",  # bad date
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    lines = [int(item.split(" ")[1]) for item in page.split("<li>第")[1:]]
    assert lines == [3, 4, 5, 6, 7]
    assert 'name="kind"' not in page  # the register's unit/resident choice is not asked here
    assert case_count() == 1  # only the one made before


def test_a_good_file_opens_a_case_per_row(client, desk, unit):
    builders.create_unit(number="2204")
    planned = today() + timedelta(days=14)
    response = upload(
        client,
        "building,unit,owner,phone,planned_date,notice_number,email\n"
        f"1,2203,张三,13800138000,{planned.year}/{planned.month}/{planned.day},RZ-1,zhang@example.com\n"
        "1,2204,李四,13800138001,,,\n",
    )
    assert response.status_code == 303
    made = db.session.scalars(select(MoveInCase).order_by(MoveInCase.id)).all()
    assert [(c.unit.label, c.planned_on, c.notice_number) for c in made] == [
        ("1-2203", planned, "RZ-1"),
        ("1-2204", None, ""),
    ]
    assert all(c.items for c in made)


def test_the_template_downloads(client, desk):
    response = client.get("/staff/move-in/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "楼栋,房号,业主姓名" in response.get_data(as_text=True)


# The case page and its steps -----------------------------------------------------------------------------------------


def test_the_case_page_offers_the_desks_steps(client, desk, unit):
    case = open_case(unit)
    page = client.get(f"/staff/move-in/{case.id}").get_data(as_text=True)
    assert "1-2203" in page and "王业主" in page
    assert f"/staff/move-in/{case.id}/receive" in page and f"/staff/move-in/{case.id}/invite" in page
    assert f"/staff/move-in/{case.id}/cancel" not in page  # the manager's
    assert "业主登记表" in page


def test_the_invitation_is_printed_once_and_not_cached(client, desk, unit):
    case = open_case(unit)
    response = client.post(f"/staff/move-in/{case.id}/invite")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    db.session.refresh(case)
    assert case.status == CaseStatus.INVITED
    code = page.split('id="invitation-code">')[1].split("<")[0]
    assert invitations.find_invitation(code).id == case.id
    assert "入住通知书" in page and "/portal/move-in/invitation" in page and 'style="' not in page
    assert code not in client.get(f"/staff/move-in/{case.id}").get_data(as_text=True)


def test_the_desk_books_a_slot_and_a_full_one_is_refused(client, desk, unit):
    case = open_case(unit)
    day = today() + timedelta(days=1)
    at = from_local_input(datetime.combine(day, time(9, 0))).astimezone(UTC)  # 9:00 at the property
    page = client.get(f"/staff/move-in/{case.id}/book?day={day}").get_data(as_text=True)
    assert at.isoformat() in page and "09:00" in page
    for n in range(appointments.CASES_PER_SLOT):
        other = open_case(builders.create_unit(number=f"80{n}"), owner_phone=f"1390000010{n}")
        appointments.book_appointment(Actor.system("test"), other, at)
    db.session.commit()
    response = client.post(f"/staff/move-in/{case.id}/book?day={day}", data={"slot": at.isoformat()})
    assert response.status_code == 422
    later = at + timedelta(minutes=30)
    response = client.post(f"/staff/move-in/{case.id}/book?day={day}", data={"slot": later.isoformat()})
    assert response.status_code == 303
    db.session.refresh(case)
    assert case.status == CaseStatus.BOOKED and case.appointment_at == later
    assert client.post(f"/staff/move-in/{case.id}/book", data={"slot": "nonsense"}).status_code == 422


def test_receive_then_an_illegal_step_is_refused(client, desk, unit):
    case = open_case(unit)
    assert client.post(f"/staff/move-in/{case.id}/receive").status_code == 303
    db.session.refresh(case)
    assert case.status == CaseStatus.AT_DESK
    client.post(f"/staff/move-in/{case.id}/receive")
    response = client.post(f"/staff/move-in/{case.id}/invite")
    assert response.status_code == 409
    db.session.refresh(case)
    assert case.status == CaseStatus.AT_DESK


def test_only_the_manager_cancels_and_a_reason_is_required(client, auth, desk, unit):
    case = open_case(unit)
    assert client.post(f"/staff/move-in/{case.id}/cancel", data={"reason": "x"}).status_code == 403
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.MANAGER))
    page = client.get(f"/staff/move-in/{case.id}").get_data(as_text=True)
    assert f"/staff/move-in/{case.id}/cancel" in page
    assert client.post(f"/staff/move-in/{case.id}/cancel", data={"reason": "  "}).status_code == 422
    assert client.post(f"/staff/move-in/{case.id}/cancel", data={"reason": "开发商撤回"}).status_code == 303
    db.session.refresh(case)
    assert case.status == CaseStatus.CANCELLED
    assert client.post(f"/staff/move-in/{case.id}/cancel", data={"reason": "again"}).status_code == 422


def test_another_propertys_case_is_not_found(client, desk):
    other = builders.create_property("别的小区")
    building = builders.create_building(other, code="X")
    case = open_case(builders.create_unit(building=building))
    assert client.get(f"/staff/move-in/{case.id}").status_code == 404


# The registration form's people --------------------------------------------------------------------------------------

MEMBER = {"name": "李家属", "kinship": "配偶", "gender": "female", "birth_date": "1990-05-01", "id_number": ID_NUMBER}


def test_a_household_member_is_added_with_htmx_and_announced(client, desk, unit):
    case = open_case(unit)
    response = client.post(f"/staff/move-in/{case.id}/people", data=MEMBER, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "moveInPeopleChanged"
    assert 'id="people"' in html and "<html" not in html
    assert "李家属" in html and "1*************002X" in html and ID_NUMBER not in html


def test_a_household_member_is_added_without_htmx(client, desk, unit):
    case = open_case(unit)
    response = client.post(f"/staff/move-in/{case.id}/people", data=MEMBER)
    assert response.status_code == 303
    page = client.get(f"/staff/move-in/{case.id}").get_data(as_text=True)
    assert "李家属" in page and ID_NUMBER not in page


def test_a_bad_person_keeps_what_was_typed(client, desk, unit):
    case = open_case(unit)
    bad = {**MEMBER, "id_number": "12-34", "employer": "沈阳某公司"}
    for headers in ({}, HTMX):
        response = client.post(f"/staff/move-in/{case.id}/people", data=bad, headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert 'value="12-34"' in html and "沈阳某公司" in html and "李家属" in html
    assert db.session.scalar(select(func.count()).select_from(MoveInPerson)) == 1


def test_the_owners_phone_cannot_be_emptied(client, desk, unit):
    case = open_case(unit)
    owner = case.people[0]
    response = client.post(f"/staff/move-in/{case.id}/people/{owner.id}", data={"name": "王业主", "phone": ""})
    assert response.status_code == 422
    db.session.refresh(owner)
    assert owner.phone == "13900000001"


def test_editing_opens_the_filled_form_and_removing_works(client, desk, unit):
    case = open_case(unit)
    client.post(f"/staff/move-in/{case.id}/people", data=MEMBER)
    member = db.session.scalar(select(MoveInPerson).where(MoveInPerson.name == "李家属"))
    for headers in ({}, HTMX):
        html = client.get(f"/staff/move-in/{case.id}/people/{member.id}", headers=headers).get_data(as_text=True)
        assert 'value="配偶"' in html and ID_NUMBER not in html
        assert ("<html" in html) is (headers == {})
    response = client.post(f"/staff/move-in/{case.id}/people/{member.id}/remove", headers=HTMX)
    assert response.status_code == 200 and "李家属" not in response.get_data(as_text=True)
    owner = case.people[0]
    response = client.post(f"/staff/move-in/{case.id}/people/{owner.id}/remove")
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(MoveInPerson)) == 1


def test_a_person_of_another_case_is_not_found(client, desk, unit):
    case = open_case(unit)
    other = open_case(builders.create_unit(), owner_phone="13900000009")
    stranger = other.people[0]
    assert client.post(f"/staff/move-in/{case.id}/people/{stranger.id}/remove").status_code == 404
    assert client.post(f"/staff/move-in/{case.id}/people/{stranger.id}", data={"name": "x"}).status_code == 404


def test_a_resident_cannot_open_the_console(client, auth, prop, unit):
    case = open_case(unit)
    resident = builders.create_resident(prop, unit=builders.create_unit())
    auth.login_resident(resident.user)
    assert client.get(f"/staff/move-in/{case.id}").status_code == 403
