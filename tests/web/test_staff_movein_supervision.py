"""The manager's move-in pages: the board, the day's summary and its PDF, spot-checks and the clerk's follow-ups."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import today, utcnow
from domain.movein import supervision
from domain.movein.models import CaseStatus, SpotCheck, SpotCheckResult
from extensions import db
from tests import builders
from tests.supervision_builders import add_key, create_case, create_defect


@pytest.fixture
def manager(client, auth):
    """The manager, signed in."""
    user = builders.create_staff(Role.MANAGER)
    auth.login_staff(user)
    return user


def _page(response):
    """The response's HTML."""
    return response.get_data(as_text=True)


def _picked(prop, clerk=None):
    """A completed case (by `clerk`) picked for a spot-check."""
    create_case(prop, completed=True, clerk=clerk)
    (check,) = supervision.pick_spot_checks(Actor.system(), 1, property_id=prop.id)
    db.session.commit()
    return check


# The board ------------------------------------------------------------------------------------------------------


def test_the_empty_board_says_so_in_each_place(client, prop, manager):
    html = _page(client.get("/staff/move-in/board"))
    assert "无预约" in html or "No appointments today." in html
    for marker in ('data-figure="cases-booked">0<', "move-in-board"):
        assert marker in html
    assert html.count('class="empty"') == 4


def test_the_board_shows_appointments_overdue_defects_and_waiting_cases(client, prop, manager):
    booked = create_case(prop, status=CaseStatus.BOOKED, appointment_at=utcnow() + timedelta(hours=2))
    done = create_case(prop, completed=True)
    defect = create_defect(done, due_in=timedelta(hours=-1), name="卫生间漏水")
    create_case(prop, status=CaseStatus.NOTIFIED, created_at=utcnow() - timedelta(days=30))
    html = _page(client.get("/staff/move-in/board"))
    assert booked.owner.name in html and "卫生间漏水" in html
    assert f"/staff/tickets/{defect.ticket_id}" in html
    assert f'href="/staff/move-in/{booked.id}"' in html and f'href="/staff/move-in/{done.id}"' in html
    assert 'data-figure="cases-booked">1<' in html and html.count('class="empty"') == 1  # only tomorrow is empty


def test_the_board_answers_htmx_with_the_board_alone(client, prop, manager):
    fragment = client.get("/staff/move-in/board", headers={"HX-Request": "true"})
    page = client.get("/staff/move-in/board")
    assert "<html" not in _page(fragment) and 'id="move-in-board"' in _page(fragment)
    assert "<html" in _page(page)
    for response in (fragment, page):
        assert "HX-Request" in response.headers.get("Vary", "")


def test_the_board_page_costs_the_same_queries_with_more_cases(client, prop, manager, count_queries):
    def add_some():
        case = create_case(prop, status=CaseStatus.BOOKED, appointment_at=utcnow() + timedelta(hours=1))
        create_defect(case, due_in=timedelta(hours=-1))

    add_some()
    with count_queries() as few:
        client.get("/staff/move-in/board")
    for _ in range(5):
        add_some()
    with count_queries() as many:
        assert client.get("/staff/move-in/board").status_code == 200
    assert many.count == few.count


# The day's summary ----------------------------------------------------------------------------------------------


def test_the_summary_shows_todays_received_units_and_keys(client, prop, manager):
    case = create_case(prop, completed=True)
    add_key(case, "电表IC卡", 1)
    create_defect(case, name="阳台门")
    html = _page(client.get("/staff/move-in/summary"))
    assert case.owner.name in html and "电表IC卡" in html and "阳台门" in html
    assert f'href="/staff/move-in/{case.id}"' in html
    assert f"day={today().isoformat()}" in html  # the PDF link is for the day shown


def test_the_summary_of_an_empty_day_says_so(client, prop, manager):
    html = _page(client.get("/staff/move-in/summary?day=2026-01-05"))
    assert html.count('class="empty"') == 3 and 'value="2026-01-05"' in html


def test_a_bad_day_keeps_what_was_typed_and_says_what_is_wrong(client, prop, manager):
    response = client.get("/staff/move-in/summary?day=2026-13-45")
    html = _page(response)
    assert response.status_code == 422
    assert 'value="2026-13-45"' in html and 'aria-invalid="true"' in html and today().isoformat() in html


def test_the_summary_pdf_is_a_private_chinese_pdf(client, prop, manager):
    case = create_case(prop, completed=True)
    response = client.get(f"/staff/move-in/summary.pdf?day={today().isoformat()}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    text = PdfReader(BytesIO(response.data)).pages[0].extract_text()
    assert "收楼汇总" in text and case.owner.name in text


def test_a_summary_pdf_of_a_bad_day_goes_back_to_the_page(client, prop, manager):
    response = client.get("/staff/move-in/summary.pdf?day=yesterday")
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/move-in/summary")


# Spot-checks ----------------------------------------------------------------------------------------------------


def test_no_spot_check_yet_is_an_empty_state_with_the_pick_button_off(client, prop, manager):
    html = _page(client.get("/staff/move-in/spot-checks"))
    assert 'class="empty"' in html and "disabled" in html


def test_picking_says_when_there_were_fewer_cases_than_asked(client, prop, manager):
    for _ in range(2):
        create_case(prop, completed=True)
    response = client.post("/staff/move-in/spot-checks", data={"count": "5"}, follow_redirects=True)
    html = _page(response)
    assert db.session.query(SpotCheck).count() == 2
    assert "2" in html and ("只有" in html or "Only 2" in html)


def test_a_bad_count_keeps_what_was_typed_and_picks_nothing(client, prop, manager):
    create_case(prop, completed=True)
    response = client.post("/staff/move-in/spot-checks", data={"count": "500"})
    assert response.status_code == 422 and 'value="500"' in _page(response)
    assert db.session.query(SpotCheck).count() == 0


def test_missing_items_without_a_note_keep_the_choice_and_save_nothing(client, prop, manager):
    check = _picked(prop)
    typed = {f"check{check.id}-result": "missing", f"check{check.id}-note": ""}
    response = client.post(f"/staff/move-in/spot-checks/{check.id}", data=typed)
    html = _page(response)
    assert response.status_code == 422
    assert re.search(r'<input checked[^>]*value="missing"', html) and 'aria-invalid="true"' in html
    db.session.expire_all()
    assert db.session.get(SpotCheck, check.id).result == SpotCheckResult.PENDING


def test_recording_missing_items_sends_a_follow_up_to_the_clerk(client, auth, prop, manager):
    clerk = builders.create_staff(Role.FRONTDESK)
    check = _picked(prop, clerk)
    response = client.post(
        f"/staff/move-in/spot-checks/{check.id}",
        data={f"check{check.id}-result": "missing", f"check{check.id}-note": "防火责任协议书缺业主签字"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(SpotCheck, check.id).follow_up_by_id == clerk.id
    assert "防火责任协议书缺业主签字" in _page(client.get("/staff/move-in/spot-checks"))

    auth.logout("staff")
    auth.login_staff(clerk)
    html = _page(client.get("/staff/move-in/follow-ups"))
    assert "防火责任协议书缺业主签字" in html and f"/staff/move-in/follow-ups/{check.id}/done" in html


# Follow-ups -----------------------------------------------------------------------------------------------------


def _missing(prop, clerk):
    """A checked case of `clerk` with items missing."""
    check = _picked(prop, clerk)
    supervision.record_spot_check(Actor.system(), check, "missing", "缺身份证复印件")
    db.session.commit()
    return check


def test_a_clerk_sees_only_their_own_follow_ups_and_finishes_them(client, auth, prop):
    clerk, other = builders.create_staff(Role.FRONTDESK), builders.create_staff(Role.FRONTDESK)
    mine, theirs = _missing(prop, clerk), _missing(prop, other)
    auth.login_staff(clerk)
    html = _page(client.get("/staff/move-in/follow-ups"))
    assert f"follow-up-{mine.id}" in html and f"follow-up-{theirs.id}" not in html
    response = client.post(f"/staff/move-in/follow-ups/{theirs.id}/done", data={f"follow{theirs.id}-note": "补好了"})
    assert response.status_code == 403
    response = client.post(f"/staff/move-in/follow-ups/{mine.id}/done", data={f"follow{mine.id}-note": "已补复印件"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(SpotCheck, mine.id).follow_up_note == "已补复印件"
    assert db.session.get(SpotCheck, theirs.id).follow_up_done_at is None


def test_a_follow_up_without_a_note_says_so_and_saves_nothing(client, auth, prop):
    clerk = builders.create_staff(Role.FRONTDESK)
    check = _missing(prop, clerk)
    auth.login_staff(clerk)
    response = client.post(f"/staff/move-in/follow-ups/{check.id}/done", data={f"follow{check.id}-note": " "})
    assert response.status_code == 422 and 'aria-invalid="true"' in _page(response)
    db.session.expire_all()
    assert db.session.get(SpotCheck, check.id).follow_up_done_at is None


def test_no_follow_ups_is_an_empty_state(client, auth, prop):
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    assert 'class="empty"' in _page(client.get("/staff/move-in/follow-ups"))


def test_another_propertys_spot_check_is_not_found(client, prop, manager):
    other = builders.create_property("别的小区")
    check = _picked(other)
    response = client.post(f"/staff/move-in/spot-checks/{check.id}", data={f"check{check.id}-result": "complete"})
    assert response.status_code == 404
