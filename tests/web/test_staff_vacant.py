"""The vacant units console: the list (overdue first, units to register, keys out) within its query budget, the unit
page and its history with and without htmx, registering with bad input kept, keys taken out (twice refused, an agent
without consent refused with what was typed kept) and back, the overdue keys list as the clock moves, the phone check
form (a fault opens one ticket; typed answers kept on a refusal), the checklist, and the assistant's "my area"."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from domain import clock as domain_clock
from domain.accounts.roles import Role
from domain.clock import local, today, utcnow
from domain.files.models import FieldPhoto
from domain.property.models import UnitStatus
from domain.tickets.models import Ticket
from domain.vacant.keys import open_movement
from domain.vacant.models import KeyMovement, VacantCheck, VacantUnit
from extensions import db
from tests import builders
from tests.areas_builders import create_area
from tests.vacant_builders import create_key, create_vacant, create_vacant_check

HTMX = {"HX-Request": "true"}


def sign_in(auth, role):
    """A staff member of `role`, signed in."""
    user = builders.create_staff(role)
    auth.login_staff(user)
    return user


@pytest.fixture
def vacant(prop):
    """A vacant unit registered 10 days ago, checked 8 days ago: one day overdue."""
    record = create_vacant(prop, registered_on=today() - timedelta(days=10))
    create_vacant_check(record, today() - timedelta(days=8))
    return record


def local_input(moment):
    """A datetime-local field's value for an aware moment."""
    return local(moment).strftime("%Y-%m-%dT%H:%M")


def jpeg():
    """A small JPEG upload."""
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(data, "JPEG")
    data.seek(0)
    return (data, "leak.jpg")


def check_form(extra=None):
    """A check form for the default checklist: every item OK, every meter read."""
    items = ("门窗关闭完好", "无渗漏水", "水电按约定关闭或开启", "无异味", "无虫鼠害")
    form = {f"item-{n}": "ok" for n in range(len(items))}
    form.update({f"item-{n}-text": text for n, text in enumerate(items)})
    form.update({"meter-0": "120.5", "meter-0-text": "水表读数", "meter-1": "3456", "meter-1-text": "电表读数"})
    form.update(extra or {})
    return form


# The list ---------------------------------------------------------------------------------------------------------


def test_the_list_puts_overdue_checks_first_and_offers_the_units_to_register(client, auth, prop, vacant):
    later = create_vacant(prop)  # due today
    create_vacant_check(later, today())
    builders.create_unit(number="0909", status=UnitStatus.VACANT)
    sign_in(auth, Role.FRONTDESK)
    page = client.get("/staff/vacant/").get_data(as_text=True)
    assert page.index(vacant.unit.label) < page.index(later.unit.label)
    assert "badge-overdue" in page and "1-0909" in page and "/staff/vacant/new?unit=" in page
    assert "/check" not in page  # the desk does not check


def test_the_list_pages_fifty_units_at_a_time_with_the_overdue_counted_on_every_page(client, auth, prop, vacant):
    from staff.vacant.pages import LIST_PAGE

    for _ in range(LIST_PAGE):
        create_vacant(prop, registered_on=today() + timedelta(days=1))  # not due yet: after the overdue one
    sign_in(auth, Role.FRONTDESK)
    first = client.get("/staff/vacant/").get_data(as_text=True)
    assert "51 套空置房" in first and "1 项检查逾期" in first and vacant.unit.label in first
    assert first.count('<tr class="late">') == 1 and "/staff/vacant/?page=2" in first
    second = client.get("/staff/vacant/?page=2").get_data(as_text=True)
    assert second.count("/staff/vacant/") > 1 and vacant.unit.label not in second and "1 项检查逾期" in second
    pager = second.partition('class="pager"')[2].partition("</nav>")[0]
    assert 'href="/staff/vacant/"' in pager and "page=" not in pager  # back to the first page only
    assert "没有更多" in client.get("/staff/vacant/?page=9").get_data(as_text=True)


def test_the_list_takes_the_same_number_of_queries_whatever_it_holds(client, auth, prop, count_queries):
    sign_in(auth, Role.MANAGER)

    def add(n):
        for _ in range(n):
            record = create_vacant(prop)
            key = create_key(record)
            create_vacant_check(record, today() - timedelta(days=3))
            db.session.add(
                KeyMovement(
                    key_id=key.id,
                    taker="staff",
                    taker_name="李",
                    purpose="检查",
                    taken_at=utcnow() - timedelta(hours=3),
                    due_back_at=utcnow() - timedelta(hours=1),
                )
            )
            builders.create_unit(status=UnitStatus.VACANT)
        db.session.commit()

    add(2)
    client.get("/staff/vacant/")
    with count_queries() as few:
        assert client.get("/staff/vacant/").status_code == 200
    add(8)
    with count_queries() as many:
        assert client.get("/staff/vacant/").status_code == 200
    assert many.count == few.count <= 12


def test_a_unit_of_another_property_is_not_found(client, auth, vacant):
    other = builders.create_property("别的小区")
    theirs = create_vacant(
        other, builders.create_unit(builders.create_building(other, code="9"), status=UnitStatus.VACANT)
    )
    sign_in(auth, Role.MANAGER)
    for url in (f"/staff/vacant/{theirs.id}", f"/staff/vacant/{theirs.id}/check", f"/staff/vacant/{theirs.id}/edit"):
        assert client.get(url).status_code == 404


# Registering -------------------------------------------------------------------------------------------------------


def test_registering_a_vacant_unit_then_its_page(client, auth, prop):
    unit = builders.create_unit(status=UnitStatus.VACANT, status_since=today() - timedelta(days=40))
    sign_in(auth, Role.ASSISTANT)
    offered = client.get(f"/staff/vacant/new?unit={unit.id}").get_data(as_text=True)
    assert f'value="{(today() - timedelta(days=40)).isoformat()}"' in offered  # the day the register says
    form = {
        "unit_id": str(unit.id),
        "reason": "unsold",
        "vacant_since": (today() - timedelta(days=100)).isoformat(),
        "interval_days": "",
        "water": "off",
        "power": "off",
        "note": "开发商未售",
    }
    response = client.post("/staff/vacant/new", data=form)
    assert response.status_code == 303
    record = db.session.scalar(select(VacantUnit))
    assert (record.unit_id, record.interval_days) == (unit.id, 7)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert unit.label in page and "开发商未售" in page


def test_bad_registration_input_is_refused_with_what_was_typed_kept(client, auth, prop):
    unit = builders.create_unit(status=UnitStatus.VACANT)
    sign_in(auth, Role.FRONTDESK)
    form = {
        "unit_id": str(unit.id),
        "reason": "owner_away",
        "vacant_since": today().isoformat(),
        "interval_days": "400",
        "water": "off",
        "power": "on",
        "note": "业主在国外，联系人：王女士",
    }
    response = client.post("/staff/vacant/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "1 至 90 天" in page
    assert 'value="400"' in page and "业主在国外，联系人：王女士" in page
    assert db.session.scalar(select(func.count(VacantUnit.id))) == 0


# Keys ---------------------------------------------------------------------------------------------------------------


def test_a_key_taken_out_twice_is_refused_and_the_page_says_who_has_it(client, auth, vacant):
    key = create_key(vacant, tag="K-1-1203")
    sign_in(auth, Role.FRONTDESK)
    form = {
        "taker": "staff",
        "taker_name": "李助理",
        "purpose": "例行检查",
        "due_back_at": local_input(utcnow() + timedelta(hours=2)),
    }
    url = f"/staff/vacant/{vacant.id}/keys/{key.id}/take-out"
    assert client.post(url, data=form).status_code == 303
    again = client.post(url, data={**form, "taker_name": "张师傅"})
    page = again.get_data(as_text=True)
    assert again.status_code == 422 and "李助理" in page and 'value="张师傅"' in page
    assert db.session.scalar(select(func.count(KeyMovement.id))) == 1


def test_a_contractor_without_consent_is_refused_with_what_was_typed_kept(client, auth, vacant):
    key = create_key(vacant)
    sign_in(auth, Role.FRONTDESK)
    form = {
        "taker": "contractor",
        "taker_name": "美家装饰 刘工",
        "taker_phone": "13912345678",
        "purpose": "量房报价",
        "due_back_at": local_input(utcnow() + timedelta(hours=3)),
        "consent_from": "",
        "consent_by": "",
    }
    url = f"/staff/vacant/{vacant.id}/keys/{key.id}/take-out"
    response = client.post(url, data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="美家装饰 刘工"' in page and 'value="量房报价"' in page
    assert db.session.scalar(select(func.count(KeyMovement.id))) == 0
    response = client.post(url, data={**form, "consent_from": "王业主", "consent_by": "written"})
    assert response.status_code == 303
    page = client.get(f"/staff/vacant/{vacant.id}").get_data(as_text=True)
    assert "王业主" in page and "美家装饰 刘工" in page


def test_an_overdue_key_shows_on_the_keys_list_once_its_time_is_past_and_goes_when_returned(
    client, auth, vacant, clock
):
    clock.set(domain_clock.start_of_local_day(today()) + timedelta(hours=9))
    key = create_key(vacant, tag="K-9")
    sign_in(auth, Role.FRONTDESK)
    form = {"taker": "staff", "purpose": "例行检查", "due_back_at": local_input(utcnow() + timedelta(minutes=20))}
    assert client.post(f"/staff/vacant/{vacant.id}/keys/{key.id}/take-out", data=form).status_code == 303
    assert "badge-overdue" not in client.get("/staff/vacant/keys/").get_data(as_text=True)
    clock.advance(minutes=21)
    page = client.get("/staff/vacant/keys/").get_data(as_text=True)
    assert "K-9" in page and "badge-overdue" in page
    assert "badge-overdue" in client.get("/staff/vacant/").get_data(as_text=True).partition("page-head")[2][:900]
    response = client.post(f"/staff/vacant/{vacant.id}/keys/{key.id}/return?back=keys", data={"note": "齐全"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/vacant/keys/")
    assert "keys-out" not in client.get("/staff/vacant/keys/").get_data(as_text=True)


def test_registering_keys_keeps_what_was_typed_on_a_bad_count(client, auth, vacant):
    sign_in(auth, Role.FRONTDESK)
    response = client.post(
        f"/staff/vacant/{vacant.id}/keys/new", data={"tag": "K-1203", "count": "0", "note": "入户门"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="K-1203"' in page and 'value="入户门"' in page
    assert client.post(f"/staff/vacant/{vacant.id}/keys/new", data={"tag": "K-1203", "count": "2"}).status_code == 303


# Checks -------------------------------------------------------------------------------------------------------------


@pytest.fixture
def area_assistant(auth, prop):
    """The assistant of building 1, signed in."""
    user = builders.create_staff(Role.ASSISTANT)
    create_area(prop, assistant=user)
    auth.login_staff(user)
    return user


def test_a_fault_opens_one_ticket_shown_in_the_history_with_its_photo(client, area_assistant, vacant):
    page = client.get(f"/staff/vacant/{vacant.id}/check").get_data(as_text=True)
    assert 'name="item-0"' in page and 'name="meter-1"' in page and "约定" in page
    response = client.post(
        f"/staff/vacant/{vacant.id}/check",
        data=check_form({"item-1": "fault", "note": "厨房水管滴水", "photos": [jpeg()]}),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    check = db.session.scalar(select(VacantCheck).order_by(VacantCheck.id.desc()))
    ticket = db.session.get(Ticket, check.ticket_id)
    assert ticket.unit_id == vacant.unit_id and "无渗漏水" in ticket.description
    assert db.session.scalar(select(func.count(FieldPhoto.id))) == 1
    page = client.get(f"/staff/vacant/{vacant.id}").get_data(as_text=True)
    assert f"#{ticket.id}" in page and "厨房水管滴水" in page and "/photos/" in page
    photo = db.session.scalar(select(FieldPhoto))
    with client.get(f"/staff/vacant/{vacant.id}/checks/{check.id}/photos/{photo.id}?preview=1") as shown:
        assert shown.status_code == 200


def test_an_unanswered_item_and_a_bad_reading_keep_what_was_typed(client, area_assistant, vacant):
    form = check_form({"meter-0": "一百", "note": "客厅窗户未关"})
    form.pop("item-2")
    response = client.post(f"/staff/vacant/{vacant.id}/check", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "客厅窗户未关" in page and 'value="一百"' in page
    assert page.count("checked") == 4
    assert db.session.scalar(select(func.count(VacantCheck.id))) == 1  # only the fixture's


def test_a_check_sent_twice_is_recorded_once(client, area_assistant, vacant):
    page = client.get(f"/staff/vacant/{vacant.id}/check").get_data(as_text=True)
    latest = db.session.scalar(select(func.max(VacantCheck.id)))
    assert f'name="last_check" type="hidden" value="{latest}"' in page
    form = check_form({"last_check": str(latest), "note": "一切正常"})
    assert client.post(f"/staff/vacant/{vacant.id}/check", data=form).status_code == 303
    again = client.post(f"/staff/vacant/{vacant.id}/check", data=form, follow_redirects=True)
    assert again.status_code == 200 and "已经记录" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(VacantCheck.id))) == 2  # the fixture's and one new


def test_a_checklist_changed_while_checking_asks_again(client, auth, area_assistant, vacant):
    form = check_form()
    form["item-0-text"] = "门窗关闭"
    response = client.post(f"/staff/vacant/{vacant.id}/check", data=form)
    assert response.status_code == 422 and db.session.scalar(select(func.count(VacantCheck.id))) == 1


def test_the_manager_edits_the_checklist_and_an_empty_one_is_refused_with_the_meters_kept(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    page = client.get("/staff/vacant/checklist").get_data(as_text=True)
    assert "无虫鼠害" in page and "电表读数" in page
    response = client.post("/staff/vacant/checklist", data={"checks": "", "readings": "燃气表读数"})
    assert response.status_code == 422 and "燃气表读数" in response.get_data(as_text=True)
    response = client.post("/staff/vacant/checklist", data={"checks": "门窗关闭\n燃气阀关闭", "readings": "燃气表读数"})
    assert response.status_code == 303


def test_the_history_pages_with_and_without_htmx(client, auth, vacant):
    for n in range(24):
        create_vacant_check(vacant, today() - timedelta(days=100 - n))
    sign_in(auth, Role.FRONTDESK)
    page = client.get(f"/staff/vacant/{vacant.id}").get_data(as_text=True)
    assert page.count('class="card check-passed"') == 20 and "after=" in page
    after = page.partition("after=")[2].partition('"')[0]
    rest = client.get(f"/staff/vacant/{vacant.id}?after={after}", headers=HTMX)
    body = rest.get_data(as_text=True)
    assert "<html" not in body and body.count('class="card check-passed"') == 5
    assert "HX-Request" in rest.headers["Vary"]


def test_the_area_assistant_sees_due_and_overdue_checks_of_their_units_on_my_area(client, area_assistant, prop, vacant):
    elsewhere = builders.create_building(prop, code="2")
    other = create_vacant(prop, builders.create_unit(elsewhere, status=UnitStatus.VACANT))
    page = client.get("/staff/areas/mine").get_data(as_text=True)
    assert vacant.unit.label in page and other.unit.label not in page
    assert f"/staff/vacant/{vacant.id}/check" in page and "badge-overdue" in page


def test_closing_a_record_of_a_unit_lived_in_again(client, auth, vacant):
    sign_in(auth, Role.FRONTDESK)
    assert client.post(f"/staff/vacant/{vacant.id}/close").status_code == 303
    assert db.session.get(VacantUnit, vacant.id).is_open  # still vacant in the register: refused
    vacant.unit.status = UnitStatus.OCCUPIED
    db.session.commit()
    page = client.get("/staff/vacant/").get_data(as_text=True)
    assert "已重新入住" in page
    assert client.post(f"/staff/vacant/{vacant.id}/close").status_code == 303
    assert not db.session.get(VacantUnit, vacant.id).is_open


def test_illegal_steps_are_refused_and_change_nothing(client, auth, vacant):
    key = create_key(vacant)
    sign_in(auth, Role.MANAGER)
    response = client.post(f"/staff/vacant/{vacant.id}/keys/{key.id}/return", data={"note": "齐全"})
    assert response.status_code == 422 and db.session.scalar(select(func.count(KeyMovement.id))) == 0
    vacant.is_open = False
    db.session.commit()
    assert client.get(f"/staff/vacant/{vacant.id}/check").status_code == 409
    assert client.get(f"/staff/vacant/{vacant.id}/edit").status_code == 409
    assert client.get(f"/staff/vacant/{vacant.id}/keys/new").status_code == 409


# The manager's board ------------------------------------------------------------------------------------------------


def test_the_board_shows_an_overdue_check_and_a_key_not_back_until_they_are_done(client, auth, vacant, clock):
    key = create_key(vacant, tag="K-7")
    sign_in(auth, Role.MANAGER)
    form = {"taker": "staff", "taker_name": "李助理", "purpose": "例行检查"}
    form["due_back_at"] = local_input(utcnow() + timedelta(minutes=20))
    assert client.post(f"/staff/vacant/{vacant.id}/keys/{key.id}/take-out", data=form).status_code == 303
    clock.advance(minutes=21)
    board = client.get("/staff/board").get_data(as_text=True)
    panel = board.partition('data-panel="field"')[2].partition("</section>")[0]
    assert 'data-field-kind="vacant_check_overdue"' in panel and f"/staff/vacant/{vacant.id}" in panel
    assert "逾期 1 天" in panel and vacant.unit.label in panel
    assert 'data-field-kind="vacant_key_overdue" class="row-escalated"' in panel and "K-7 · 李助理" in panel
    create_vacant_check(vacant, today())
    movement = open_movement(key.id)
    movement.returned_at = utcnow()
    db.session.commit()
    panel = client.get("/staff/board").get_data(as_text=True).partition('data-panel="field"')[2]
    assert "vacant_check_overdue" not in panel and "vacant_key_overdue" not in panel
