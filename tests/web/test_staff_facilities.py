"""The facilities console: the list (due for the reader's role, overdue in red, the register with its filters, with
and without htmx, within its query budget), adding and editing with bad input kept, a facility's history, the phone
check form (a fault opens one ticket; typed answers kept on a refusal) and who may do what."""

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from domain.accounts.roles import Role
from domain.clock import today
from domain.facilities.models import CheckResult, Facility, FacilityCheck, FacilityKind
from domain.files.models import FieldPhoto
from domain.tickets.models import Ticket
from extensions import db
from tests import builders
from tests.facilities_builders import create_check, create_facility

HTMX = {"HX-Request": "true"}


def sign_in(auth, role):
    """A staff member of `role`, signed in."""
    user = builders.create_staff(role)
    auth.login_staff(user)
    return user


@pytest.fixture
def lift(prop):
    """Engineering's lift, checked 16 days ago: one day overdue."""
    facility = create_facility(prop, contractor="沈阳奥的斯电梯维保", first_due_on=today() - timedelta(days=30))
    create_check(facility, today() - timedelta(days=16))
    return facility


@pytest.fixture
def hose(prop):
    """Security's fire hose, first due today."""
    return create_facility(
        prop, name="1号楼消火栓", kind=FacilityKind.FIRE, checker_role=Role.SECURITY, first_due_on=today()
    )


def facility_count():
    """How many facilities there are."""
    return db.session.scalar(select(func.count(Facility.id)))


def jpeg():
    """A small JPEG upload."""
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(data, "JPEG")
    data.seek(0)
    return (data, "fault.jpg")


# The list -----------------------------------------------------------------------------------------------------------


def test_the_list_shows_what_is_due_for_the_readers_role_and_everything_overdue(client, auth, lift, hose):
    sign_in(auth, Role.SECURITY)
    page = client.get("/staff/facilities/").get_data(as_text=True)
    due, _sep, rest = page.partition("due-checks")[2].partition("</ul>")
    assert "1号楼消火栓" in due and "1号楼1号电梯" not in due
    assert "overdue-checks" in rest and "badge-overdue" in rest
    overdue = rest.partition("overdue-checks")[2].partition("</ul>")[0]
    assert "1号楼1号电梯" in overdue
    # Security may check the hose, not the lift.
    assert f"/staff/facilities/{hose.id}/check" in page and f"/staff/facilities/{lift.id}/check" not in page


def test_the_register_filters_by_kind_and_answers_htmx_with_the_table(client, auth, lift, hose):
    sign_in(auth, Role.MANAGER)
    response = client.get("/staff/facilities/?kind=fire", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in body and "1号楼消火栓" in body and "1号楼1号电梯" not in body
    full = client.get("/staff/facilities/?kind=fire").get_data(as_text=True)
    assert "<html" in full and 'id="facility-register"' in full


def test_the_register_filters_by_building(client, auth, prop, lift):
    other = builders.create_building(prop, code="2")
    create_facility(prop, name="2号楼水泵", kind=FacilityKind.PUMP, building=other, first_due_on=today())
    sign_in(auth, Role.MANAGER)
    body = client.get(f"/staff/facilities/?building={other.id}", headers=HTMX).get_data(as_text=True)
    assert "2号楼水泵" in body and "1号楼1号电梯" not in body


def test_the_list_takes_the_same_number_of_queries_whatever_the_register_holds(client, auth, prop, count_queries):
    sign_in(auth, Role.MANAGER)

    def add(n):
        for i in range(n):
            facility = create_facility(prop, name=f"电梯{i}-{n}", first_due_on=today() - timedelta(days=i))
            create_check(facility, today() - timedelta(days=i + 3))

    add(2)
    client.get("/staff/facilities/")
    with count_queries() as few:
        assert client.get("/staff/facilities/").status_code == 200
    add(8)
    with count_queries() as many:
        assert client.get("/staff/facilities/").status_code == 200
    assert many.count == few.count <= 8


def test_the_register_pages_by_fifty_keeping_its_filter_while_the_overdue_list_stays_whole(client, auth, prop):
    for i in range(55):
        create_facility(
            prop, name=f"消火栓{i:02d}", kind=FacilityKind.FIRE, checker_role=Role.SECURITY, first_due_on=today()
        )
    for i in range(3):
        create_facility(prop, name=f"电梯{i}", first_due_on=today() - timedelta(days=2))
    sign_in(auth, Role.MANAGER)
    first = client.get("/staff/facilities/?kind=fire").get_data(as_text=True)
    register = first.partition('id="facility-register"')[2]
    assert "消火栓49" in register and "消火栓50" not in register
    assert "/staff/facilities/?kind=fire&amp;page=2" in register and "上一页" not in register
    # The overdue list above the register has all that is overdue, whatever page is shown.
    second = client.get("/staff/facilities/?kind=fire&page=2").get_data(as_text=True)
    overdue = second.partition("overdue-checks")[2].partition("</ul>")[0]
    assert all(f"电梯{i}" in overdue for i in range(3))
    # htmx gets the next page's table alone, with the way back and no way further.
    response = client.get("/staff/facilities/?kind=fire&page=2", headers=HTMX)
    body = response.get_data(as_text=True)
    assert "<html" not in body and "消火栓50" in body and "消火栓54" in body and "消火栓49" not in body
    assert "电梯" not in body and "/staff/facilities/?kind=fire&amp;page=2" not in body
    assert 'hx-get="/staff/facilities/?kind=fire"' in body and 'hx-target="#facility-register"' in body


# The register -------------------------------------------------------------------------------------------------------


def test_a_facility_is_added_with_its_kinds_defaults(client, auth, prop):
    sign_in(auth, Role.ENGINEERING)
    form = {
        "name": "3号楼2号电梯",
        "kind": "lift",
        "location": "3号楼大堂",
        "building_id": "",
        "checker_role": "",
        "contractor": "沈阳奥的斯电梯维保",
        "interval_days": "",
        "checklist": "",
        "first_due_on": today().isoformat(),
    }
    response = client.post("/staff/facilities/new", data=form)
    assert response.status_code == 303
    facility = db.session.scalar(select(Facility))
    assert (facility.interval_days, facility.checker_role, len(facility.checklist)) == (15, Role.ENGINEERING, 5)


def test_a_lift_every_month_is_refused_with_the_rule_and_the_typed_values_are_kept(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    form = {
        "name": "3号楼2号电梯",
        "kind": "lift",
        "location": "3号楼大堂",
        "contractor": "沈阳奥的斯电梯维保",
        "interval_days": "30",
        "checklist": "运行平稳\n门锁可靠",
        "first_due_on": today().isoformat(),
    }
    response = client.post("/staff/facilities/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "TSG T5002" in page
    assert 'value="3号楼2号电梯"' in page and 'value="30"' in page and "门锁可靠" in page
    assert facility_count() == 0


def test_a_missing_name_and_a_bad_date_are_refused(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    response = client.post(
        "/staff/facilities/new", data={"name": "", "kind": "pump", "location": "地下泵房", "first_due_on": "tomorrow"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="地下泵房"' in page and facility_count() == 0


def test_editing_keeps_the_facility_and_changes_its_interval(client, auth, hose):
    sign_in(auth, Role.MANAGER)
    page = client.get(f"/staff/facilities/{hose.id}/edit").get_data(as_text=True)
    assert "1号楼消火栓" in page and "运行平稳\n平层准确" in page
    form = {
        "name": "1号楼消火栓",
        "kind": "fire",
        "location": "1号楼大堂",
        "checker_role": "security",
        "interval_days": "90",
        "checklist": "压力正常",
        "first_due_on": today().isoformat(),
    }
    assert client.post(f"/staff/facilities/{hose.id}/edit", data=form).status_code == 303
    db.session.refresh(hose)
    assert (hose.interval_days, hose.checklist) == (90, ["压力正常"])


def test_retiring_takes_the_check_off_the_lists_and_reinstating_brings_it_back(client, auth, hose):
    sign_in(auth, Role.MANAGER)
    assert client.post(f"/staff/facilities/{hose.id}/retire").status_code == 303
    page = client.get("/staff/facilities/").get_data(as_text=True)
    assert "due-checks" not in page
    assert client.post(f"/staff/facilities/{hose.id}/retire").status_code == 303  # refused, flashed
    db.session.refresh(hose)
    assert not hose.is_active
    assert client.get(f"/staff/facilities/{hose.id}/check").status_code == 409
    assert client.post(f"/staff/facilities/{hose.id}/reinstate").status_code == 303
    db.session.refresh(hose)
    assert hose.is_active


# A facility and its checks ------------------------------------------------------------------------------------------


def test_a_facility_of_another_property_is_not_found(client, auth, hose):
    other = builders.create_property("别的小区")
    theirs = create_facility(other, first_due_on=today())
    sign_in(auth, Role.MANAGER)
    assert client.get(f"/staff/facilities/{theirs.id}").status_code == 404
    assert client.get(f"/staff/facilities/{theirs.id}/check").status_code == 404


def test_the_history_pages_with_and_without_htmx(client, auth, lift):
    for n in range(25):
        create_check(lift, today() - timedelta(days=100 - n))
    sign_in(auth, Role.FRONTDESK)
    page = client.get(f"/staff/facilities/{lift.id}").get_data(as_text=True)
    assert page.count('class="card check-passed"') == 20 and "after=" in page
    after = page.partition("after=")[2].partition('"')[0]
    response = client.get(f"/staff/facilities/{lift.id}?after={after}", headers=HTMX)
    rest = response.get_data(as_text=True)
    assert "<html" not in rest and rest.count('class="card check-passed"') == 6
    assert "<html" in client.get(f"/staff/facilities/{lift.id}?after={after}").get_data(as_text=True)


def test_a_fault_opens_one_ticket_shown_in_the_history_with_its_photo(client, auth, hose):
    sign_in(auth, Role.SECURITY)
    page = client.get(f"/staff/facilities/{hose.id}/check").get_data(as_text=True)
    assert 'name="item-0"' in page and 'value="fault"' in page and 'name="done_by"' not in page
    response = client.post(
        f"/staff/facilities/{hose.id}/check",
        data={"item-0": "ok", "item-1": "fault", "note": "箱门脱落", "photos": [jpeg()]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    check = db.session.scalar(select(FacilityCheck))
    ticket = db.session.scalar(select(Ticket))
    assert check.result == CheckResult.FAILED and check.ticket_id == ticket.id
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    photo = db.session.scalar(select(FieldPhoto))
    history = client.get(f"/staff/facilities/{hose.id}").get_data(as_text=True)
    assert f"/staff/tickets/{ticket.id}" in history and "平层准确" in history
    url = f"/staff/facilities/{hose.id}/checks/{check.id}/photos/{photo.id}"
    assert url in history
    with client.get(url) as served:
        assert served.status_code == 200
    assert client.get(f"/staff/facilities/{hose.id}/checks/{check.id}/photos/{photo.id + 1}").status_code == 404


def test_an_unanswered_item_is_refused_and_the_answers_are_kept(client, auth, lift):
    sign_in(auth, Role.ENGINEERING)
    response = client.post(
        f"/staff/facilities/{lift.id}/check", data={"item-0": "fault", "done_by": "张工", "note": "异响"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="fault" checked' in page and 'value="张工"' in page and "异响" in page
    assert db.session.scalar(select(func.count(FacilityCheck.id))) == 1  # only the fixture's
    assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_a_lift_check_needs_who_from_the_contractor_did_it(client, auth, lift):
    sign_in(auth, Role.ENGINEERING)
    response = client.post(f"/staff/facilities/{lift.id}/check", data={"item-0": "ok", "item-1": "ok"})
    assert response.status_code == 422 and 'name="done_by"' in response.get_data(as_text=True)
    assert (
        client.post(
            f"/staff/facilities/{lift.id}/check", data={"item-0": "ok", "item-1": "ok", "done_by": "张工"}
        ).status_code
        == 303
    )


@pytest.mark.parametrize("role", [Role.SECURITY, Role.ASSISTANT])
def test_a_lift_check_is_refused_to_other_checkers(client, auth, lift, role):
    sign_in(auth, role)
    assert client.get(f"/staff/facilities/{lift.id}/check").status_code == 403
    response = client.post(
        f"/staff/facilities/{lift.id}/check", data={"item-0": "ok", "item-1": "ok", "done_by": "张工"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.CLEANING, Role.FINANCE])
def test_cleaning_and_finance_never_see_facilities(client, auth, lift, role):
    sign_in(auth, role)
    assert client.get("/staff/facilities/").status_code == 403
    assert client.get(f"/staff/facilities/{lift.id}").status_code == 403
    assert client.post(f"/staff/facilities/{lift.id}/check", data={}).status_code == 403


def test_the_manager_may_check_any_facility(client, auth, lift):
    sign_in(auth, Role.MANAGER)
    response = client.post(
        f"/staff/facilities/{lift.id}/check", data={"item-0": "ok", "item-1": "ok", "done_by": "张工"}
    )
    assert response.status_code == 303


def test_a_check_posted_against_a_checklist_changed_meanwhile_is_refused_not_misfiled(client, auth, lift):
    sign_in(auth, Role.MANAGER)
    page = client.get(f"/staff/facilities/{lift.id}/check").get_data(as_text=True)
    shown = re.findall(r'name="item-(\d+)-text" value="([^"]+)"', page)
    assert [text for _n, text in shown] == lift.checklist
    lift.checklist = [lift.checklist[1], lift.checklist[0]]  # the manager reorders the list meanwhile
    db.session.commit()
    data = {"done_by": "张工", "note": "轿厢灯闪烁"}
    for n, text in shown:
        data[f"item-{n}"], data[f"item-{n}-text"] = ("fault" if n == "0" else "ok"), text
    response = client.post(f"/staff/facilities/{lift.id}/check", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "轿厢灯闪烁" in html and "张工" in html
    assert lift.checklist[0] in html and 'value="fault" checked' not in html  # nothing pre-ticked against a moved item
    assert db.session.scalar(select(func.count()).select_from(FacilityCheck)) == 1  # only the fixture's


# The manager's board ------------------------------------------------------------------------------------------------


def test_an_overdue_check_shows_on_the_board_from_the_day_after_it_was_due(client, auth, hose, clock):
    sign_in(auth, Role.MANAGER)
    assert "1号楼消火栓" not in client.get("/staff/board").get_data(as_text=True)  # due today: not late yet
    clock.advance(days=1)
    sign_in(auth, Role.MANAGER)  # a day later the session has lapsed
    board = client.get("/staff/board").get_data(as_text=True)
    panel = board.partition('data-panel="field"')[2].partition("</section>")[0]
    assert "1号楼消火栓" in panel and f"/staff/facilities/{hose.id}" in panel and "逾期 1 天" in panel
    assert 'data-field-kind="facility_overdue" class="row-escalated"' in panel  # fire equipment is a safety matter
    create_check(hose, today())
    assert "1号楼消火栓" not in client.get("/staff/board").get_data(as_text=True)
